"""The roster store on a real SQLite file: import, atomic replace, delta, lookup, privacy.

Synthetic ID numbers only (idreader.testing). Small files; the million-row figures live in
bench/bench_roster.py.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import kiosk.store.roster as roster_module
import roster.format as roster_format
from idreader.idnumber import check_character
from idreader.testing import make_id_number
from kiosk.domain.clock import ManualClock
from kiosk.domain.eligibility import Category, RosterMatch
from kiosk.store.db import Database, StoreError
from kiosk.store.keystore import FileKeyStore
from kiosk.store.roster import (
    Entry,
    RosterChangedError,
    RosterFileError,
    RosterStoreError,
    apply_roster_delta,
    import_roster_file,
    lookup,
    replace_roster,
    roster_info,
)
from roster.format import keyed_hash

TODAY = date(2026, 3, 2)
A = make_id_number(date(1950, 3, 1), region="110000", sequence=1)
B = make_id_number(date(1961, 7, 15), region="370000", sequence=2)
C = make_id_number(date(1948, 12, 31), region="440000", sequence=3)
D = make_id_number(date(1939, 5, 20), region="510000", sequence=4)
SERVER_KEY = bytes(range(100, 132))


def legacy_pair() -> tuple[str, str]:
    first17 = "310000" + "19450817" + "456"
    return "310000450817456", first17 + check_character(first17)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 8, 30, tzinfo=UTC))


def write_csv(path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    text = "\n".join(["身份证号,类别,有效期起,有效期至", *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def first_roster(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "roster-v1.csv",
        [
            f"{A},低保,2024-01-01,2026-12-31",
            f"{A},老年人,,",
            f"{B},特困,,2025-12-31",  # already expired
            f"{C},残疾人,2026-06-01,",  # not valid yet
        ],
    )


def table_names(db: Database) -> set[str]:
    with sqlite3.connect(db.path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def entry_count(db: Database) -> int:
    with sqlite3.connect(db.path) as conn:
        return int(conn.execute("SELECT count(*) FROM roster_entries").fetchone()[0])


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several staging transactions even for a handful of rows."""
    monkeypatch.setattr(roster_module, "CHUNK_ROWS", 2)


# --- lookup -------------------------------------------------------------------------------


def test_empty_roster_has_no_info_and_finds_nobody(db: Database):
    assert roster_info(db) is None
    assert lookup(db, A) == []


def test_import_installs_the_roster_and_lookup_finds_categories_with_validity(
    db: Database, clock: ManualClock, tmp_path: Path
):
    report = import_roster_file(db, first_roster(tmp_path), clock=clock)

    assert (report.replaced, report.rows_read, report.entries, report.errors) == (
        True,
        4,
        4,
        [],
    )
    assert report.version == 1
    info = roster_info(db)
    assert info is not None
    assert (info.version, info.label, info.entries) == (1, "roster-v1.csv", 4)
    assert (info.source, info.imported_at) == ("file:roster-v1.csv", clock.now())
    assert sorted(lookup(db, A, today=TODAY), key=lambda m: m.category.value) == [
        RosterMatch(Category.ELDERLY, None, None),
        RosterMatch(Category.SUBSISTENCE, date(2024, 1, 1), date(2026, 12, 31)),
    ]
    # Expired and not-yet-valid entries are returned too: the eligibility rule says why.
    assert lookup(db, B) == [RosterMatch(Category.EXTREME_POVERTY, None, date(2025, 12, 31))]
    assert lookup(db, C) == [RosterMatch(Category.DISABLED, date(2026, 6, 1), None)]
    assert lookup(db, D) == []


def test_lookup_normalises_the_number_and_ignores_what_is_not_one(
    db: Database, clock: ManualClock, tmp_path: Path
):
    old, new = legacy_pair()
    import_roster_file(db, write_csv(tmp_path / "r.csv", [f"{old},低保,,"]), clock=clock)
    match = [RosterMatch(Category.SUBSISTENCE, None, None)]
    assert lookup(db, new) == match
    assert lookup(db, old) == match
    assert lookup(db, f" {new.lower()} ") == match
    assert lookup(db, "UTO110501011") == []  # a foreigner's 2017 card number
    assert lookup(db, new[:17] + ("0" if new[17] != "0" else "1")) == []


def test_entries_are_stored_as_keyed_hashes_under_the_roster_key(
    db: Database, clock: ManualClock, tmp_path: Path
):
    key = bytes(range(32))
    import_roster_file(db, first_roster(tmp_path), clock=clock, key=key, label="2026-03 复核")
    with sqlite3.connect(db.path) as conn:
        (key_id,) = conn.execute("SELECT key_id FROM roster_meta").fetchone()
        hashes = {r[0] for r in conn.execute("SELECT id_hash FROM roster_entries")}
    assert db.keys.get(key_id) == key  # in the key store, not in the database
    assert key not in db.path.read_bytes()
    assert hashes == {keyed_hash(key, n) for n in (A, B, C)}
    info = roster_info(db)
    assert info is not None and info.label == "2026-03 复核"


def test_every_file_import_gets_a_new_random_key(db: Database, clock: ManualClock, tmp_path: Path):
    path = first_roster(tmp_path)
    keys = set()
    for _ in range(2):
        import_roster_file(db, path, clock=clock)
        with sqlite3.connect(db.path) as conn:
            key_id = conn.execute("SELECT key_id FROM roster_meta").fetchone()[0]
        keys.add(db.keys.require(key_id))
        assert db.keys.names() == [key_id]  # the old roster's key is gone once replaced
        assert len(lookup(db, A)) == 2  # also right after the key changed
    assert len(keys) == 2 and all(len(k) == 32 for k in keys)


# --- import: encodings, errors, dry run -------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_import_reads_every_supported_encoding(
    db: Database, clock: ManualClock, tmp_path: Path, encoding: str
):
    path = write_csv(tmp_path / "r.csv", [f"{A},低保边缘,,2027-01-01", f"{B},残疾人,,"], encoding)
    report = import_roster_file(db, path, clock=clock)
    assert report.replaced and report.entries == 2
    assert lookup(db, A) == [RosterMatch(Category.NEAR_SUBSISTENCE, None, date(2027, 1, 1))]


def test_invalid_rows_are_reported_and_the_old_roster_stays(
    db: Database, clock: ManualClock, tmp_path: Path, small_chunks: None
):
    import_roster_file(db, first_roster(tmp_path), clock=clock)
    before = roster_info(db)
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            f"{D},低保,,",
            f"{D[:17]}{'0' if D[17] != '0' else '1'},低保,,",  # line 3: check character
            f"{B},低保户,,",  # line 4: unknown category
            f"{C},特困,,2026-02-30",  # line 5: no such date
            f"{legacy_pair()[0]},老年人,,",  # legacy 15-digit: fine
        ],
    )
    report = import_roster_file(db, bad, clock=clock)

    assert not report.replaced
    assert [e.line for e in report.errors] == [3, 4, 5]
    assert (report.rows_read, report.entries, report.error_count) == (5, 2, 3)
    assert report.version == 1
    assert "NOT installed" in report.summary()
    assert roster_info(db) == before
    assert lookup(db, D) == []
    assert len(lookup(db, A)) == 2
    assert not any(name.startswith("roster_entries_staging") for name in table_names(db))


def test_error_list_is_capped_but_counted(db: Database, clock: ManualClock, tmp_path: Path):
    rows = [f"{A},nobody,," for _ in range(30)]
    report = import_roster_file(db, write_csv(tmp_path / "r.csv", rows), clock=clock, max_errors=5)
    assert (report.error_count, len(report.errors), report.replaced) == (30, 5, False)
    assert [e.line for e in report.errors] == [2, 3, 4, 5, 6]


def test_dry_run_reports_and_changes_nothing(db: Database, clock: ManualClock, tmp_path: Path):
    import_roster_file(db, first_roster(tmp_path), clock=clock)
    before_info = roster_info(db)
    with sqlite3.connect(db.path) as conn:
        before = conn.execute("SELECT * FROM roster_entries ORDER BY 1, 2").fetchall()
    new = write_csv(tmp_path / "new.csv", [f"{D},低保,,", f"{A},nobody,,"])

    report = import_roster_file(db, new, clock=clock, dry_run=True)

    assert report.dry_run and not report.replaced
    assert (report.rows_read, report.entries, [e.line for e in report.errors]) == (2, 1, [3])
    assert report.version == 1
    assert roster_info(db) == before_info
    with sqlite3.connect(db.path) as conn:
        assert conn.execute("SELECT * FROM roster_entries ORDER BY 1, 2").fetchall() == before
    assert lookup(db, D) == []


@pytest.mark.parametrize("batch_rows", [1, 2, 100])
def test_repeated_person_and_category_keeps_the_later_line(
    db: Database,
    clock: ManualClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    batch_rows: int,
):
    monkeypatch.setattr(roster_module._InsertSql, "BATCH_ROWS", batch_rows)
    path = write_csv(
        tmp_path / "r.csv",
        [f"{A},低保,,2026-01-31", f"{B},特困,,", f"{A},低保,,2026-12-31", f"{A},老年人,,"],
    )
    report = import_roster_file(db, path, clock=clock)
    assert (report.rows_read, report.entries, report.duplicates) == (4, 3, 1)
    info = roster_info(db)
    assert info is not None and info.entries == 3
    assert RosterMatch(Category.SUBSISTENCE, None, date(2026, 12, 31)) in lookup(db, A)


def test_header_only_file_is_refused(db: Database, clock: ManualClock, tmp_path: Path):
    import_roster_file(db, first_roster(tmp_path), clock=clock)
    with pytest.raises(RosterFileError, match="no rows"):
        import_roster_file(db, write_csv(tmp_path / "empty.csv", []), clock=clock)
    assert len(lookup(db, A)) == 2


def test_missing_file_and_bad_header_leave_the_roster_alone(
    db: Database, clock: ManualClock, tmp_path: Path
):
    import_roster_file(db, first_roster(tmp_path), clock=clock)
    with pytest.raises(RosterFileError):
        import_roster_file(db, tmp_path / "nowhere.csv", clock=clock)
    headerless = tmp_path / "headerless.csv"
    headerless.write_text(f"{D},低保,,\n", encoding="utf-8")
    with pytest.raises(RosterFileError):
        import_roster_file(db, headerless, clock=clock)
    info = roster_info(db)
    assert info is not None and info.version == 1
    assert len(lookup(db, A)) == 2 and lookup(db, D) == []


# --- import with worker processes ----------------------------------------------------


@pytest.fixture
def tiny_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut even a small file into many parts, so that the workers really share it."""
    monkeypatch.setattr(roster_format, "PART_BYTES", 150)


def many_rows(count: int) -> list[str]:
    return [
        f"{make_id_number(date(1940 + i % 60, 1 + i % 12, 1 + i % 28), sequence=i % 100)},"
        f"{'低保' if i % 2 else '老年人'},,2027-01-{1 + i % 28:02d}"
        for i in range(count)
    ]


def stored_rows(db: Database) -> list[tuple[object, ...]]:
    with sqlite3.connect(db.path) as conn:
        return conn.execute("SELECT * FROM roster_entries ORDER BY 1, 2").fetchall()


def test_workers_install_exactly_what_one_process_installs(
    db: Database, clock: ManualClock, tmp_path: Path, tiny_parts: None
):
    path = write_csv(tmp_path / "big.csv", [*many_rows(60), f"{A},低保,,2026-01-01"], "gb18030")
    key = bytes(range(32))
    report = import_roster_file(db, path, clock=clock, key=key, workers=2)
    assert (report.replaced, report.rows_read, report.entries, report.duplicates) == (
        True,
        61,
        61,
        0,
    )
    single = Database(tmp_path / "single.db", keys=FileKeyStore(tmp_path / "single-keys"))
    try:
        single.migrate()
        import_roster_file(single, path, clock=clock, key=key, workers=1)
        assert stored_rows(db) == stored_rows(single)
    finally:
        single.close()
    assert lookup(db, A) == [RosterMatch(Category.SUBSISTENCE, None, date(2026, 1, 1))]


def test_expired_and_future_rows_are_counted_and_reported(
    db: Database, clock: ManualClock, tmp_path: Path
):
    report = import_roster_file(db, first_roster(tmp_path), clock=clock)
    assert report.replaced and report.error_count == 0
    assert (report.expired, report.not_yet_valid, report.valid_today) == (1, 1, 2)
    assert report.warnings() == [
        "1 rows already expired (valid_to before today)",
        "1 rows not yet valid (valid_from after today)",
    ]
    assert "2 valid today" in report.summary()


def test_workers_count_expired_and_future_rows_like_one_process(
    db: Database, clock: ManualClock, tmp_path: Path, tiny_parts: None
):
    rows = [*many_rows(40), f"{A},低保,,2026-01-01", f"{B},低保,2027-01-01,"]
    path = write_csv(tmp_path / "big.csv", rows)
    parallel = import_roster_file(db, path, clock=clock, workers=2, dry_run=True)
    single = import_roster_file(db, path, clock=clock, workers=1, dry_run=True)
    assert (parallel.expired, parallel.not_yet_valid) == (single.expired, single.not_yet_valid)
    assert single.expired >= 1 and single.not_yet_valid >= 1
    assert parallel.valid_today == single.valid_today == 42 - single.expired - single.not_yet_valid


def test_workers_report_every_invalid_row_in_file_order(
    db: Database, clock: ManualClock, tmp_path: Path, tiny_parts: None
):
    rows = many_rows(40)
    for line in (5, 17, 33):  # file lines 5, 17, 33 (the header is line 1)
        rows[line - 2] = rows[line - 2].replace("低保", "低保户").replace("老年人", "老人")
    path = write_csv(tmp_path / "bad.csv", rows)
    dry = import_roster_file(db, path, clock=clock, workers=2, dry_run=True)
    real = import_roster_file(db, path, clock=clock, workers=2, max_errors=2)
    assert [e.line for e in dry.errors] == [5, 17, 33]
    assert (real.replaced, real.error_count, [e.line for e in real.errors]) == (False, 3, [5, 17])
    assert roster_info(db) is None


def test_a_failing_worker_leaves_the_old_roster_in_use(
    db: Database,
    clock: ManualClock,
    tmp_path: Path,
    tiny_parts: None,
    monkeypatch: pytest.MonkeyPatch,
):
    import_roster_file(db, first_roster(tmp_path), clock=clock)
    path = write_csv(tmp_path / "big.csv", many_rows(40))
    real_plan = roster_format.plan_roster_parts

    def plan_then_truncate(*args, **kwargs):  # type: ignore[no-untyped-def]
        layout = real_plan(*args, **kwargs)
        path.write_bytes(path.read_bytes()[: layout.parts[-1].start + 5])
        return layout

    monkeypatch.setattr(roster_format, "plan_roster_parts", plan_then_truncate)
    with pytest.raises(RosterFileError, match="changed"):
        import_roster_file(db, path, clock=clock, workers=2)
    info = roster_info(db)
    assert info is not None and info.version == 1
    assert len(lookup(db, A)) == 2


# --- atomic replace -----------------------------------------------------------------------


def test_failure_in_the_swap_leaves_the_old_roster_in_use(
    db: Database,
    clock: ManualClock,
    tmp_path: Path,
    small_chunks: None,
    monkeypatch: pytest.MonkeyPatch,
):
    import_roster_file(db, first_roster(tmp_path), clock=clock)
    before = roster_info(db)
    keys_before = db.keys.names()

    def broken_meta(*args: object) -> None:
        raise RuntimeError("disk on fire")

    # The old table is already dropped and the staging table renamed when this fails.
    monkeypatch.setattr(roster_module, "_write_meta", broken_meta)
    new = write_csv(tmp_path / "new.csv", [f"{D},低保,,", f"{C},特困,,", f"{B},老年人,,"])
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_roster_file(db, new, clock=clock)

    assert roster_info(db) == before
    assert entry_count(db) == 4
    assert len(lookup(db, A)) == 2 and lookup(db, D) == []
    assert not any(name.startswith("roster_entries_staging") for name in table_names(db))
    assert db.keys.names() == keys_before  # the failed import's key is deleted again


def test_crash_between_the_key_write_and_the_swap_keeps_the_old_roster_and_its_key(
    db: Database, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The new key is stored before the swap; the process dies before the swap commits
    (nothing gets to clean up): the old roster still finds its key, the next import
    deletes the orphan."""
    import_roster_file(db, first_roster(tmp_path), clock=clock)
    (old_key,) = db.keys.names()

    class Killed(BaseException):
        pass

    def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(roster_module, "_swap", killed)
        patch.setattr(roster_module, "_forget_key", lambda *a: None)  # a dead process
        with pytest.raises(Killed):
            import_roster_file(db, write_csv(tmp_path / "n.csv", [f"{D},低保,,"]), clock=clock)
    assert len(db.keys.names()) == 2 and old_key in db.keys.names()  # the orphan
    roster_module._lookup_keys.clear()  # a restarted kiosk
    assert len(lookup(db, A)) == 2 and lookup(db, D) == []

    import_roster_file(db, write_csv(tmp_path / "n.csv", [f"{D},低保,,"]), clock=clock)
    (new_key,) = db.keys.names()
    assert new_key != old_key and len(lookup(db, D)) == 1 and lookup(db, A) == []


def test_failure_while_staging_leaves_the_old_roster_in_use(
    db: Database,
    clock: ManualClock,
    tmp_path: Path,
    small_chunks: None,
    monkeypatch: pytest.MonkeyPatch,
):
    import_roster_file(db, first_roster(tmp_path), clock=clock)
    before = roster_info(db)
    real_insert = roster_module._insert_chunk
    calls = []

    def failing_insert(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:  # the first chunk is committed already
            raise StoreError("database write failed: disk I/O error")
        real_insert(*args, **kwargs)

    monkeypatch.setattr(roster_module, "_insert_chunk", failing_insert)
    new = write_csv(tmp_path / "new.csv", [f"{D},低保,,", f"{C},特困,,", f"{B},老年人,,"])
    with pytest.raises(StoreError):
        import_roster_file(db, new, clock=clock)

    assert roster_info(db) == before
    assert len(lookup(db, A)) == 2 and lookup(db, D) == []
    assert not any(name.startswith("roster_entries_staging") for name in table_names(db))


def test_entries_that_fail_midway_change_nothing(db: Database, clock: ManualClock):
    replace_roster(
        db,
        [(keyed_hash(SERVER_KEY, A), Category.ELDERLY, None, None)],
        key=SERVER_KEY,
        version_label="server-7",
        source="hall",
        clock=clock,
    )

    def entries() -> Iterator[Entry]:
        yield (keyed_hash(SERVER_KEY, B), Category.ELDERLY, None, None)
        raise ConnectionError("hall server went away")

    with pytest.raises(ConnectionError):
        replace_roster(
            db, entries(), key=SERVER_KEY, version_label="server-8", source="hall", clock=clock
        )
    info = roster_info(db)
    assert info is not None and info.label == "server-7"
    assert lookup(db, A) != [] and lookup(db, B) == []


def test_leftover_staging_tables_are_dropped_by_the_next_import(
    db: Database, clock: ManualClock, tmp_path: Path
):
    leftover = roster_module._create_staging(db)  # as if a previous import had crashed
    assert leftover in table_names(db)
    import_roster_file(db, first_roster(tmp_path), clock=clock)
    assert not any(name.startswith("roster_entries_staging") for name in table_names(db))
    assert len(lookup(db, A)) == 2


def test_other_writers_get_the_lock_between_staging_chunks(
    db: Database,
    clock: ManualClock,
    tmp_path: Path,
    small_chunks: None,
    monkeypatch: pytest.MonkeyPatch,
):
    """The import never holds the write lock across chunks: a writer that will not wait
    at all (busy timeout 0) gets in after every chunk."""
    other = Database(db.path, busy_timeout_s=0.0)
    real_insert = roster_module._insert_chunk
    writes = []

    def insert_then_let_a_ticket_in(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_insert(*args, **kwargs)
        with other.write() as session:
            session.connection().exec_driver_sql("CREATE TABLE IF NOT EXISTS probe (x)")
            session.connection().exec_driver_sql("INSERT INTO probe VALUES (1)")
        writes.append(1)

    monkeypatch.setattr(roster_module, "_insert_chunk", insert_then_let_a_ticket_in)
    try:
        path = write_csv(tmp_path / "r.csv", [f"{n},老年人,," for n in (A, B, C, D)])
        assert import_roster_file(db, path, clock=clock).replaced
    finally:
        other.close()
    assert len(writes) == 2


def test_a_second_import_starting_meanwhile_makes_the_first_fail_cleanly(
    db: Database,
    clock: ManualClock,
    tmp_path: Path,
    small_chunks: None,
    monkeypatch: pytest.MonkeyPatch,
):
    import_roster_file(db, first_roster(tmp_path), clock=clock)
    real_insert = roster_module._insert_chunk
    calls = []

    def insert_and_be_overtaken(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_insert(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            roster_module._create_staging(db)  # what another import does first

    monkeypatch.setattr(roster_module, "_insert_chunk", insert_and_be_overtaken)
    path = write_csv(tmp_path / "r.csv", [f"{n},老年人,," for n in (A, B, C, D)])
    with pytest.raises(StoreError):  # its staging table is gone
        import_roster_file(db, path, clock=clock)
    info = roster_info(db)
    assert info is not None and info.version == 1
    assert len(lookup(db, A)) == 2


def test_a_delta_landing_during_a_replace_makes_the_replace_fail(
    db: Database, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import_roster_file(db, first_roster(tmp_path), clock=clock)
    real_count = roster_module._count_staged

    def count_while_a_delta_lands(*args, **kwargs):  # type: ignore[no-untyped-def]
        apply_roster_delta(db, [], [], version_label="delta", clock=clock)
        return real_count(*args, **kwargs)

    monkeypatch.setattr(roster_module, "_count_staged", count_while_a_delta_lands)
    with pytest.raises(RosterChangedError):
        import_roster_file(db, write_csv(tmp_path / "r.csv", [f"{D},低保,,"]), clock=clock)
    info = roster_info(db)
    assert info is not None and (info.version, info.label) == (2, "delta")
    assert lookup(db, D) == [] and len(lookup(db, A)) == 2
    assert not any(name.startswith("roster_entries_staging") for name in table_names(db))


# --- server: whole roster and deltas ------------------------------------------------------


def server_roster(db: Database, clock: ManualClock) -> None:
    replace_roster(
        db,
        [
            (keyed_hash(SERVER_KEY, A), Category.SUBSISTENCE, None, date(2026, 12, 31)),
            (keyed_hash(SERVER_KEY, A), Category.ELDERLY, None, None),
            (keyed_hash(SERVER_KEY, B), Category.DISABLED, date(2020, 1, 1), None),
        ],
        key=SERVER_KEY,
        version_label="hall-2026-03-01",
        source="hall:https://hall.example/sync",
        clock=clock,
    )


def test_replace_roster_with_prehashed_entries(db: Database, clock: ManualClock):
    server_roster(db, clock)
    info = roster_info(db)
    assert info is not None
    assert (info.version, info.label, info.entries) == (1, "hall-2026-03-01", 3)
    assert lookup(db, B) == [RosterMatch(Category.DISABLED, date(2020, 1, 1), None)]
    assert len(lookup(db, A)) == 2


def test_replace_roster_may_install_an_empty_roster(db: Database, clock: ManualClock):
    server_roster(db, clock)
    info = replace_roster(
        db, [], key=SERVER_KEY, version_label="nobody", source="hall", clock=clock
    )
    assert (info.version, info.entries) == (2, 0)
    assert lookup(db, A) == []


def test_replace_roster_refuses_bad_hashes_and_keys(db: Database, clock: ManualClock):
    server_roster(db, clock)
    with pytest.raises(RosterStoreError, match="32-byte"):
        replace_roster(
            db,
            [(b"short", Category.ELDERLY, None, None)],
            key=SERVER_KEY,
            version_label="x",
            source="hall",
            clock=clock,
        )
    with pytest.raises(RosterStoreError, match="key"):
        replace_roster(db, [], key=b"", version_label="x", source="hall", clock=clock)
    info = roster_info(db)
    assert info is not None and info.label == "hall-2026-03-01"


def test_delta_upserts_and_deletes_in_one_step(db: Database, clock: ManualClock):
    server_roster(db, clock)
    clock.advance(hours=1)
    info = apply_roster_delta(
        db,
        upserts=[
            (keyed_hash(SERVER_KEY, C), Category.EXTREME_POVERTY, None, None),  # new
            (keyed_hash(SERVER_KEY, A), Category.SUBSISTENCE, None, date(2027, 6, 30)),  # update
        ],
        deletes=[
            (keyed_hash(SERVER_KEY, A), Category.ELDERLY),  # one category
            (keyed_hash(SERVER_KEY, B), None),  # the whole person
            (keyed_hash(SERVER_KEY, D), None),  # not there: no error
        ],
        version_label="hall-2026-03-02",
        clock=clock,
        base_label="hall-2026-03-01",
    )
    assert (info.version, info.label, info.entries) == (2, "hall-2026-03-02", 2)
    assert info.imported_at == clock.now()
    assert entry_count(db) == 2
    assert lookup(db, A) == [RosterMatch(Category.SUBSISTENCE, None, date(2027, 6, 30))]
    assert lookup(db, B) == []
    assert lookup(db, C) == [RosterMatch(Category.EXTREME_POVERTY, None, None)]
    with sqlite3.connect(db.path) as conn:
        versions = dict(conn.execute("SELECT category, version FROM roster_entries"))
    assert versions == {"subsistence": 2, "extreme_poverty": 2}


def connection_settings(db: Database) -> tuple[int, int]:
    with db.read() as session:
        connection = session.connection()
        return (
            connection.exec_driver_sql("PRAGMA cache_size").scalar_one(),
            connection.exec_driver_sql("PRAGMA secure_delete").scalar_one(),
        )


def test_replacing_and_deltas_leave_pooled_connections_as_they_were(
    db: Database, clock: ManualClock, tmp_path: Path
):
    before = connection_settings(db)
    server_roster(db, clock)
    import_roster_file(db, first_roster(tmp_path), clock=clock)  # drops the server's table
    upsert = [(keyed_hash(SERVER_KEY, C), Category.ELDERLY, None, None)]
    apply_roster_delta(db, upsert, [], version_label="d1", clock=clock)
    assert connection_settings(db) == before


def test_delta_on_the_wrong_base_or_without_a_roster_is_refused(db: Database, clock: ManualClock):
    upsert = [(keyed_hash(SERVER_KEY, C), Category.ELDERLY, None, None)]
    with pytest.raises(RosterStoreError, match="no roster"):
        apply_roster_delta(db, upsert, [], version_label="d1", clock=clock)
    server_roster(db, clock)
    with pytest.raises(RosterChangedError):
        apply_roster_delta(
            db, upsert, [], version_label="d1", clock=clock, base_label="hall-2026-02-01"
        )
    assert lookup(db, C) == []


# --- privacy ------------------------------------------------------------------------------


def _encodings_of(number: str) -> list[bytes]:
    return [number.encode(e) for e in ("ascii", "utf-16-le", "utf-16-be")]


def test_no_plain_number_in_the_database_its_wal_or_the_log(
    db: Database, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    old, new = legacy_pair()
    wrong = f"{D[:17]}{'0' if D[17] != '0' else '1'}"
    good = write_csv(tmp_path / "good.csv", [f"{A},低保,,", f"{B},特困,,", f"{old},老年人,,"])
    bad = write_csv(tmp_path / "bad.csv", [f"{C},低保,,", f"{wrong},低保,,", f"低保,{B},,"])

    import_roster_file(db, good, clock=clock)
    report = import_roster_file(db, bad, clock=clock)
    import_roster_file(db, bad, clock=clock, dry_run=True)
    for number in (A, B, C, D, old, new):
        lookup(db, number)

    assert not report.replaced and report.error_count == 2
    files = [db.path, *db.path.parent.glob(db.path.name + "-*")]
    assert any(f.name.endswith("-wal") and f.stat().st_size > 0 for f in files)
    contents = b"".join(f.read_bytes() for f in files)
    log_text = caplog.text + "".join(str(e) for e in report.errors)
    for number in (A, B, C, old, new, wrong):
        for encoded in _encodings_of(number):
            assert encoded not in contents, number
        assert number not in log_text
        assert number[:14] not in log_text  # not even region + birth date
        assert number[-4:] + "\n" not in caplog.text and number[:4] + "*" not in caplog.text
