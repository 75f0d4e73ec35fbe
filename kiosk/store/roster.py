"""The roster in the kiosk's database: keyed hashes only, replaced atomically, looked up fast.

Three ways in, one table (``roster_entries``, keyed by ``(id_hash, category)``):

- :func:`import_roster_file`: a technician's CSV file (``kiosk roster import FILE``).
  A new random hash key is made for every file. It goes into the key store
  (:mod:`kiosk.store.keystore`, outside the database) under a new key id, and
  ``roster_meta`` holds only that id.
- :func:`replace_roster`: a whole roster the hall server sends, already hashed with the
  server's key.
- :func:`apply_roster_delta`: the server's incremental update (upserts and deletes).

**Atomic replace without blocking the ticket counter.** The ticket database is shared and
every writer takes the write lock (``BEGIN IMMEDIATE``); a million-row insert in one
transaction would hold it for seconds and stall ticket issuing. So a replace goes in
three phases:

1. *Read*: the rows are checked and hashed (for a big file by worker processes, see
   :func:`roster.format.hash_roster_file`) into a temporary spill file, bucketed by hash.
   No database work: a file with errors never writes anything.
2. *Stage*: a private staging table (``roster_entries_staging_<random>``, the DDL of
   ``roster_entries``, ``WITHOUT ROWID``) is filled in key order - an append, so the
   B-tree ends up packed - in committed chunks of :data:`CHUNK_ROWS` rows (~0.1 s of
   write lock each), with the lock free for at least :data:`CHUNK_PAUSE_S` between them.
3. *Swap*, one short transaction: ``DROP TABLE roster_entries``, ``ALTER TABLE ...
   RENAME TO roster_entries``, the new ``roster_meta`` row (version + 1, key id, label).

**Keys.** The new roster's key is written to the key store under a fresh key id before
the swap; the old roster's key is deleted only after the swap committed. A crash between
the two leaves the old roster with its old key in use, plus an unused key that the next
successful replace deletes. A failed swap deletes the new key at once.

SQLite DDL is transactional, so until that commit the old roster is complete and in use,
and a failure anywhere (a bad row, an exception, a crash, a power cut) leaves it so. A
leftover staging table is dropped when the next replace starts; a replace whose staging
table vanished (a second import started meanwhile) or whose roster changed underneath it
(a delta landed) fails instead of mixing rosters.

**Row errors.** A file with any invalid row is not installed: every invalid row is
reported with its line number (up to ``max_errors`` of them, plus the total count) and the
old roster stays, so the technician fixes the file and imports again. Installing the valid
part instead would silently drop the people whose rows were mistyped, and a file with a
systematic mistake (columns swapped) would empty the roster. A file with a header and no
rows is refused too. A person listed twice in one category keeps the later line.

No ID number, nor any part of one, is stored or logged here: numbers are hashed as they
are read; the row errors shown to the technician carry masked numbers, the log only line
numbers.
"""

from __future__ import annotations

import logging
import marshal
import re
import secrets
import sqlite3
import tempfile
import time
import weakref
from bisect import bisect_right
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from itertools import chain
from operator import itemgetter
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from idreader.errors import InvalidIdNumber
from idreader.idnumber import validate_id_number
from kiosk.domain.clock import Clock, business_day
from kiosk.domain.eligibility import Category, RosterMatch
from kiosk.store.db import Database, StoreError
from kiosk.store.keystore import ROSTER_KEY_PREFIX, KeyStoreError, new_roster_key_id
from kiosk.store.models import RosterEntry, RosterMeta
from roster.format import (
    HASH_BYTES,
    HashedPart,
    RosterFileError,
    RowError,
    hash_roster_file,
    make_hasher,
)

log = logging.getLogger(__name__)

__all__ = [
    "CHUNK_ROWS",
    "Entry",
    "ImportReport",
    "RosterChangedError",
    "RosterFileError",
    "RosterInfo",
    "RosterStoreError",
    "apply_roster_delta",
    "import_roster_file",
    "lookup",
    "replace_roster",
    "roster_info",
    "roster_key_problem",
]

#: One roster entry as the store takes it: keyed hash, category, valid from, valid to.
Entry = tuple[bytes, Category, date | None, date | None]
#: An entry as it is written: hash, category code, ISO dates (as SQLAlchemy's Date stores).
_Row = tuple[bytes, str, str | None, str | None]
#: A delete: one category of a person, or all of them (``None``).
DeleteKey = tuple[bytes, Category | None]

#: Rows per staging transaction: small enough that a ticket writer waits well under a
#: second for the lock (~0.15 s per chunk here), large enough that the per-commit fsync
#: does not dominate.
CHUNK_ROWS = 20_000
#: Pause between staging transactions, so that waiting writers find the lock free.
CHUNK_PAUSE_S = 0.02

ENTRIES_TABLE = RosterEntry.__tablename__
STAGING_PREFIX = "roster_entries_staging"
META_ID = 1
KEY_BYTES = 32
_KEY_LENGTHS = range(16, 65)
_LABEL_MAX = 64
_SOURCE_MAX = 200


class RosterStoreError(StoreError):
    """The roster could not be read or changed as asked."""


class RosterChangedError(RosterStoreError):
    """The roster changed underneath a replace or a delta (another import, a sync)."""


@dataclass(frozen=True)
class RosterInfo:
    """The roster in use."""

    version: int
    label: str
    entries: int
    imported_at: datetime
    source: str


@dataclass(frozen=True)
class ImportReport:
    """What an import found and did.

    ``rows_read`` counts data rows (blank lines aside); ``entries`` is the number of
    distinct (person, category) entries installed, or, for a dry run or a rejected file,
    the number of valid rows. ``errors`` holds the first ``max_errors`` invalid rows,
    ``error_count`` all of them. ``version`` is the roster version in use afterwards
    (0: none).
    """

    rows_read: int
    entries: int
    errors: list[RowError]
    replaced: bool
    version: int
    error_count: int = 0
    duplicates: int = 0
    dry_run: bool = False
    file_name: str = ""
    #: Valid rows whose validity ended before today / starts after today (not errors).
    expired: int = 0
    not_yet_valid: int = 0

    @property
    def valid_today(self) -> int:
        """Valid rows that give priority today."""
        return self.rows_read - self.error_count - self.expired - self.not_yet_valid

    def warnings(self) -> list[str]:
        """Things a technician should hear of that do not stop the import."""
        found = []
        if self.expired:
            found.append(f"{self.expired} rows already expired (valid_to before today)")
        if self.not_yet_valid:
            found.append(f"{self.not_yet_valid} rows not yet valid (valid_from after today)")
        return found

    def summary(self) -> str:
        """One line for a technician's terminal (the errors are listed separately)."""
        what = f"{self.file_name}: " if self.file_name else ""
        text = f"{what}{self.rows_read} rows, {self.error_count} invalid"
        if self.duplicates:
            text += f", {self.duplicates} repeated"
        if not self.error_count:
            text += f", {self.valid_today} valid today"
        if self.replaced:
            return f"{text}; installed {self.entries} entries as roster version {self.version}"
        if self.dry_run:
            verdict = "would install" if not self.error_count else "would NOT install"
            return f"{text}; dry run, {verdict} {self.entries} entries"
        return f"{text}; NOT installed, roster version {self.version} stays in use"


# --- reading ------------------------------------------------------------------------------


def roster_info(db: Database) -> RosterInfo | None:
    """The roster in use, or None when the kiosk has none yet."""
    with db.read() as session:
        meta = session.get(RosterMeta, META_ID)
        if meta is None:
            return None
        return _info(meta)


def roster_key_problem(db: Database) -> str | None:
    """Why lookups in the roster in use would fail for want of its key, or None."""
    with db.read() as session:
        meta = session.get(RosterMeta, META_ID)
        if meta is None:
            return None
        key_id = meta.key_id
    try:
        db.keys.require(key_id)
    except KeyStoreError as e:
        return f"the roster's key is missing ({e}); import the roster again"
    return None


def lookup(db: Database, id_number: str, *, today: date | None = None) -> list[RosterMatch]:
    """Every roster entry of this person, whatever its validity (the caller decides).

    ``today`` is the day the number's birth date is checked against. Something that is
    not a valid ID number (a foreigner's 2017 card number, a misread) cannot be on the
    roster: empty list. No roster: empty list.

    This runs on every card laid on the reader, so it is one SQL statement on a pooled
    connection rather than an ORM session (which costs four times the query itself). The
    statement returns the roster's key id along with the entries: one statement is one
    snapshot, so a roster swapped in meanwhile is never half-seen. The key (from the key
    store) is remembered per database; when the statement shows another key id, the
    lookup is repeated with that key.
    """
    try:
        number = validate_id_number(id_number, today)
    except InvalidIdNumber:
        log.info("roster lookup: not an ID number (%d characters)", len(str(id_number)))
        return []
    cached = _lookup_keys.get(db)
    try:
        with closing(db.engine.raw_connection()) as connection:
            cursor = connection.cursor()
            try:
                if cached is None:
                    row = cursor.execute(_KEY_SQL).fetchone()
                    if row is None:
                        return []
                    cached = _keyed_hasher(db, row[0])
                for _ in range(3):  # a new key each time would need three swaps meanwhile
                    rows = cursor.execute(_LOOKUP_SQL, (cached.hasher(number),)).fetchall()
                    if not rows or rows[0][0] == cached.key_id:
                        break
                    cached = _keyed_hasher(db, rows[0][0])
                else:
                    raise RosterChangedError("the roster keeps changing; try again")
            finally:
                cursor.close()
    except (sqlite3.Error, SQLAlchemyError) as e:
        raise RosterStoreError(f"roster lookup failed: {e}") from e
    if not rows:  # no roster (any more)
        _lookup_keys.pop(db, None)
        return []
    _lookup_keys[db] = cached
    return [RosterMatch(Category(c), _date(f), _date(t)) for _, c, f, t in rows if c is not None]


_KEY_SQL = f"SELECT key_id FROM roster_meta WHERE id = {META_ID:d}"
_LOOKUP_SQL = (
    "SELECT m.key_id, e.category, e.valid_from, e.valid_to FROM roster_meta AS m"
    f" LEFT JOIN {ENTRIES_TABLE} AS e ON e.id_hash = ? WHERE m.id = {META_ID:d}"
)


@dataclass(frozen=True)
class _KeyedHasher:
    """A roster key and the fast hasher for it (``roster.format.keyed_hash``, precomputed)."""

    key_id: str
    key: bytes
    hasher: Callable[[str], bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hasher", make_hasher(self.key))


_lookup_keys: weakref.WeakKeyDictionary[Database, _KeyedHasher] = weakref.WeakKeyDictionary()


def _keyed_hasher(db: Database, key_id: str) -> _KeyedHasher:
    try:
        key = db.keys.require(key_id)
    except KeyStoreError as e:
        raise RosterStoreError(f"the roster's key is missing ({e}); import the roster again") from e
    return _KeyedHasher(key_id, key)


# --- replacing ----------------------------------------------------------------------------


def import_roster_file(
    db: Database,
    path: Path | str,
    *,
    clock: Clock,
    dry_run: bool = False,
    key: bytes | None = None,
    label: str | None = None,
    max_errors: int = 1000,
    workers: int | None = None,
) -> ImportReport:
    """Read a roster CSV file (see :mod:`roster.format`) and, if every row is valid, install it.

    With ``dry_run`` the file is only checked; the database is not touched. ``key`` is
    the hash key (default: 32 fresh random bytes); ``label`` the version text shown to
    staff (default: the file name). ``workers``: processes that check and hash the rows
    of a big file (see :func:`roster.format.hash_roster_file`; default: one per CPU).
    Raises :class:`RosterFileError` when the file cannot be read as a roster at all,
    :class:`RosterStoreError` when the database fails; in both cases the old roster stays
    in use.
    """
    path = Path(path)
    today = business_day(clock.now())
    started = time.perf_counter()
    hash_key: bytes | None = None
    if not dry_run:
        hash_key = secrets.token_bytes(KEY_BYTES) if key is None else key
        _check_key(hash_key)
    state = _ReadState(max_errors)
    parts = hash_roster_file(path, hash_key, today=today, workers=workers, max_errors=max_errors)
    fill = partial(_fill_from_parts, parts, state)

    if dry_run:
        fill(None)
        state.refuse_empty(path)
        info = roster_info(db)
        report = state.report(
            path, replaced=False, version=info.version if info else 0, dry_run=True
        )
        log.info("roster dry run: %s", report.summary())
        return report

    assert hash_key is not None
    info, staged = _replace(
        db,
        fill,
        key=hash_key,
        label=(label or path.name)[:_LABEL_MAX],
        source=f"file:{path.name}"[:_SOURCE_MAX],
        clock=clock,
        abort=lambda: state.error_count > 0 or state.rows_read == 0,
    )
    if info is None:
        state.refuse_empty(path)
        current = roster_info(db)
        report = state.report(path, replaced=False, version=current.version if current else 0)
        log.warning("roster import refused: %s", report.summary())
        # Line numbers only: a message may hold a masked number, which stays on screen.
        lines = ", ".join(str(error.line) for error in report.errors[:20])
        log.warning("  invalid lines: %s%s", lines, " ..." if report.error_count > 20 else "")
        return report
    report = state.report(
        path, replaced=True, version=info.version, entries=info.entries, staged=staged
    )
    log.info("roster import: %s (%.1f s)", report.summary(), time.perf_counter() - started)
    return report


def _fill_from_parts(
    parts: Generator[HashedPart, None, None], state: _ReadState, spill: _Spill | None
) -> None:
    """Phase 1 of an import: count, collect errors, spill the hashed entries."""
    try:
        for part in parts:
            state.merge(part)
            if spill is not None and not state.error_count:
                spill.add_sorted(part.entries)
    finally:
        parts.close()


def replace_roster(
    db: Database,
    entries: Iterable[Entry],
    *,
    key: bytes,
    version_label: str,
    source: str,
    clock: Clock,
) -> RosterInfo:
    """Install a whole roster of already-hashed entries (from the hall server).

    ``key`` is the HMAC key the entries were hashed with; lookups will use it. ``entries``
    is consumed lazily, in chunks; if it raises, nothing changes. An empty iterable
    installs an empty roster (the server says nobody is on it).
    """
    _check_key(key)
    iso = _IsoDates()

    def fill(spill: _Spill | None) -> None:
        assert spill is not None
        spill.add_all(_entry_row(entry, iso) for entry in entries)

    info, _ = _replace(
        db,
        fill,
        key=key,
        label=version_label[:_LABEL_MAX],
        source=source[:_SOURCE_MAX],
        clock=clock,
        abort=None,
    )
    assert info is not None
    return info


def apply_roster_delta(
    db: Database,
    upserts: Iterable[Entry],
    deletes: Iterable[DeleteKey],
    *,
    version_label: str,
    clock: Clock,
    base_label: str | None = None,
) -> RosterInfo:
    """Change part of the roster in one transaction: deletes first, then upserts.

    A delete names one category of a person (``(hash, category)``) or all of them
    (``(hash, None)``); deleting what is not there is no error. An upsert inserts or
    overwrites one (person, category) entry. The roster's version goes up by one and its
    label becomes ``version_label``; upserted entries carry the new version. With
    ``base_label``, the delta applies only on top of that roster version
    (:class:`RosterChangedError` otherwise, so the caller can fetch a whole roster).
    Meant for server increments (thousands of entries); the whole delta is held in memory.
    """
    iso = _IsoDates()
    rows = sorted((_entry_row(entry, iso) for entry in upserts), key=_HASH)
    pairs: list[tuple[bytes, str]] = []
    people: list[tuple[bytes]] = []
    for digest, category in deletes:
        _check_hash(digest)
        if category is None:
            people.append((digest,))
        else:
            pairs.append((digest, category._value_))
    # In key order, consecutive statements mostly touch the pages the last one touched.
    pairs.sort()
    people.sort()
    started = time.perf_counter()
    with db.write() as session:
        meta = session.get(RosterMeta, META_ID)
        if meta is None:
            raise RosterStoreError("there is no roster to apply a delta to; install one first")
        if base_label is not None and meta.label != base_label:
            raise RosterChangedError(
                f"the delta applies to roster {base_label!r}, the kiosk has {meta.label!r}"
            )
        version = meta.version + 1
        connection = session.connection()
        with _page_cache(connection, DELTA_CACHE_KIB):
            removed, added = _apply_delta(connection, rows, pairs, people, version)
        meta.version = version
        meta.label = version_label[:_LABEL_MAX]
        meta.entries = meta.entries + added - removed
        meta.imported_at = clock.now()
        info = _info(meta)
    log.info(
        "roster delta %s: %d upserts (%d new), %d removed, now version %d with %d entries"
        " (%.0f ms)",
        info.label,
        len(rows),
        added,
        removed,
        info.version,
        info.entries,
        (time.perf_counter() - started) * 1000,
    )
    return info


#: Page cache for a delta's transaction. Its thousands of scattered changes dirty most
#: leaf pages of a big roster; with SQLite's default 2 MB they would be spilled and read
#: back again and again (a third of the time of a 10,000-entry delta on 1M entries).
DELTA_CACHE_KIB = 64 * 1024


@contextmanager
def _pragma(connection: Connection, name: str, value: str | int) -> Iterator[None]:
    """Set a per-connection pragma for the current transaction, then put it back (the
    connection goes back to the pool afterwards)."""
    before = connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()
    connection.exec_driver_sql(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA {name} = {int(before):d}")


def _page_cache(connection: Connection, kib: int) -> AbstractContextManager[None]:
    """A bigger page cache; dirty pages stay in it until the commit whatever the size."""
    return _pragma(connection, "cache_size", -kib)


def _quick_drop(connection: Connection) -> AbstractContextManager[None]:
    """Dropping a big table without zero-filling every freed page.

    Some SQLite builds (Debian's, for one) default to ``secure_delete``, which rewrites
    every page of a dropped table: 0.7 s under the write lock for a million entries,
    against 0.04 s with ``FAST``. What stays in the free pages is keyed hashes whose key
    is deleted from the key store after the swap; free pages are reused by later writes.
    """
    return _pragma(connection, "secure_delete", "FAST")


def _apply_delta(
    connection: Connection,
    rows: list[_Row],
    pairs: list[tuple[bytes, str]],
    people: list[tuple[bytes]],
    version: int,
) -> tuple[int, int]:
    """Deletes, then upserts; returns (entries removed, entries added)."""
    removed = 0
    if pairs:
        removed += connection.exec_driver_sql(
            f"DELETE FROM {ENTRIES_TABLE} WHERE id_hash = ? AND category = ?", pairs
        ).rowcount
    if people:
        removed += connection.exec_driver_sql(
            f"DELETE FROM {ENTRIES_TABLE} WHERE id_hash = ?", people
        ).rowcount
    added = 0
    if rows:
        versioned = [(*row, version) for row in rows]
        # UPDATE what exists, then INSERT the rest: rowcount tells how many were new.
        connection.exec_driver_sql(
            f"UPDATE {ENTRIES_TABLE} SET valid_from = ?, valid_to = ?, version = ?"
            " WHERE id_hash = ? AND category = ?",
            [(f, t, v, h, c) for h, c, f, t, v in versioned],
        )
        added = connection.exec_driver_sql(
            f"INSERT OR IGNORE INTO {ENTRIES_TABLE}"
            " (id_hash, category, valid_from, valid_to, version) VALUES (?, ?, ?, ?, ?)",
            versioned,
        ).rowcount
    return removed, added


# --- the staging mechanism ----------------------------------------------------------------


def _replace(
    db: Database,
    fill: Callable[[_Spill | None], None],
    *,
    key: bytes,
    label: str,
    source: str,
    clock: Clock,
    abort: Callable[[], bool] | None,
) -> tuple[RosterInfo | None, int]:
    """Sort rows by key, stage them, swap them in. (None, rows) when ``abort()`` says so.

    Phase 1, ``fill``, puts all rows into a bucketed spill file: no database work yet, so
    a file with errors never writes anything. Phase 2 stages the rows in key order, chunk by
    chunk; phase 3 is the swap.
    """
    started = time.perf_counter()
    keys = db.keys  # no key store: fail before reading anything
    with _Spill(db.path.parent) as spill:
        fill(spill)
        if abort is not None and abort():
            return None, spill.rows
        read_s = time.perf_counter() - started
        base_version = _current_version(db)
        version = base_version + 1
        staging = _create_staging(db)
        key_id = new_roster_key_id()
        try:
            staged = _fill_staging(db, staging, spill.chunks(CHUNK_ROWS), version)
            count = _count_staged(db, staging)
            log.info(
                "roster: %d rows read and sorted in %.1f s, staged in %.1f s",
                staged,
                read_s,
                time.perf_counter() - started - read_s,
            )
            keys.put(key_id, key)  # before the swap: the roster in use never lacks its key
            info = _swap(
                db,
                staging,
                base_version=base_version,
                meta=RosterMeta(
                    id=META_ID,
                    version=version,
                    label=label,
                    key_id=key_id,
                    source=source,
                    entries=count,
                    imported_at=clock.now(),
                ),
            )
        except BaseException:
            _drop_staging(db, staging, quiet=True)
            _forget_key(db, key_id)
            raise
    _forget_old_keys(db, keep=key_id)
    return info, staged


def _forget_key(db: Database, key_id: str) -> None:
    try:
        db.keys.delete(key_id)
    except KeyStoreError as e:
        log.warning("could not delete the unused roster key %s (next import will): %s", key_id, e)


def _forget_old_keys(db: Database, *, keep: str) -> None:
    """After a committed swap: delete the keys of earlier rosters (and of crashed imports).

    The key of whatever roster is in use by now is kept too (a later replace may have
    committed meanwhile).
    """
    try:
        names = db.keys.names()
        with db.read() as session:
            meta = session.get(RosterMeta, META_ID)
            in_use = {keep, meta.key_id if meta is not None else keep}
    except StoreError as e:
        log.warning("could not list roster keys to delete the old ones: %s", e)
        return
    for name in names:
        if name.startswith(ROSTER_KEY_PREFIX) and name not in in_use:
            _forget_key(db, name)


class _Spill:
    """Rows bucketed by the first byte of their hash, in a temporary file.

    Rows arrive in file order, i.e. in random key order (at best sorted within a part).
    Inserting them like that into the B-tree touches every page for every chunk (slow,
    and the table ends up ~70% full); inserting them in key order is an append. The spill
    file lets phase 2 produce the rows in key order, one chunk at a time, without holding
    a million rows in memory. It holds keyed hashes only, never a number, and is deleted
    when closed (or when the process dies: it has no name on POSIX and is delete-on-close
    on Windows).
    """

    BUCKETS = 256
    FLUSH_ROWS = 100_000

    def __init__(self, directory: Path) -> None:
        # Closed by __exit__; the _Spill is the context manager.
        self._file = tempfile.TemporaryFile(prefix="roster-spill-", dir=directory)  # noqa: SIM115
        self._blocks: list[list[tuple[int, int]]] = [[] for _ in range(self.BUCKETS)]
        self._buffers: list[list[_Row]] = [[] for _ in range(self.BUCKETS)]
        self.rows = 0

    def __enter__(self) -> _Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def add_all(self, rows: Iterable[_Row]) -> None:
        buffers = self._buffers
        buffered = 0
        for row in rows:
            buffers[row[0][0]].append(row)
            buffered += 1
            if buffered >= self.FLUSH_ROWS:
                self.rows += buffered
                buffered = 0
                self._flush()
        self.rows += buffered
        self._flush()

    def add_sorted(self, rows: list[_Row]) -> None:
        """Add rows already sorted by hash (a worker's part): one block per bucket."""
        self._flush()
        start = 0
        while start < len(rows):
            bucket = rows[start][0][0]
            end = bisect_right(rows, bucket, lo=start, key=_first_byte)
            data = marshal.dumps(rows[start:end])
            self._blocks[bucket].append((self._file.tell(), len(data)))
            self._file.write(data)
            start = end
        self.rows += len(rows)

    def _flush(self) -> None:
        for bucket, buffer in enumerate(self._buffers):
            if buffer:
                data = marshal.dumps(buffer)
                self._blocks[bucket].append((self._file.tell(), len(data)))
                self._file.write(data)
                buffer.clear()

    def chunks(self, size: int) -> Iterator[list[_Row]]:
        """All rows in key order (of two rows with one key, the later stays later)."""
        pending: list[_Row] = []
        for blocks in self._blocks:
            bucket: list[_Row] = []
            for offset, length in blocks:
                self._file.seek(offset)
                bucket.extend(marshal.loads(self._file.read(length)))
            bucket.sort(key=_HASH)  # stable
            pending.extend(bucket)
            while len(pending) >= size:
                yield pending[:size]
                del pending[:size]
        if pending:
            yield pending


_HASH = itemgetter(0)


def _first_byte(row: _Row) -> int:
    return row[0][0]


def _current_version(db: Database) -> int:
    with db.read() as session:
        meta = session.get(RosterMeta, META_ID)
        return meta.version if meta is not None else 0


def _staging_tables(connection: Connection) -> list[str]:
    rows = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ?",
        (f"{STAGING_PREFIX}*",),
    ).all()
    return [name for (name,) in rows]


_CREATE_TABLE = re.compile(r'^\s*CREATE\s+TABLE\s+("?)(\w+)\1', re.IGNORECASE)


def _create_staging(db: Database) -> str:
    """Drop leftover staging tables and create a new one shaped like ``roster_entries``.

    The shape is copied from the live table's DDL, so it follows whatever the migrations
    made of it. The name is unique per replace, so two imports never fill one table.
    """
    name = f"{STAGING_PREFIX}_{secrets.token_hex(4)}"
    with db.write() as session:
        connection = session.connection()
        for leftover in _staging_tables(connection):
            log.warning("dropping leftover roster staging table %s", leftover)
            with _quick_drop(connection):
                connection.exec_driver_sql(f'DROP TABLE "{leftover}"')
        row = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (ENTRIES_TABLE,)
        ).first()
        if row is None or not _CREATE_TABLE.match(row[0]):
            raise RosterStoreError(f"the {ENTRIES_TABLE} table is missing; migrate the database")
        connection.exec_driver_sql(_CREATE_TABLE.sub(f'CREATE TABLE "{name}"', row[0], count=1))
    return name


def _fill_staging(db: Database, staging: str, chunks: Iterable[list[_Row]], version: int) -> int:
    """Insert the chunks, one committed transaction each; returns how many rows.

    The write lock is held only while a chunk is inserted. Between chunks the lock stays
    free for at least :data:`CHUNK_PAUSE_S`: a waiting writer does not queue for the
    lock, SQLite's busy handler polls for it (every few ms at first, every 100 ms after a
    while), and without the pause it could keep missing the moments the lock is free.
    """
    sql = _InsertSql(staging, version)
    staged = 0
    free_since = time.monotonic()
    for chunk in chunks:  # preparing the next chunk counts towards the pause
        if staged:
            time.sleep(max(0.0, free_since + CHUNK_PAUSE_S - time.monotonic()))
        _insert_chunk(db, sql, chunk)
        free_since = time.monotonic()
        staged += len(chunk)
    return staged


class _InsertSql:
    """INSERT statements for a staging table: one row, and ``BATCH_ROWS`` rows at once.

    Many rows per statement spare SQLite a statement reset and Python a call per row:
    about a fifth of the insert time. Rows keep their order (the later of two wins).
    """

    BATCH_ROWS = 100

    def __init__(self, table: str, version: int) -> None:
        head = (
            f'INSERT OR REPLACE INTO "{table}" (id_hash, category, valid_from, valid_to, version)'
        )
        values = f"(?, ?, ?, ?, {version:d})"
        self.one = f"{head} VALUES {values}"
        self.batch = f"{head} VALUES {', '.join([values] * self.BATCH_ROWS)}"


def _insert_chunk(db: Database, sql: _InsertSql, chunk: list[_Row]) -> None:
    size = sql.BATCH_ROWS
    whole = len(chunk) - len(chunk) % size
    batches = [tuple(chain.from_iterable(chunk[i : i + size])) for i in range(whole)[::size]]
    with db.write() as session:
        connection = session.connection()
        if batches:
            connection.exec_driver_sql(sql.batch, batches)
        if whole < len(chunk):
            connection.exec_driver_sql(sql.one, chunk[whole:])


def _count_staged(db: Database, staging: str) -> int:
    # Outside the write lock: only this replace writes to its staging table.
    with db.read() as session:
        count = session.connection().exec_driver_sql(f'SELECT count(*) FROM "{staging}"')
        return int(count.scalar_one())


def _swap(db: Database, staging: str, *, base_version: int, meta: RosterMeta) -> RosterInfo:
    """The one short transaction that makes the staged roster the roster in use."""
    started = time.perf_counter()
    with db.write() as session:
        connection = session.connection()
        current = session.get(RosterMeta, META_ID)
        current_version = current.version if current is not None else 0
        if current_version != base_version:
            raise RosterChangedError(
                f"the roster changed during the import (version {base_version} became"
                f" {current_version}); nothing was replaced, run it again"
            )
        if staging not in _staging_tables(connection):
            raise RosterChangedError(
                "another roster import started meanwhile and took over; nothing was replaced"
            )
        with _quick_drop(connection):
            connection.exec_driver_sql(f'DROP TABLE "{ENTRIES_TABLE}"')
        connection.exec_driver_sql(f'ALTER TABLE "{staging}" RENAME TO "{ENTRIES_TABLE}"')
        _write_meta(session, current, meta)
        info = _info(meta)
    log.info(
        "roster version %d (%s, %d entries) in use; swap held the write lock %.0f ms",
        info.version,
        info.label,
        info.entries,
        (time.perf_counter() - started) * 1000,
    )
    return info


def _write_meta(session: Session, current: RosterMeta | None, new: RosterMeta) -> None:
    if current is None:
        session.add(new)
        return
    current.version = new.version
    current.label = new.label
    current.key_id = new.key_id
    current.source = new.source
    current.entries = new.entries
    current.imported_at = new.imported_at


def _drop_staging(db: Database, staging: str, *, quiet: bool = False) -> None:
    try:
        with db.write() as session:
            connection = session.connection()
            with _quick_drop(connection):
                connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{staging}"')
    except StoreError as e:
        if not quiet:
            raise
        log.warning("could not drop roster staging table %s (next import will): %s", staging, e)


# --- helpers ------------------------------------------------------------------------------


@dataclass
class _ReadState:
    """Counts and errors of one file read."""

    max_errors: int
    valid: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    expired: int = 0
    not_yet_valid: int = 0

    @property
    def rows_read(self) -> int:
        return self.valid + self.error_count

    def merge(self, part: HashedPart) -> None:
        """Add the counts of the next part of the file."""
        self.valid += part.valid
        self.error_count += part.error_count
        self.expired += part.expired
        self.not_yet_valid += part.not_yet_valid
        self.errors.extend(part.errors[: max(0, self.max_errors - len(self.errors))])

    def refuse_empty(self, path: Path) -> None:
        if self.rows_read == 0:
            raise RosterFileError(
                f"the roster file {path.name} has a header but no rows; an empty roster"
                " is not installed from a file"
            )

    def report(
        self,
        path: Path,
        *,
        replaced: bool,
        version: int,
        entries: int | None = None,
        staged: int = 0,
        dry_run: bool = False,
    ) -> ImportReport:
        return ImportReport(
            rows_read=self.rows_read,
            entries=self.valid if entries is None else entries,
            errors=list(self.errors),
            replaced=replaced,
            version=version,
            error_count=self.error_count,
            duplicates=staged - entries if entries is not None else 0,
            dry_run=dry_run,
            file_name=path.name,
            expired=self.expired,
            not_yet_valid=self.not_yet_valid,
        )


class _IsoDates:
    """date -> 'YYYY-MM-DD' (what SQLAlchemy's Date stores in SQLite), memoised."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self._texts: dict[date, str] = {}

    def __call__(self, day: date | None) -> str | None:
        if day is None:
            return None
        text = self._texts.get(day)
        if text is None:
            text = day.isoformat()
            if len(self._texts) < self.LIMIT:
                self._texts[day] = text
        return text


def _entry_row(entry: Entry, iso: _IsoDates) -> _Row:
    digest, category, valid_from, valid_to = entry
    if type(digest) is not bytes or len(digest) != HASH_BYTES:
        _check_hash(digest)
    return (digest, category._value_, iso(valid_from), iso(valid_to))


def _check_hash(digest: object) -> None:
    if not isinstance(digest, bytes) or len(digest) != HASH_BYTES:
        raise RosterStoreError(f"a roster entry's key must be a {HASH_BYTES}-byte keyed hash")


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) not in _KEY_LENGTHS:
        raise RosterStoreError("a roster hash key must be 16 to 64 bytes")


def _info(meta: RosterMeta) -> RosterInfo:
    return RosterInfo(meta.version, meta.label, meta.entries, meta.imported_at, meta.source)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
