"""Issue 14: a ticket database copied alone (backup, support bundle, USB stick) must reveal
no ID number, and an old kiosk's database must lose its keys and masked numbers on upgrade.

The attack is the issue's own: read the database, take every key-like value in it, and
hash every ID number of one county and a stretch of birth dates (all sequence digits)
looking for the stored hashes. The search space is cut to what a test can run in a
second or two, around the true numbers; docs/threat-model.md has the full-size figures.
"""

from __future__ import annotations

import sqlite3
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from idreader.idnumber import check_character, mask_id_number
from idreader.testing import make_id_number
from kiosk.domain.clock import ManualClock
from kiosk.domain.ticket import TicketRequest, visitor_reference
from kiosk.store.db import Database, StoreError, open_database
from kiosk.store.keystore import TICKET_KEY, FileKeyStore, KeyStore
from kiosk.store.migrate import current_revision, head_revision, upgrade
from kiosk.store.roster import import_roster_file, lookup
from kiosk.store.secrets import local_key, person_hash
from kiosk.store.tickets import issue_ticket
from roster.format import make_hasher

REGION = "370102"  # one county
FIRST_BIRTH = date(1950, 3, 1)
DAYS = 20  # the slice of the decade the test searches (the real attack: 3,653 days)
NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def person(day_offset: int, sequence: int) -> str:
    return make_id_number(
        FIRST_BIRTH + timedelta(days=day_offset), region=REGION, sequence=sequence
    )


VISITORS = [person(2, 11), person(9, 47), person(17, 80)]
ROSTER = [person(d, s) for d, s in [(0, 3), (3, 14), (5, 15), (8, 92), (11, 65), (13, 35),
                                    (14, 89), (16, 79), (18, 32), (19, 38)]]  # fmt: skip


def candidates() -> Iterator[str]:
    """Every ID number of REGION born in the searched days: 1,000 sequences a day."""
    for offset in range(DAYS):
        born = f"{FIRST_BIRTH + timedelta(days=offset):%Y%m%d}"
        for sequence in range(1000):
            first17 = f"{REGION}{born}{sequence:03d}"
            yield first17 + check_character(first17)


def key_like_values(path: Path) -> list[bytes]:
    """What the issue's attacker tried as keys: every blob of key size in the file (the
    roster's own hash column aside), and every hex text that decodes to one."""
    found: list[bytes] = []
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                if (table, column) == ("roster_entries", "id_hash"):
                    continue
                for (value,) in conn.execute(f'SELECT "{column}" FROM "{table}"'):
                    if isinstance(value, bytes) and 16 <= len(value) <= 64:
                        found.append(value)
                    elif isinstance(value, str) and len(value) in (32, 64, 128):
                        try:
                            found.append(bytes.fromhex(value))
                        except ValueError:
                            pass
    return found


def brute_force(path: Path, extra_keys: list[bytes]) -> set[str]:
    """ID numbers recovered from a database file (and whatever keys the attacker has)."""
    with sqlite3.connect(path) as conn:
        ticket_hashes = {r[0] for r in conn.execute("SELECT id_hash FROM tickets") if r[0]}
        roster_hashes = {bytes(r[0]) for r in conn.execute("SELECT id_hash FROM roster_entries")}
    numbers = list(candidates())
    found: set[str] = set()
    for key in [*key_like_values(path), *extra_keys]:
        roster_hash = make_hasher(key)
        for number in numbers:
            if person_hash(key, number) in ticket_hashes or roster_hash(number) in roster_hashes:
                found.add(number)
    return found


def write_roster(path: Path, numbers: list[str]) -> Path:
    lines = ["id_number,category,valid_to", *(f"{n},低保," for n in numbers)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def all_keys(store: KeyStore) -> list[bytes]:
    return [store.require(name) for name in store.names()]


def copy_alone(db: Database, to: Path) -> Path:
    """What a backup tool or a technician copies: the database (WAL included), no keys."""
    with sqlite3.connect(db.path) as source, sqlite3.connect(to) as target:
        source.backup(target)
    return to


def test_a_copied_database_alone_reveals_no_id_number(tmp_path: Path):
    keys = FileKeyStore(tmp_path / "config" / "keys")
    db = open_database(tmp_path / "data" / "kiosk.db", keys=keys)
    clock = ManualClock(NOW)
    import_roster_file(db, write_roster(tmp_path / "roster.csv", ROSTER), clock=clock)
    ticket_key = local_key(db, TICKET_KEY)
    for number in VISITORS:
        request = TicketRequest(
            "social", "A", True, "elderly", "age", person_hash(ticket_key, number)
        )
        issue_ticket(db, clock, request, kiosk_id="K01")
    stolen = copy_alone(db, tmp_path / "usb-stick.db")
    db.close()

    assert brute_force(stolen, extra_keys=[]) == set()
    # The same loop with the keys (a thief who also has the config folder) finds them all:
    # the attack is real, only the missing key stops it.
    assert brute_force(stolen, extra_keys=all_keys(keys)) == set(VISITORS) | set(ROSTER)


def test_database_keys_and_folder_are_private(tmp_path: Path):
    keys = FileKeyStore(tmp_path / "config" / "keys")
    db = open_database(tmp_path / "data" / "kiosk.db", keys=keys)
    issue_ticket(db, ManualClock(NOW), TicketRequest("social", "A"), kiosk_id="K01")
    local_key(db, TICKET_KEY)
    try:
        mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
        assert mode(db.path.parent) == 0o700
        for suffix in ("", "-wal", "-shm"):
            assert mode(db.path.with_name("kiosk.db" + suffix)) == 0o600, suffix
        assert not (db.path.parent / "keys").exists()  # never beside the data
    finally:
        db.close()


def old_kiosk(path: Path, masked: str, ticket_key: bytes, roster_key: bytes) -> str:
    """A database as revision 0003 left it: keys and masked numbers inside."""
    old = Database(path)
    upgrade(old.engine, "0003")
    old.close()
    number = VISITORS[0]
    id_hash = person_hash(ticket_key, number)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO local_secrets VALUES ('ticket_hash', ?)", (ticket_key,))
        conn.execute(
            "INSERT INTO roster_meta VALUES (1, 1, 'r1', ?, 'file:r.csv', 1, ?)",
            (roster_key, NOW.isoformat()),
        )
        conn.execute(
            "INSERT INTO roster_entries VALUES (?, 'subsistence', NULL, NULL, 1)",
            (make_hasher(roster_key)(number),),
        )
        for i in range(200):  # enough rows that the old values sit in real pages
            conn.execute(
                "INSERT INTO tickets (id, day, prefix, seq, number, service_code, priority,"
                " kiosk_id, issued_at, print_state, reprint_count, id_hash, id_masked)"
                " VALUES (?, '2026-11-30', 'L', ?, ?, 'social', 1, 'K01', ?, 'printed', 0, ?, ?)",
                (str(uuid.uuid4()), i + 1, f"L{i + 1:03d}", NOW.isoformat(), id_hash, masked),
            )
        ticket_id = conn.execute("SELECT id FROM tickets LIMIT 1").fetchone()[0]
        conn.execute(
            "INSERT INTO staff_audit (at, staff, action, reason, ticket_id, id_masked)"
            " VALUES (?, '0427', 'manual_priority', 'forgot_card', ?, ?)",
            (NOW.isoformat(), ticket_id, masked),
        )
    return id_hash


def test_upgrade_moves_the_keys_out_and_wipes_them_and_the_masked_numbers(tmp_path: Path):
    path = tmp_path / "data" / "kiosk.db"
    path.parent.mkdir()
    ticket_key, roster_key = b"T" * 7 + bytes(range(25)), b"R" * 7 + bytes(range(100, 125))
    masked = mask_id_number(VISITORS[0])
    id_hash = old_kiosk(path, masked, ticket_key, roster_key)
    assert ticket_key in path.read_bytes() + path.with_name("kiosk.db-wal").read_bytes()

    keys = FileKeyStore(tmp_path / "config" / "keys")
    db = open_database(path, keys=keys)  # what the upgraded kiosk does at start-up
    try:
        assert current_revision(db.engine) == head_revision()
        assert local_key(db, TICKET_KEY) == ticket_key  # same key: same-day reprints still match
        assert sorted(all_keys(keys)) == sorted([ticket_key, roster_key])
        assert [m.category.value for m in lookup(db, VISITORS[0], today=NOW.date())] == [
            "subsistence"
        ]
        with db.read() as session:
            refs = session.connection().exec_driver_sql(
                "SELECT DISTINCT t.visitor_ref, a.visitor_ref FROM tickets t"
                " LEFT JOIN staff_audit a ON a.ticket_id = t.id WHERE a.id IS NOT NULL"
            )
            assert refs.all() == [(visitor_reference(id_hash, NOW.date()),) * 2]
    finally:
        db.close()
    files = [path, *path.parent.glob("kiosk.db-*")]
    data = b"".join(f.read_bytes() for f in files)
    for secret in (ticket_key, roster_key, masked.encode(), VISITORS[0][:4].encode() + b"*"):
        assert secret not in data, secret


def test_an_old_database_with_keys_is_not_migrated_without_a_key_store(tmp_path: Path):
    path = tmp_path / "kiosk.db"
    old_kiosk(path, "3701**********0000", b"t" * 32, b"r" * 32)
    with pytest.raises(StoreError, match="key store"):
        open_database(path)
    check = Database(path)
    try:
        assert current_revision(check.engine) == "0003"  # untouched, keys still there
    finally:
        check.close()
