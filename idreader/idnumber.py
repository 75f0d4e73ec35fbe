"""Citizen ID numbers (GB 11643-1999): validation, legacy upgrade, masking.

Pure functions with no I/O, shared by the kiosk, the card parser and (later) the hall
server. Error messages never contain the number itself: they end up in logs.
"""

from __future__ import annotations

import operator
import re
from datetime import date

from idreader.enums import Sex
from idreader.errors import InvalidIdNumber

__all__ = [
    "EARLIEST_BIRTH_DATE",
    "birth_date_of",
    "check_character",
    "is_valid_id_number",
    "mask_id_number",
    "mask_name",
    "sex_of",
    "upgrade_legacy",
    "validate_id_number",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ASCII_ZERO_WEIGHT = ord("0") * sum(_WEIGHTS)

#: Province-level codes (first two digits of the region code). 81/82/83 are the codes used
#: by residence permits for Hong Kong, Macau and Taiwan residents.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83",
    }
)  # fmt: skip

#: Nobody alive was born before this; older birth dates mean a corrupt or mistyped number.
EARLIEST_BIRTH_DATE = date(1880, 1, 1)

_RE_18 = re.compile(r"[0-9]{17}[0-9X]")
_RE_15 = re.compile(r"[0-9]{15}")


def check_character(first17: str) -> str:
    """The GB 11643 check character ('0'-'9' or 'X') for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise InvalidIdNumber("the check character needs exactly 17 digits")
    # On the ASCII codes: each digit is its code minus 48 (3x faster than int() per digit,
    # which matters when a million-row roster is checked).
    total = sum(map(operator.mul, first17.encode("ascii"), _WEIGHTS)) - _ASCII_ZERO_WEIGHT
    return _CHECK_CHARS[total % 11]


def _normalise(text: str) -> str:
    if not isinstance(text, str):
        raise InvalidIdNumber(f"an ID number must be text, not {type(text).__name__}")
    return text.strip().upper()


def _check_region(region: str) -> None:
    # Foreigner's permanent residence card (2023): 9 + province + nationality code.
    province = region[1:3] if region[0] == "9" else region[:2]
    if province not in PROVINCE_CODES:
        raise InvalidIdNumber("the region code does not start with a known province code")


def _check_birth(yyyymmdd: str, today: date) -> date:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise InvalidIdNumber("the birth date in the number is not a real date") from None
    if born > today:
        raise InvalidIdNumber("the birth date in the number is in the future")
    if born < EARLIEST_BIRTH_DATE:
        raise InvalidIdNumber(
            f"the birth date in the number is before {EARLIEST_BIRTH_DATE.isoformat()}"
        )
    return born


def upgrade_legacy(number15: str, today: date | None = None) -> str:
    """Upgrade a first-generation 15-digit number to its 18-character form.

    ``19`` goes in front of the two-digit birth year and the check character is appended.
    The result is validated like any 18-character number.
    """
    number = _normalise(number15)
    if not _RE_15.fullmatch(number):
        raise InvalidIdNumber(
            f"a legacy ID number is 15 digits, got {len(number)} characters"
            + ("" if number.isascii() and number.isdigit() else " that are not all digits")
        )
    first17 = number[:6] + "19" + number[6:]
    return validate_id_number(first17 + check_character(first17), today, allow_legacy=False)


def validate_id_number(text: str, today: date | None = None, *, allow_legacy: bool = True) -> str:
    """Validate an ID number and return it normalised (18 characters, upper-case X).

    Checks the shape (17 digits and a digit or X), the region code's province, a real
    birth date not in the future, and the check character. A 15-digit legacy number is
    upgraded first unless ``allow_legacy`` is False. Surrounding whitespace and a lower-case
    ``x`` are accepted. Raises :class:`InvalidIdNumber` with the reason.
    """
    number = _normalise(text)
    if today is None:
        today = date.today()
    if len(number) == 15 and allow_legacy:
        return upgrade_legacy(number, today)
    if len(number) != 18:
        expected = "18 characters (or 15 digits for a legacy number)" if allow_legacy else "18"
        raise InvalidIdNumber(f"an ID number has {expected}, got {len(number)} characters")
    if not _RE_18.fullmatch(number):
        raise InvalidIdNumber(
            "an ID number is 17 digits followed by a digit or X; this one has other characters"
        )
    _check_region(number[:6])
    _check_birth(number[6:14], today)
    expected_check = check_character(number[:17])
    if number[17] != expected_check:
        raise InvalidIdNumber(
            "the check character does not match the other digits (mistyped or misread number)"
        )
    return number


def is_valid_id_number(text: str, today: date | None = None) -> bool:
    """True if :func:`validate_id_number` accepts ``text``."""
    try:
        validate_id_number(text, today)
    except InvalidIdNumber:
        return False
    return True


def _digits18(number: str) -> str:
    number = _normalise(number)
    if _RE_15.fullmatch(number):
        return number[:6] + "19" + number[6:] + "0"  # the check char is not used here
    if len(number) == 18 and _RE_18.fullmatch(number):
        return number
    raise InvalidIdNumber(f"not an ID number shape ({len(number)} characters)")


def birth_date_of(number: str) -> date:
    """The birth date encoded in an 18- or 15-character number (shape is checked, not the
    check character)."""
    digits = _digits18(number)
    try:
        return date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        raise InvalidIdNumber("the birth date in the number is not a real date") from None


def sex_of(number: str) -> Sex:
    """Sex from the sequence number's last digit (odd = male, even = female)."""
    digits = _digits18(number)
    return Sex.MALE if int(digits[16]) % 2 == 1 else Sex.FEMALE


def mask_id_number(number: str) -> str:
    """Show the first 4 and the last 4 characters, mask the rest: ``3701**********123X``.

    Anything of 8 characters or fewer is masked completely (showing 4 + 4 would show it
    all). Whitespace around the number is dropped first.
    """
    text = "" if number is None else str(number).strip()
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_name(name: str) -> str:
    """Keep the first character of a name and mask the rest: ``张*``, ``欧***``.

    Latin-script names (e.g. foreigners' English names) become the first letter and a
    single ``*`` so that the length does not leak either. A one-character name is masked
    completely (keeping its first character would show all of it).
    """
    text = "" if name is None else str(name).strip()
    if not text:
        return ""
    first = text[0]
    if len(text) == 1:
        return "*"
    if first.isascii():
        return first + "*"
    return first + "*" * (len(text) - 1)
