import sqlite3
from pathlib import Path

from kiosk.store.db import Database, open_database
from kiosk.store.migrate import current_revision, head_revision, upgrade
from kiosk.store.models import Base


def test_empty_database_migrates_to_head_and_matches_models(tmp_path: Path):
    db = open_database(tmp_path / "new.db")
    assert current_revision(db.engine) == head_revision()
    with sqlite3.connect(db.path) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        for table in Base.metadata.tables.values():
            columns = {r[1] for r in conn.execute(f"pragma table_info({table.name})")}
            assert columns == {c.name for c in table.columns}, table.name
    assert set(Base.metadata.tables) <= tables
    with sqlite3.connect(db.path) as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_database_from_previous_revision_keeps_its_tickets(tmp_path: Path):
    path = tmp_path / "old.db"
    old = Database(path)
    upgrade(old.engine, "0001")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "insert into tickets (id, day, prefix, seq, number, service_code, priority,"
            " kiosk_id, issued_at, print_state) values"
            " ('t-1', '2026-11-30', 'A', 7, 'A007', 'medical_insurance', 0, 'K01',"
            " '2026-11-30T00:30:00.000000+00:00', 'printed')"
        )
    old.close()

    db = open_database(path)  # what the upgraded kiosk does at start-up
    assert current_revision(db.engine) == head_revision()
    from kiosk.store.tickets import get_ticket

    ticket = get_ticket(db, "t-1")
    assert ticket is not None
    assert (ticket.number, ticket.print_state, ticket.reprint_count) == ("A007", "printed", 0)


def test_migrating_twice_is_a_no_op(tmp_path: Path):
    path = tmp_path / "k.db"
    open_database(path).close()
    before = path.stat().st_mtime_ns
    db = open_database(path)
    assert current_revision(db.engine) == head_revision()
    assert path.stat().st_mtime_ns == before


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path):
    import pytest

    from kiosk.store.db import StoreError

    path = tmp_path / "k.db"
    path.write_bytes(b"this is not an SQLite file" * 100)
    with pytest.raises(StoreError, match="cannot open or upgrade"):
        open_database(path)
    assert path.read_bytes().startswith(b"this is not")  # left as it was for staff to see
