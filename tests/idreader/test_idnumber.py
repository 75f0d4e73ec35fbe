"""GB 11643 validation, legacy upgrade and masking. All numbers are synthetic."""

from __future__ import annotations

from datetime import date

import pytest

from idreader.enums import Sex
from idreader.errors import CardReaderError, InvalidIdNumber
from idreader.idnumber import (
    birth_date_of,
    check_character,
    is_valid_id_number,
    mask_id_number,
    mask_name,
    sex_of,
    upgrade_legacy,
    validate_id_number,
)
from idreader.testing import make_id_number

TODAY = date(2025, 6, 1)
# The worked examples of GB 11643-1999 (annex): 1949-12-31 in 110105, 1880-01-01 in 440524.
STANDARD_EXAMPLE = "11010519491231002X"
STANDARD_EXAMPLE_2 = "440524188001010014"


def test_check_character_of_the_standards_examples() -> None:
    assert check_character(STANDARD_EXAMPLE[:17]) == "X"
    assert check_character(STANDARD_EXAMPLE_2[:17]) == "4"
    assert validate_id_number(STANDARD_EXAMPLE_2, TODAY) == STANDARD_EXAMPLE_2


def test_check_character_all_eleven_values_occur() -> None:
    seen = {check_character(f"11000019500101{n:03d}") for n in range(200)}
    assert seen == set("0123456789X")


def test_valid_number_is_normalised() -> None:
    assert validate_id_number(" 11010519491231002x\n", TODAY) == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "18 characters"),
        ("1101021949123100", "18 characters"),
        ("11010219491231002XX", "18 characters"),
        ("1101021949123100X2", "17 digits"),
        ("11010219491231002Y", "17 digits"),
        ("１１０１０２１９４９１２３１００２Ｘ", "17 digits"),  # full-width digits
        ("١١٠١٠٢١٩٤٩١٢٣١٠٠٢X", "17 digits"),  # Arabic-Indic digits are not \d here
        ("99010219491231002X", "province"),
        ("00010219491231002X", "province"),
        ("110102194902300021", "not a real date"),
        ("110102203001010021", "future"),
        ("110102187901010021", "before 1880"),
        ("110102194912310021", "check character"),
    ],
)
def test_invalid_numbers_give_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber, match=reason) as info:
        validate_id_number(text, TODAY)
    # typed: both our base error and ValueError; and the message never repeats the number
    assert isinstance(info.value, CardReaderError) and isinstance(info.value, ValueError)
    if len(text) > 8:
        assert text not in str(info.value)


def test_future_is_relative_to_today() -> None:
    born_tomorrow = make_id_number(date(2025, 6, 2))
    with pytest.raises(InvalidIdNumber, match="future"):
        validate_id_number(born_tomorrow, TODAY)
    assert validate_id_number(born_tomorrow, date(2025, 6, 2)) == born_tomorrow


def test_permit_and_foreigner_2023_region_shapes_are_accepted() -> None:
    for region in ("810000", "820000", "830000", "911999"):
        number = make_id_number(date(1960, 1, 1), region=region)
        assert validate_id_number(number, TODAY) == number
    with pytest.raises(InvalidIdNumber, match="province"):
        validate_id_number(make_id_number(date(1960, 1, 1), region="999999"), TODAY)


def test_legacy_15_digit_upgrade() -> None:
    legacy = "110105491231002"  # the standard's example in its 15-digit form
    assert upgrade_legacy(legacy) == STANDARD_EXAMPLE
    assert validate_id_number(legacy, TODAY) == STANDARD_EXAMPLE
    with pytest.raises(InvalidIdNumber, match="18"):
        validate_id_number(legacy, TODAY, allow_legacy=False)


@pytest.mark.parametrize(
    "text", ["11010249123100X", "1101024912310", "990102491231002", "110102491331002"]
)
def test_bad_legacy_numbers(text: str) -> None:
    with pytest.raises(InvalidIdNumber):
        upgrade_legacy(text)


def test_birth_date_and_sex() -> None:
    assert birth_date_of(STANDARD_EXAMPLE) == date(1949, 12, 31)
    assert birth_date_of("110102491231002") == date(1949, 12, 31)
    assert sex_of(STANDARD_EXAMPLE) is Sex.FEMALE  # sequence 002: even
    assert sex_of(make_id_number(date(1950, 1, 1), Sex.MALE)) is Sex.MALE
    with pytest.raises(InvalidIdNumber):
        birth_date_of("12345")


def test_is_valid_id_number() -> None:
    assert is_valid_id_number(STANDARD_EXAMPLE, TODAY)
    assert not is_valid_id_number(STANDARD_EXAMPLE[:-1] + "1", TODAY)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("370102195003011238", "3701**********1238"),
        ("11010519491231002X", "1101**********002X"),
        ("110102491231002", "1101*******1002"),
        ("123456789", "1234*6789"),
        ("12345678", "********"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_id_number(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧***"),
        ("张", "*"),
        ("SPECIMEN TEST", "S*"),
        ("  李四 ", "李*"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked
