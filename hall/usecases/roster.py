"""The hall's roster: import and publish a version, serve snapshots, deltas and the key.

Import reads the civil-affairs CSV with :mod:`roster.format` (the kiosk's own reader: the
same errors with line numbers), hashes every ID number with the hall's roster key, and
publishes version N+1 in one transaction: the entries that left are marked removed at N+1,
the new ones are inserted with N+1, and the compressed snapshot of N+1 is stored beside its
count and checksum. Kiosks see version N or N+1, never a half-written one; a file with
any invalid row publishes nothing.

A delta from version S to the latest lists the entries removed since S (``-``) and those
added since S (``+``), removed first: a changed entry is a removal and an addition.
"""

from __future__ import annotations

import base64
import gzip
import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from hall.errors import Conflict, HallError, NotFound
from hall.keys import KeyStore
from hall.store.db import Database
from hall.store.models import Hall, RosterEntry, RosterVersion
from hall.usecases.halls import find_hall
from roster.format import RosterFileError, RowError, hash_roster_file
from sync.protocol import RosterChange, RosterKey, RosterMeta, encode_roster_body

log = logging.getLogger(__name__)

#: gzip level of snapshots and deltas: 5 is within a few percent of 9 at a third of the time.
GZIP_LEVEL = 5
_INSERT_CHUNK = 20_000


class RosterImportError(HallError):
    """The file cannot be published; ``errors`` are its first invalid rows (masked)."""

    status = 422
    code = "roster_invalid"

    def __init__(self, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class SnapshotRequired(Conflict):
    code = "snapshot_required"


@dataclass(frozen=True)
class RosterBody:
    """A snapshot or delta ready to send: gzip bytes and what the headers say about it."""

    meta: RosterMeta
    gz: bytes
    count: int
    checksum: str
    since: int | None = None


def _meta(row: RosterVersion) -> RosterMeta:
    return RosterMeta(
        version=row.version,
        key_id=row.key_id,
        count=row.count,
        checksum=row.checksum,
        published_at=row.published_at,
        label=row.label,
    )


def import_roster(
    db: Database,
    keys: KeyStore,
    hall_name: str,
    path: Path,
    now: datetime,
    *,
    today: date | None = None,
    new_key: bool = False,
    max_errors: int = 50,
) -> RosterMeta:
    """Check, hash and publish a roster file as the hall's next version."""
    with db.read() as session:
        hall = find_hall(session, hall_name)
        key_id = hall.roster_key_id
    if new_key or key_id is None:
        key_id = keys.create(hall_name)
    key = keys.load(key_id)
    entries: dict[tuple[bytes, str], tuple[str | None, str | None]] = {}
    errors: list[RowError] = []
    error_count = valid = 0
    try:
        for part in hash_roster_file(path, key, today=today, max_errors=max_errors):
            valid += part.valid
            error_count += part.error_count
            errors.extend(part.errors[: max(0, max_errors - len(errors))])
            for digest, category, valid_from, valid_to in part.entries:
                entries[(digest, category)] = (valid_from, valid_to)
    except RosterFileError as e:
        raise RosterImportError(str(e)) from e
    if error_count:
        raise RosterImportError(
            f"{path.name}: {valid + error_count} rows, {error_count} invalid; nothing published",
            errors,
        )
    if not entries:
        raise RosterImportError(f"{path.name}: no rows; an empty roster is not published")
    return _publish(db, hall_name, key_id, entries, now, label=path.name)


def _publish(
    db: Database,
    hall_name: str,
    key_id: str,
    entries: dict[tuple[bytes, str], tuple[str | None, str | None]],
    now: datetime,
    *,
    label: str,
) -> RosterMeta:
    with db.write() as uow:
        session = uow.session
        hall = session.scalars(select(Hall).where(Hall.name == hall_name).with_for_update()).first()
        if hall is None:
            raise NotFound(f"no hall named {hall_name!r}")
        latest = session.scalars(
            select(RosterVersion)
            .where(RosterVersion.hall_id == hall.id)
            .order_by(RosterVersion.version.desc())
            .limit(1)
        ).first()
        version = 1 if latest is None else latest.version + 1
        same_key = latest is not None and latest.key_id == key_id
        live = session.execute(
            select(
                RosterEntry.id,
                RosterEntry.id_hash,
                RosterEntry.category,
                RosterEntry.valid_from,
                RosterEntry.valid_to,
            ).where(RosterEntry.hall_id == hall.id, RosterEntry.removed_version.is_(None))
        ).all()
        removed: list[int] = []
        kept: set[tuple[bytes, str]] = set()
        for row_id, digest, category, valid_from, valid_to in live:
            wanted = entries.get((bytes(digest), category)) if same_key else None
            if wanted == (valid_from, valid_to):
                kept.add((bytes(digest), category))
            else:
                removed.append(row_id)
        for start in range(0, len(removed), _INSERT_CHUNK):
            session.execute(
                update(RosterEntry)
                .where(RosterEntry.id.in_(removed[start : start + _INSERT_CHUNK]))
                .values(removed_version=version)
            )
        added = [
            {
                "hall_id": hall.id,
                "id_hash": digest,
                "category": category,
                "valid_from": dates[0],
                "valid_to": dates[1],
                "added_version": version,
            }
            for (digest, category), dates in entries.items()
            if (digest, category) not in kept
        ]
        for start in range(0, len(added), _INSERT_CHUNK):
            session.execute(insert(RosterEntry), added[start : start + _INSERT_CHUNK])
        body, count, checksum = encode_roster_body(
            RosterChange("+", digest, category, dates[0], dates[1])
            for (digest, category), dates in sorted(entries.items())
        )
        row = RosterVersion(
            hall_id=hall.id,
            version=version,
            key_id=key_id,
            count=count,
            checksum=checksum,
            label=label[:200],
            published_at=now,
            snapshot_gz=gzip.compress(body, GZIP_LEVEL, mtime=0),
        )
        session.add(row)
        hall.roster_key_id = key_id
        session.flush()
        uow.notify(hall.id, "roster.published", version=version)
        log.info(
            "hall %s: roster version %d published, %d entries (%d added, %d removed)",
            hall_name,
            version,
            count,
            len(added),
            len(removed),
        )
        return _meta(row)


def _latest(session: Session, hall_id: int) -> RosterVersion:
    row = session.scalars(
        select(RosterVersion)
        .where(RosterVersion.hall_id == hall_id)
        .order_by(RosterVersion.version.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound("this hall has published no roster yet (`hall roster import`)")
    return row


def roster_meta(db: Database, hall_id: int) -> RosterMeta:
    with db.read() as session:
        return _meta(_latest(session, hall_id))


def roster_snapshot(db: Database, hall_id: int) -> RosterBody:
    with db.read() as session:
        row = _latest(session, hall_id)
        return RosterBody(_meta(row), row.snapshot_gz, row.count, row.checksum)


def roster_delta(db: Database, hall_id: int, since: int) -> RosterBody:
    """The changes from version ``since`` to the latest (``since`` 0: everything)."""
    with db.read() as session:
        latest = _latest(session, hall_id)
        if since > latest.version:
            raise SnapshotRequired(f"version {since} is newer than the latest ({latest.version})")
        if since > 0:
            base_key = session.scalar(
                select(RosterVersion.key_id).where(
                    RosterVersion.hall_id == hall_id, RosterVersion.version == since
                )
            )
            if base_key is None:
                raise SnapshotRequired(f"no roster version {since}; fetch the snapshot")
            if base_key != latest.key_id:
                raise SnapshotRequired("the roster key changed since; fetch the snapshot")
        columns = (
            RosterEntry.id_hash,
            RosterEntry.category,
            RosterEntry.valid_from,
            RosterEntry.valid_to,
        )
        removed = session.execute(
            select(*columns)
            .where(RosterEntry.hall_id == hall_id, RosterEntry.removed_version > since)
            .where(RosterEntry.added_version <= since)
            .order_by(RosterEntry.id_hash, RosterEntry.category)
        ).all()
        added = session.execute(
            select(*columns)
            .where(RosterEntry.hall_id == hall_id, RosterEntry.added_version > since)
            .where(RosterEntry.removed_version.is_(None))
            .order_by(RosterEntry.id_hash, RosterEntry.category)
        ).all()
        changes = [RosterChange("-", bytes(h), c, f, t) for h, c, f, t in removed]
        changes += [RosterChange("+", bytes(h), c, f, t) for h, c, f, t in added]
        body, count, checksum = encode_roster_body(changes)
        return RosterBody(
            _meta(latest), gzip.compress(body, GZIP_LEVEL, mtime=0), count, checksum, since
        )


def roster_key(db: Database, keys: KeyStore, hall_id: int) -> RosterKey:
    """The key of the latest roster (or the hall's current key, before any roster)."""
    with db.read() as session:
        hall = session.get(Hall, hall_id)
        latest = session.scalar(
            select(RosterVersion.key_id)
            .where(RosterVersion.hall_id == hall_id)
            .order_by(RosterVersion.version.desc())
            .limit(1)
        )
    key_id = latest or (hall.roster_key_id if hall is not None else None)
    if key_id is None:
        raise NotFound("this hall has no roster key yet")
    return RosterKey(key_id=key_id, key_b64=base64.b64encode(keys.load(key_id)).decode("ascii"))
