"""The roster CSV format and the keyed hash (roster.format), with synthetic numbers only."""

from __future__ import annotations

import hmac
import os
import sys
from datetime import date
from pathlib import Path

import pytest

import roster.format as roster_format
from idreader.errors import InvalidIdNumber
from idreader.idnumber import check_character
from idreader.testing import make_id_number
from kiosk.domain.eligibility import Category
from roster.format import (
    HashedEntry,
    HashedPart,
    RosterFileError,
    RosterRow,
    RowError,
    hash_roster_file,
    keyed_hash,
    make_hasher,
    plan_roster_parts,
    read_roster_csv,
    read_roster_part,
)

TODAY = date(2026, 3, 2)
KEY = bytes(range(32))
A = make_id_number(date(1950, 3, 1), region="110000", sequence=1)
B = make_id_number(date(1961, 7, 15), region="370000", sequence=2)
C = make_id_number(date(1948, 12, 31), region="440000", sequence=3)


def legacy_pair() -> tuple[str, str]:
    """A 15-digit number and its 18-character form (born 19xx)."""
    first17 = "110000" + "19520604" + "123"
    return "110000520604123", first17 + check_character(first17)


def bad_check(number: str) -> str:
    wrong = "0" if number[17] != "0" else "1"
    return number[:17] + wrong


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    return path


def read(path: Path) -> list[RosterRow | RowError]:
    return list(read_roster_csv(path, today=TODAY))


# --- keyed hash ---------------------------------------------------------------------------


def test_keyed_hash_is_hmac_sha256_of_the_normalised_number():
    digest = keyed_hash(KEY, A)
    assert len(digest) == 32
    assert digest == hmac.digest(KEY, A.encode("utf-8"), "sha256")
    assert keyed_hash(bytes(32), A) != digest


def test_every_form_of_one_number_hashes_alike():
    x_number = next(
        n
        for s in range(100)
        if (n := make_id_number(date(1955, 1, 1), region="310000", sequence=s))[17] == "X"
    )
    assert keyed_hash(KEY, f"  {x_number.lower()} ") == keyed_hash(KEY, x_number)
    old, new = legacy_pair()
    assert keyed_hash(KEY, old) == keyed_hash(KEY, new)


def test_keyed_hash_refuses_what_is_not_an_id_number():
    with pytest.raises(InvalidIdNumber):
        keyed_hash(KEY, bad_check(A))
    with pytest.raises(InvalidIdNumber):
        keyed_hash(KEY, "UTO110501011")


@pytest.mark.parametrize("key", [KEY, b"k" * 16, b"long key " * 20])
def test_fast_hasher_matches_keyed_hash(key: bytes):
    hasher = make_hasher(key)
    for number in (A, B, C, legacy_pair()[1]):
        assert hasher(number) == keyed_hash(key, number)


# --- reading files ------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_headers_and_categories_in_every_encoding(tmp_path: Path, encoding: str):
    path = write(
        tmp_path / "名单.csv",
        [
            "身份证号,姓名,类别,有效期起,有效期至",
            f"{A},测试甲,低保,2024-01-01,2026-12-31",
            f"{B},测试乙,特困,,",
            f"{C},测试丙,低保边缘,20250101,长期",
            f"{A},测试甲,老年人,,2030/1/5",
            f"{B},测试乙,残疾人,,",
        ],
        encoding,
    )
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # so detection really had to fall back
    rows = read(path)
    assert rows == [
        RosterRow(2, A, Category.SUBSISTENCE, date(2024, 1, 1), date(2026, 12, 31)),
        RosterRow(3, B, Category.EXTREME_POVERTY, None, None),
        RosterRow(4, C, Category.NEAR_SUBSISTENCE, date(2025, 1, 1), None),
        RosterRow(5, A, Category.ELDERLY, None, date(2030, 1, 5)),
        RosterRow(6, B, Category.DISABLED, None, None),
    ]


def test_english_header_codes_and_optional_valid_from(tmp_path: Path):
    path = write(
        tmp_path / "r.csv",
        ["category,valid_to,id_number", f"Elderly,2027-01-31,{A}", f"subsistence,,{B}"],
    )
    assert read(path) == [
        RosterRow(2, A, Category.ELDERLY, None, date(2027, 1, 31)),
        RosterRow(3, B, Category.SUBSISTENCE, None, None),
    ]


def test_invalid_rows_are_reported_with_their_line_numbers(tmp_path: Path):
    old, new = legacy_pair()
    path = write(
        tmp_path / "r.csv",
        [
            "id_number,category,valid_from,valid_to",
            f"{A},低保,,2026-12-31",  # 2 ok
            f"{bad_check(B)},低保,,",  # 3 bad check character
            f"{C},低保户,,",  # 4 unknown category
            "",  # 5 blank: skipped, but it still counts as a line
            f"{A},特困,,2026-13-01",  # 6 bad date
            f"{old},elderly,,",  # 7 legacy 15-digit: accepted, upgraded
            f"{B},elderly,2027-01-01,2026-01-01",  # 8 ends before it starts
            f"{C},elderly",  # 9 too few columns
            ",elderly,,",  # 10 no number
            f"{bad_check(C)},nobody,,tomorrow",  # 11 three problems in one line
        ],
    )
    rows = read(path)
    valid = [r for r in rows if isinstance(r, RosterRow)]
    errors = {r.line: r.message for r in rows if isinstance(r, RowError)}
    assert [(r.line, r.id_number) for r in valid] == [(2, A), (7, new)]
    assert sorted(errors) == [3, 4, 6, 8, 9, 10, 11]
    assert "check character" in errors[3]
    assert "unknown category '低保户'" in errors[4]
    assert "2026-13-01" in errors[6] and "valid_to" in errors[6]
    assert "before" in errors[8]
    assert "columns" in errors[9]
    assert "missing" in errors[10]
    assert all(part in errors[11] for part in ("check character", "nobody", "tomorrow"))


def test_row_errors_show_numbers_masked_never_plain(tmp_path: Path):
    wrong = bad_check(A)
    path = write(
        tmp_path / "r.csv",
        [
            "id_number,category,valid_to",
            f"{wrong},低保,",
            f"低保,{B},",  # columns swapped: the number lands in the category cell
            f"{C},低保,{C}",  # and in the date cell
        ],
    )
    errors = [r for r in read(path) if isinstance(r, RowError)]
    assert len(errors) == 3
    assert f"{wrong[:4]}**********{wrong[-4:]}" in errors[0].message
    for error in errors:
        for number in (wrong, B, C):
            assert number not in str(error) and number[:12] not in str(error)
    assert all(number not in repr(row) for row in read(path) for number in (A, B, C))


def test_roster_row_repr_masks_the_number():
    row = RosterRow(2, A, Category.ELDERLY, None, None)
    assert A not in repr(row) and A[:4] in repr(row)


def test_spreadsheet_text_guards_are_removed(tmp_path: Path):
    path = write(tmp_path / "r.csv", ["身份证号,类别,有效期至", f"'{A},低保,", f'="{B}",低保,'])
    assert [r.id_number for r in read(path) if isinstance(r, RosterRow)] == [A, B]


def test_missing_header_is_a_whole_file_error_naming_the_columns(tmp_path: Path):
    path = write(tmp_path / "r.csv", ["number,kind,until", f"{A},低保,"])
    with pytest.raises(RosterFileError) as e:
        read(path)
    message = str(e.value)
    assert "id_number" in message and "身份证号" in message
    assert "missing id_number, category, valid_to" in message


def test_a_file_without_header_does_not_echo_the_number(tmp_path: Path):
    path = write(tmp_path / "r.csv", [f"{A},低保,2026-12-31", f"{B},低保,"])
    with pytest.raises(RosterFileError) as e:
        read(path)
    assert A not in str(e.value) and A[:8] not in str(e.value)
    assert "looks like data" in str(e.value)


def test_a_column_named_twice_is_refused(tmp_path: Path):
    path = write(tmp_path / "r.csv", ["id_number,身份证号,category,valid_to", f"{A},{A},低保,"])
    with pytest.raises(RosterFileError, match="twice"):
        read(path)


def test_empty_missing_and_undecodable_files(tmp_path: Path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\n\n")
    with pytest.raises(RosterFileError, match="empty"):
        read(empty)
    with pytest.raises(RosterFileError, match="cannot open"):
        read(tmp_path / "missing.csv")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"id_number,category,valid_to\n\xff\xfe\xff,\x80\x80,\n")
    with pytest.raises(RosterFileError, match="neither UTF-8 nor GB18030"):
        read(garbage)


def test_quoted_fields_and_crlf_line_endings(tmp_path: Path):
    path = tmp_path / "r.csv"
    path.write_bytes(
        f'"id_number","category","valid_to"\r\n"{A}","低保","2026-12-31"\r\n{B},"特困",\r\n'.encode()
    )
    assert read(path) == [
        RosterRow(2, A, Category.SUBSISTENCE, None, date(2026, 12, 31)),
        RosterRow(3, B, Category.EXTREME_POVERTY, None, None),
    ]


def test_birth_dates_are_checked_against_the_given_day(tmp_path: Path):
    young = make_id_number(date(2026, 3, 1))
    path = write(tmp_path / "r.csv", ["id_number,category,valid_to", f"{young},低保,"])
    assert isinstance(next(read_roster_csv(path, today=date(2026, 3, 2))), RosterRow)
    assert isinstance(next(read_roster_csv(path, today=date(2026, 2, 1))), RowError)


# --- reading in parts ---------------------------------------------------------------------


def _messy_roster(tmp_path: Path, encoding: str, newline: str) -> Path:
    old, _ = legacy_pair()
    lines = ["", "身份证号,姓名,类别,有效期起,有效期至"]  # a blank line before the header
    for i in range(40):
        number = make_id_number(date(1940 + i, 1 + i % 12, 1 + i % 28), sequence=i)
        lines.append(f"{number},测试{i},{'低保' if i % 2 else 'elderly'},,2027-01-{1 + i % 28:02d}")
        if i % 9 == 0:
            lines.append("")  # blank lines inside
        if i % 13 == 0:
            lines.append(f"{bad_check(number)},测试,特困,,")
    lines.append(f"{old},测试,老年人,,")
    path = tmp_path / f"messy-{encoding}.csv"
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    return path


@pytest.mark.parametrize(
    ("encoding", "newline"),
    [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("gb18030", "\n"), ("gb18030", "\r\n")],
)
def test_reading_in_parts_gives_exactly_what_reading_whole_gives(
    tmp_path: Path, encoding: str, newline: str
):
    path = _messy_roster(tmp_path, encoding, newline)
    layout = plan_roster_parts(path, part_bytes=100)
    assert layout is not None and len(layout.parts) > 10
    assert layout.parts[-1].end == path.stat().st_size
    in_parts = [
        item for part in layout.parts for item in read_roster_part(path, layout, part, today=TODAY)
    ]
    assert in_parts == read(path)
    assert sum(isinstance(item, RowError) for item in in_parts) == 4


def test_files_with_quotes_or_bare_cr_are_not_cut(tmp_path: Path):
    quoted = write(tmp_path / "q.csv", ["id_number,category,valid_to", f'"{A}",低保,'])
    assert plan_roster_parts(quoted, part_bytes=10) is None
    bare_cr = tmp_path / "cr.csv"
    bare_cr.write_bytes(f"id_number,category,valid_to\r{A},低保,\r".encode())
    assert plan_roster_parts(bare_cr, part_bytes=10) is None
    assert [r.line for r in read(bare_cr)] == [2]


def test_planning_checks_the_file_like_reading_does(tmp_path: Path):
    with pytest.raises(RosterFileError, match="missing"):
        plan_roster_parts(write(tmp_path / "h.csv", ["number,kind", f"{A},低保"]))
    with pytest.raises(RosterFileError, match="cannot open"):
        plan_roster_parts(tmp_path / "missing.csv")


def test_a_part_of_a_file_that_changed_is_an_error(tmp_path: Path):
    path = _messy_roster(tmp_path, "utf-8", "\n")
    layout = plan_roster_parts(path, part_bytes=100)
    assert layout is not None
    path.write_bytes(path.read_bytes()[: layout.parts[-1].start + 3])
    with pytest.raises(RosterFileError, match="changed"):
        list(read_roster_part(path, layout, layout.parts[-1], today=TODAY))


# --- checking and hashing a whole file ------------------------------------------------------


def _all(parts: list[HashedPart]) -> tuple[int, int, list[RowError], list[HashedEntry]]:
    entries = sorted(e for p in parts for e in p.entries)
    errors = [e for p in parts for e in p.errors]
    return sum(p.valid for p in parts), sum(p.error_count for p in parts), errors, entries


def test_hashing_in_workers_matches_hashing_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    messy = _messy_roster(tmp_path, "gb18030", "\r\n")
    bad_rows = "特困".encode("gb18030")  # the rows with a wrong check character
    clean = tmp_path / "clean.csv"
    clean.write_bytes(b"".join(x for x in messy.read_bytes().splitlines(True) if bad_rows not in x))
    monkeypatch.setattr(roster_format, "PART_BYTES", 100)
    monkeypatch.setattr(roster_format, "PART_ROWS", 7)

    one = list(hash_roster_file(clean, KEY, today=TODAY, workers=1))
    two = list(hash_roster_file(clean, KEY, today=TODAY, workers=2))
    assert len(one) > 1 and len(two) > 1
    assert _all(one) == _all(two)
    valid, error_count, errors, entries = _all(two)
    assert (valid, error_count, errors, len(entries)) == (41, 0, [], 41)
    assert (keyed_hash(KEY, legacy_pair()[0]), "elderly", None, None) in entries
    for part in two:
        assert [e[0] for e in part.entries] == sorted(e[0] for e in part.entries)

    # With errors, parts are cut differently but count and report alike.
    one = list(hash_roster_file(messy, KEY, today=TODAY, workers=1))
    two = list(hash_roster_file(messy, KEY, today=TODAY, workers=2))
    assert _all(one)[:3] == _all(two)[:3] == (41, 4, _all(one)[2])
    assert [e.line for e in _all(two)[2]] == [
        e.line for e in read(messy) if isinstance(e, RowError)
    ]


def test_hashing_a_file_with_errors_or_without_a_key_gives_no_entries(tmp_path: Path):
    path = _messy_roster(tmp_path, "utf-8", "\n")
    valid, error_count, errors, entries = _all(list(hash_roster_file(path, KEY, today=TODAY)))
    assert (valid, error_count, len(errors), entries) == (41, 4, 4, [])
    checked = list(hash_roster_file(path, None, today=TODAY, max_errors=2))
    assert _all(checked)[1:] == (4, [e for e in errors[:2]], [])


def test_a_frozen_application_is_its_own_worker_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Frozen, sys.executable is the kiosk: it is started with --roster-worker, and its
    entry point (kiosk/__main__.py) serves the parts. Here a script stands in for it."""
    messy = _messy_roster(tmp_path, "utf-8", "\n")
    path = tmp_path / "clean.csv"
    path.write_bytes(
        b"".join(
            x for x in messy.read_bytes().splitlines(True) if b"\xe7\x89\xb9\xe5\x9b\xb0" not in x
        )
    )
    frozen_app = tmp_path / "kiosk"
    frozen_app.write_text(f'#!/bin/sh\nexec {sys.executable} -m kiosk "$@"\n')
    frozen_app.chmod(0o755)
    monkeypatch.setenv("PYTHONPATH", str(Path(roster_format.__file__).parent.parent))
    monkeypatch.setattr(roster_format, "PARALLEL_MIN_BYTES", 0)
    one = list(hash_roster_file(path, KEY, today=TODAY, workers=1))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(frozen_app))
    assert roster_format.worker_command() == [str(frozen_app), "--roster-worker"]
    assert roster_format._worker_count(None, path) > 1 or os.cpu_count() == 1
    two = list(hash_roster_file(path, KEY, today=TODAY, workers=2, part_bytes=200))
    assert len(two) > 2
    assert _all(one) == _all(two)
    assert len(_all(two)[3]) == 41
