"""The roster file format and the keyed hash: one implementation for the kiosk and the server.

A roster says who may have a priority ticket: ID number, category and validity. The kiosk
never stores the ID number itself; it stores ``keyed_hash(key, number)``, an HMAC-SHA256
with a key that travels with the roster, so the table cannot be reversed by hashing every
possible number without that key.

The file a technician brings (or a hall exports) is CSV with a header line::

    id_number,category,valid_from,valid_to
    110000195003010022,低保,2024-01-01,2026-12-31
    370000194807150041,elderly,,

- Encoding: UTF-8 (with or without BOM) or GB18030 (which covers GBK/GB2312 exports from
  Chinese Excel). UTF-8 is tried strictly first over the whole file; ASCII is both.
- Header: ``id_number``, ``category``, ``valid_to`` are required, ``valid_from`` is
  optional; the Chinese ``身份证号`` (or ``身份证号码``/``公民身份号码``), ``类别``,
  ``有效期至``, ``有效期起`` are accepted too. Other columns (a name, a note) are ignored.
- ``id_number``: 18 characters, or a legacy 15-digit number (upgraded). Excel's text
  guards (a leading ``'`` or ``="..."``) are removed.
- ``category``: the code (``subsistence``) or the Chinese name (``低保``), see
  :meth:`Category.parse`.
- Dates: ``YYYY-MM-DD``, ``YYYYMMDD`` or Excel's ``YYYY/M/D``; an empty ``valid_to`` (or
  ``长期``) means no end, an empty ``valid_from`` means valid already.

Reading: :func:`read_roster_csv` streams rows (valid or not) in one process; for a big file
:func:`hash_roster_file` checks and hashes in parts, in worker processes (the rules are
Python and GB 11643 validation is most of the time), and gives the parts back in file
order with their hashed entries sorted, ready to be stored.

Nothing here puts a plain ID number into a message: row errors show it masked
(``1100**********0022``), and :class:`RosterRow` masks it in its ``repr``.
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import hmac
import io
import logging
import os
import pickle
import re
import subprocess
import sys
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, NamedTuple

from idreader.errors import InvalidIdNumber
from idreader.idnumber import mask_id_number, validate_id_number
from roster.categories import Category

log = logging.getLogger(__name__)

__all__ = [
    "HASH_BYTES",
    "HashedEntry",
    "HashedPart",
    "RosterFileError",
    "RosterLayout",
    "RosterPart",
    "RosterRow",
    "RowError",
    "detect_encoding",
    "hash_roster_file",
    "keyed_hash",
    "make_hasher",
    "plan_roster_parts",
    "read_roster_csv",
    "read_roster_part",
]

#: Length of a keyed hash (HMAC-SHA256).
HASH_BYTES = 32

#: Accepted header names (compared after ``_header_key``) for each column.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "id_number": ("id_number", "idnumber", "id_no", "身份证号", "身份证号码", "公民身份号码"),
    "category": ("category", "类别"),
    "valid_from": ("valid_from", "有效期起"),
    "valid_to": ("valid_to", "有效期至"),
}
REQUIRED_COLUMNS = ("id_number", "category", "valid_to")
_EXPECTED = (
    "id_number, category, valid_to (or 身份证号, 类别, 有效期至); optional valid_from (有效期起)"
)

_CATEGORIES = ", ".join(f"{c.value}/{c.name_zh}" for c in Category)

#: Words for "no end date" besides an empty cell.
_NO_END = frozenset({"", "长期", "long-term"})

_DETECT_CHUNK = 1 << 20


class RosterFileError(Exception):
    """The roster file as a whole cannot be read: missing, undecodable, no usable header.

    Row-level problems are not raised; they come out of :func:`read_roster_csv` as
    :class:`RowError` items so that all of them can be reported at once.
    """


class RosterRow(NamedTuple):
    """One valid roster line. ``id_number`` is normalised (18 characters, upper-case X)."""

    line: int
    id_number: str
    category: Category
    valid_from: date | None
    valid_to: date | None

    def __repr__(self) -> str:  # keep the number out of logs and tracebacks
        return (
            f"RosterRow(line={self.line}, id_number={mask_id_number(self.id_number)!r}, "
            f"category={self.category.value}, valid_from={self.valid_from}, "
            f"valid_to={self.valid_to})"
        )


class RowError(NamedTuple):
    """A line that cannot be used, and why. The message never holds a plain ID number."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


# --- the keyed hash -----------------------------------------------------------------------


def keyed_hash(key: bytes, id_number: str, *, today: date | None = None) -> bytes:
    """HMAC-SHA256 of the normalised 18-character number (UTF-8) under ``key``: 32 bytes.

    The number is validated and normalised first (whitespace, lower-case ``x``, a legacy
    15-digit number upgraded), so every form of one person's number hashes alike. Raises
    :class:`~idreader.errors.InvalidIdNumber` for something that is not an ID number;
    ``today`` is the day its birth date is checked against (default: today).
    """
    number = validate_id_number(id_number, today)
    return hmac.digest(key, number.encode("utf-8"), "sha256")


def make_hasher(key: bytes) -> Callable[[str], bytes]:
    """A fast ``keyed_hash`` for many numbers that are already normalised.

    Same result as ``hmac.digest(key, number, "sha256")`` (RFC 2104), with the key's inner
    and outer SHA-256 states computed once instead of per number: about 4x faster, which
    matters for a million-row import. The caller guarantees normalised numbers.
    """
    if len(key) > hashlib.sha256().block_size:
        key = hashlib.sha256(key).digest()
    block = key.ljust(hashlib.sha256().block_size, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def digest(number: str) -> bytes:
        h = inner.copy()
        h.update(number.encode("utf-8"))
        o = outer.copy()
        o.update(h.digest())
        return o.digest()

    return digest


# --- reading the file ---------------------------------------------------------------------


def detect_encoding(stream: BinaryIO) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030`` for the whole stream; rewinds it afterwards.

    UTF-8 is tried first, strictly, over every byte: GB18030 decodes most byte strings, so
    it can only be the fallback. Raises :class:`RosterFileError` if neither decodes.
    """
    return _scan(stream).encoding


@dataclass
class _Scan:
    encoding: str
    quoted: bool  # any '"' in the file: the csv module must read it, in one piece
    lone_cr: bool  # a CR not followed by LF: lines cannot be counted by LF
    size: int
    #: (byte offset where a line starts, its line number), about one per MiB.
    cuts: list[tuple[int, int]] = field(default_factory=list)

    @property
    def splittable(self) -> bool:
        return not self.quoted and not self.lone_cr


def _scan(stream: BinaryIO, chunk_bytes: int = _DETECT_CHUNK) -> _Scan:
    """Decode-check every byte, note quotes and CRs, and remember line starts to cut at
    (the first in every ``chunk_bytes``)."""
    start = stream.read(3)
    stream.seek(0)
    candidates: tuple[str, ...] = ("utf-8", "gb18030")
    if start == codecs.BOM_UTF8:
        candidates = ("utf-8-sig",)
    failure = ""
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        scan = _Scan(encoding, quoted=False, lone_cr=False, size=0)
        newlines = 0  # LFs before the current chunk
        held_cr = False
        try:
            while chunk := stream.read(chunk_bytes):
                decoder.decode(chunk)
                # '"', CR and LF are never part of a multi-byte character in UTF-8 or GB18030.
                scan.quoted = scan.quoted or b'"' in chunk
                lone_crs = chunk.count(b"\r") - chunk.count(b"\r\n")
                if held_cr and chunk[:1] != b"\n":  # the last chunk's final CR was alone
                    lone_crs += 1
                held_cr = chunk[-1:] == b"\r"  # a CRLF may straddle the chunks
                scan.lone_cr = scan.lone_cr or lone_crs - held_cr > 0
                first = chunk.find(b"\n")
                if first >= 0:
                    scan.cuts.append((scan.size + first + 1, newlines + 2))
                newlines += chunk.count(b"\n")
                scan.size += len(chunk)
            decoder.decode(b"", final=True)
            scan.lone_cr = scan.lone_cr or held_cr
        except UnicodeDecodeError:
            failure = f"{encoding} fails near line {newlines + 1}"
            stream.seek(0)
            continue
        stream.seek(0)
        return scan
    raise RosterFileError(
        f"the roster file is neither UTF-8 nor GB18030 text ({failure}); "
        "save it from the spreadsheet as CSV UTF-8"
    )


def _header_key(cell: str) -> str:
    return cell.strip().lstrip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")


_ALIAS_TO_COLUMN = {
    alias: column for column, aliases in COLUMN_ALIASES.items() for alias in aliases
}
_DIGIT_RUN = re.compile(r"\d{6,}")


def _column_indexes(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = _ALIAS_TO_COLUMN.get(_header_key(cell))
        if column is None:
            continue
        if column in found:
            raise RosterFileError(f"the header names the {column} column twice")
        found[column] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    if missing:
        if any(_DIGIT_RUN.search(cell) for cell in header):
            seen = "the first line looks like data, not a header"
        else:
            names = ", ".join(repr(_quote(cell)) for cell in header[:8]) or "nothing"
            seen = f"the first line has {names}"
        raise RosterFileError(
            f"the roster file needs a header line with the columns {_EXPECTED}; "
            f"missing {', '.join(missing)} ({seen})"
        )
    return found


def _quote(text: str) -> str:
    """A cell as it may appear in a message: short cells as they are, long ones masked.

    An ID number (15 or 18 characters) in the wrong column must not reach a message.
    """
    text = text.strip()
    if len(text) <= 12:
        return text
    if len(text) > 20:
        return f"({len(text)} characters)"
    return mask_id_number(text)


def _clean_number(text: str) -> str:
    text = text.strip()
    if text[:1] == "'":  # Excel's "treat as text" prefix
        return text[1:].strip()
    if text[:2] == '="' and text[-1:] == '"':  # ="110000..." from some exports
        return text[2:-1].strip()
    return text


_DATE_SEP = re.compile(r"[-/.]")


def _parse_date(text: str) -> date:
    if len(text) == 8 and text.isdigit():
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    parts = _DATE_SEP.split(text)
    if len(parts) != 3 or len(parts[0]) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


class _Memo:
    """Per-file caches of the cell values that repeat (categories, dates).

    The hot loop looks a raw cell up in ``categories``/``dates`` first and calls the
    parsing method only on a miss; what the method finds is remembered (bounded).
    """

    _LIMIT = 20_000

    def __init__(self) -> None:
        self.categories: dict[str, Category] = {}
        self.dates: dict[str, tuple[date | None, bool]] = {"": (None, True)}

    def category(self, text: str) -> Category | None:
        try:
            value = Category.parse(text)
        except ValueError:
            return None
        if len(self.categories) < self._LIMIT:
            self.categories[text] = value
        return value

    def date(self, text: str) -> tuple[date | None, bool]:
        """(the date or None for "no date", whether ``text`` was acceptable)."""
        cell = text.strip()
        value: tuple[date | None, bool]
        if cell in _NO_END:
            value = (None, True)
        else:
            try:
                value = (_parse_date(cell), True)
            except ValueError:
                value = (None, False)
        if len(self.dates) < self._LIMIT:
            self.dates[text] = value
        return value


def read_roster_csv(
    path: Path | str, *, today: date | None = None
) -> Generator[RosterRow | RowError, None, None]:
    """Stream the rows of a roster CSV file: a :class:`RosterRow` or a :class:`RowError` each.

    Line numbers are the file's physical lines (the header is line 1). Blank lines are
    skipped. ``today`` is the day against which birth dates are checked (default: today).
    Raises :class:`RosterFileError` (on the first ``next()``) when the file cannot be
    opened or decoded or has no usable header.
    """
    path = Path(path)
    if today is None:
        today = date.today()
    with _open(path) as raw:
        try:
            scan = _scan(raw)
            text = io.TextIOWrapper(raw, encoding=scan.encoding, errors="strict", newline="")
            numbered = _numbered_lines(text, scan.quoted)
            header: list[str] | None = None
            for _, fields in numbered:
                if any(cell.strip() for cell in fields):
                    header = fields
                    break
            if header is None:
                raise RosterFileError(
                    f"the roster file {path.name} is empty; expected a header with {_EXPECTED}"
                )
            columns = _column_indexes(header)
            _log_columns(path.name, scan.encoding, columns)
            yield from _rows(numbered, columns, today)
        except OSError as e:
            raise RosterFileError(f"reading the roster file {path.name} failed: {e}") from e
        except UnicodeDecodeError as e:  # the file changed after the encoding check
            raise RosterFileError(f"the roster file {path.name} changed while reading") from e


# --- reading a file in parts (for several processes) --------------------------------------


@dataclass(frozen=True)
class RosterPart:
    """Whole lines ``[start, end)`` of a roster file (bytes), the first being ``first_line``."""

    start: int
    end: int
    first_line: int


@dataclass(frozen=True)
class RosterLayout:
    """A scanned roster file: how to read its rows, and the parts it can be cut into."""

    name: str
    encoding: str
    columns: dict[str, int]
    parts: tuple[RosterPart, ...]


def plan_roster_parts(path: Path | str, *, part_bytes: int = 4 << 20) -> RosterLayout | None:
    """Scan a roster file and cut its rows into parts of about ``part_bytes`` each.

    Each part can then go through :func:`read_roster_part`, in any process; together they
    give exactly what :func:`read_roster_csv` gives. Returns None when the file cannot be
    cut (it has quoted fields, which may hold line breaks, or bare-CR line ends): read it
    with :func:`read_roster_csv`. Raises :class:`RosterFileError` like it.
    """
    path = Path(path)
    with _open(path) as raw:
        try:
            scan = _scan(raw, max(1, min(part_bytes // 4, _DETECT_CHUNK)))
            if not scan.splittable:
                return None
            header_line = 0
            while True:
                line = raw.readline()
                header_line += 1
                if not line:
                    raise RosterFileError(
                        f"the roster file {path.name} is empty; expected a header with {_EXPECTED}"
                    )
                header = line.decode(scan.encoding).split(",")
                if any(cell.strip() for cell in header):
                    break
            body = raw.tell()
        except OSError as e:
            raise RosterFileError(f"reading the roster file {path.name} failed: {e}") from e
    columns = _column_indexes(header)
    _log_columns(path.name, scan.encoding, columns)
    cuts = [(body, header_line + 1)]
    for offset, line_number in scan.cuts:
        if offset - cuts[-1][0] >= part_bytes and offset < scan.size:
            cuts.append((offset, line_number))
    ends = [offset for offset, _ in cuts[1:]] + [scan.size]
    parts = tuple(
        RosterPart(start, end, first) for (start, first), end in zip(cuts, ends, strict=True)
    )
    # The body decodes with or without a BOM codec: the BOM is behind it.
    encoding = "utf-8" if scan.encoding == "utf-8-sig" else scan.encoding
    return RosterLayout(path.name, encoding, columns, parts)


def read_roster_part(
    path: Path | str, layout: RosterLayout, part: RosterPart, *, today: date
) -> Iterator[RosterRow | RowError]:
    """The rows of one part of a file planned by :func:`plan_roster_parts`."""
    path = Path(path)
    with _open(path) as raw:
        try:
            raw.seek(part.start)
            data = raw.read(part.end - part.start)
            text = data.decode(layout.encoding)
        except OSError as e:
            raise RosterFileError(f"reading the roster file {path.name} failed: {e}") from e
        except UnicodeDecodeError as e:
            raise RosterFileError(f"the roster file {path.name} changed while reading") from e
    if len(data) != part.end - part.start:
        raise RosterFileError(f"the roster file {path.name} changed while reading")
    lines = io.StringIO(text, newline="")
    return _rows(
        enumerate(map(str.split, lines, repeat(",")), part.first_line), layout.columns, today
    )


# --- the row rules ------------------------------------------------------------------------


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as e:
        raise RosterFileError(f"cannot open the roster file {path.name}: {e.strerror}") from e


def _log_columns(name: str, encoding: str, columns: dict[str, int]) -> None:
    log.info("reading roster file %s (%s, columns %s)", name, encoding, ", ".join(columns))


def _numbered_lines(text: io.TextIOWrapper, quoted: bool) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each record.

    Without a single ``"`` in the file, CSV is exactly a split at commas (no field can hold
    a comma or a line break), which is several times faster than the csv module; cells
    then keep the line ending, and every use strips them. Otherwise the csv module reads
    it, and a record's number is the line it ends on.
    """
    if not quoted:
        return enumerate(map(str.split, text, repeat(",")), 1)
    reader = csv.reader(text)
    return ((reader.line_num, fields) for fields in reader)


def _rows(
    numbered: Iterator[tuple[int, list[str]]], columns: dict[str, int], today: date
) -> Iterator[RosterRow | RowError]:
    """Check every record: the hot loop of an import (a million turns)."""
    i_id = columns["id_number"]
    i_cat = columns["category"]
    i_to = columns["valid_to"]
    i_from = columns.get("valid_from")
    needed = max(columns.values()) + 1
    memo = _Memo()
    categories = memo.categories
    dates = memo.dates
    validate = validate_id_number
    new_row = tuple.__new__  # RosterRow(...) without the generated __new__

    for line, fields in numbered:
        if len(fields) < needed:
            if any(cell.strip() for cell in fields):
                yield RowError(line, f"expected at least {needed} columns, found {len(fields)}")
            continue  # else a blank line
        problems: list[str] | None = None
        try:
            number = validate(fields[i_id], today)
        except InvalidIdNumber:
            problems = []
            number = _retry_number(fields[i_id], today, problems)
        raw = fields[i_cat]
        category = categories.get(raw) or memo.category(raw)
        if category is None:
            problems = problems or []
            problems.append(f"unknown category {_quote(raw)!r} (expected one of {_CATEGORIES})")
        raw = fields[i_to]
        valid_to, ok = dates.get(raw) or memo.date(raw)
        if not ok:
            problems = problems or []
            problems.append(f"valid_to {_quote(raw)!r} is not a date (YYYY-MM-DD)")
        valid_from = None
        if i_from is not None:
            raw = fields[i_from]
            valid_from, ok = dates.get(raw) or memo.date(raw)
            if not ok or (valid_from is None and raw.strip()):
                problems = problems or []
                problems.append(f"valid_from {_quote(raw)!r} is not a date (YYYY-MM-DD)")
        if valid_from is not None and valid_to is not None and valid_to < valid_from:
            problems = problems or []
            problems.append(f"valid_to {valid_to} is before valid_from {valid_from}")
        if problems or category is None:
            yield RowError(line, "; ".join(problems or ()))
            continue
        yield new_row(RosterRow, (line, number, category, valid_from, valid_to))


def _retry_number(raw: str, today: date, problems: list[str]) -> str:
    """Second try after spreadsheet text guards are removed; else record the problem."""
    cleaned = _clean_number(raw)
    if not cleaned:
        problems.append("the ID number is missing")
        return ""
    try:
        return validate_id_number(cleaned, today)
    except InvalidIdNumber as e:
        problems.append(f"invalid ID number {_masked_number(cleaned)}: {e}")
        return ""


def _masked_number(text: str) -> str:
    if len(text) > 20:
        return f"({len(text)} characters)"
    return mask_id_number(text)


# --- checking and hashing a whole file, in parts, in several processes ----------------------

#: A hashed roster entry as the kiosk stores it and the server sends it: keyed hash,
#: category code, valid from and valid to as ``YYYY-MM-DD`` (or None).
HashedEntry = tuple[bytes, str, str | None, str | None]

#: Files smaller than this are read by one process (a worker costs ~0.2 s to start).
PARALLEL_MIN_BYTES = 8 << 20
MAX_WORKERS = 4
#: Size of the parts a big file is cut into (~22,000 rows): small parts keep the workers
#: evenly busy to the end.
PART_BYTES = 1 << 20
#: Rows per part when one process reads the file.
PART_ROWS = 25_000


@dataclass
class HashedPart:
    """The outcome of some consecutive rows of a roster file.

    ``entries`` are the valid rows hashed, sorted by hash (rows of one hash keep their
    file order). A part with an invalid row carries no entries: such a file is refused,
    so only its errors matter. ``errors`` holds the first ``max_errors`` of them.
    ``expired`` and ``not_yet_valid`` count valid rows whose validity ended before
    ``today`` or starts after it: not errors (a roster is often exported ahead of time),
    but a technician should hear of them.
    """

    valid: int
    error_count: int
    errors: list[RowError]
    entries: list[HashedEntry]
    expired: int = 0
    not_yet_valid: int = 0


def hash_roster_file(
    path: Path | str,
    key: bytes | None,
    *,
    today: date | None = None,
    workers: int | None = None,
    max_errors: int = 1000,
) -> Generator[HashedPart, None, None]:
    """Check every row of a roster file and hash the valid ones, part by part, in order.

    With ``key`` None the rows are only checked. A big file (over
    :data:`PARALLEL_MIN_BYTES`) is cut into parts read by ``workers`` processes (default:
    one per CPU, at most :data:`MAX_WORKERS`; always 1 in a frozen executable, where
    ``sys.executable`` is the application and not Python). Raises
    :class:`RosterFileError` like :func:`read_roster_csv`.
    """
    path = Path(path)
    if today is None:
        today = date.today()
    processes = _worker_count(workers, path)
    layout = plan_roster_parts(path, part_bytes=PART_BYTES) if processes > 1 else None
    if layout is None or len(layout.parts) < 2:
        items = read_roster_csv(path, today=today)
        try:
            while part := _hash_items(islice(items, PART_ROWS), key, max_errors, today):
                yield part
        finally:
            items.close()
        return
    yield from _hash_in_workers(path, layout, key, today, max_errors, processes)


def _worker_count(workers: int | None, path: Path) -> int:
    if workers is not None:
        return max(1, workers)
    if getattr(sys, "frozen", False) or not sys.executable:
        return 1  # sys.executable is the application itself, or unknown
    try:
        if path.stat().st_size < PARALLEL_MIN_BYTES:
            return 1
    except OSError:
        return 1  # reading it will say what is wrong
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _hash_items(
    items: Iterable[RosterRow | RowError], key: bytes | None, max_errors: int, today: date
) -> HashedPart | None:
    """The hot loop of an import: a million turns, so plain locals and tuples."""
    hasher = make_hasher(key) if key is not None else None
    texts: dict[date | None, str | None] = {None: None}
    entries: list[HashedEntry] = []
    errors: list[RowError] = []
    valid = error_count = expired = not_yet_valid = 0
    for item in items:
        if type(item) is not RosterRow:
            error_count += 1
            if len(errors) < max_errors:
                errors.append(item)  # type: ignore[arg-type]
            continue
        valid += 1
        _, number, category, valid_from, valid_to = item
        if valid_to is not None and valid_to < today:
            expired += 1
        elif valid_from is not None and valid_from > today:
            not_yet_valid += 1
        if hasher is None or error_count:
            continue
        try:
            entries.append((hasher(number), category._value_, texts[valid_from], texts[valid_to]))
        except KeyError:
            for day in (valid_from, valid_to):
                if day not in texts:
                    texts[day] = day.isoformat()  # type: ignore[union-attr]
            entries.append((hasher(number), category._value_, texts[valid_from], texts[valid_to]))
    if not valid and not error_count:
        return None
    if error_count:
        entries = []
    entries.sort(key=_BY_HASH)  # stable
    return HashedPart(valid, error_count, errors, entries, expired, not_yet_valid)


_BY_HASH = itemgetter(0)


def _hash_in_workers(
    path: Path,
    layout: RosterLayout,
    key: bytes | None,
    today: date,
    max_errors: int,
    processes: int,
) -> Generator[HashedPart, None, None]:
    """``processes`` worker processes, each reading every n-th part; results in order.

    Workers are plain ``python -c`` subprocesses fed by a pipe, not multiprocessing: a
    spawned multiprocessing child re-imports the caller's ``__main__``, which runs a whole
    CLI again when that module has no ``if __name__ == "__main__"`` guard (as
    ``python -m kiosk`` has none). The child imports this module only.
    """
    parts = layout.parts
    processes = min(processes, len(parts))
    log.info("reading %s in %d parts with %d processes", path.name, len(parts), processes)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for index in range(processes):
            worker = subprocess.Popen(
                [sys.executable, "-I", "-c", _WORKER_BOOT],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # Windows GUI
            )
            workers.append(worker)
            assert worker.stdin is not None
            task = _WorkerTask(path, layout, parts[index::processes], today, key, max_errors)
            with worker.stdin:
                pickle.dump(sys.path, worker.stdin)
                pickle.dump(task, worker.stdin)
        for number in range(len(parts)):
            yield _receive(workers[number % processes])
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait()
            if worker.stdout is not None:
                worker.stdout.close()


#: What a worker process runs: the parent's import path first, then the task.
_WORKER_BOOT = (
    "import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
    "from roster.format import _serve_parts; _serve_parts()"
)


@dataclass(frozen=True)
class _WorkerTask:
    path: Path
    layout: RosterLayout
    parts: tuple[RosterPart, ...]
    today: date
    key: bytes | None
    max_errors: int


def _serve_parts() -> None:
    """In a worker process: read the task from stdin, send one result per part to stdout."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # nothing but results may go down the pipe
    gc.disable()  # a short-lived process making millions of tuples: no cycles to find
    task: _WorkerTask = pickle.load(sys.stdin.buffer)
    with out:
        for part in task.parts:
            reply: tuple[str, object]
            try:
                items = read_roster_part(task.path, task.layout, part, today=task.today)
                result = _hash_items(items, task.key, task.max_errors, task.today)
                reply = ("ok", result or HashedPart(0, 0, [], []))
            except Exception as e:  # sent to the parent, which raises it
                reply = ("error", e)
            pickle.dump(reply, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
            if reply[0] == "error":
                return


def _receive(worker: subprocess.Popen[bytes]) -> HashedPart:
    assert worker.stdout is not None
    try:
        status, payload = pickle.load(worker.stdout)
    except (EOFError, pickle.UnpicklingError) as e:
        worker.wait()
        raise RosterFileError(
            f"a roster worker process ended unexpectedly (exit code {worker.returncode})"
        ) from e
    if status == "error":
        assert isinstance(payload, BaseException)
        raise payload
    assert isinstance(payload, HashedPart)
    return payload
