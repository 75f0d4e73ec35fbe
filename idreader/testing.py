"""Synthetic cards for tests, demos and the simulator. No real person's data.

Numbers are built on province-level region codes (``110000``, ``370000`` ...), which are
never a person's county of registration, with a correct GB 11643 check character, so they
pass validation. Names (``测试甲``), addresses and authorities are plainly made up; the
foreigners' cards use ICAO's specimen nationality ``UTO``. A synthetic number can still
coincide with somebody's real number by chance, but it carries none of their data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from idreader.card import IdentityCard
from idreader.enums import CardType, Sex
from idreader.idnumber import check_character

__all__ = ["DEFAULT_BIRTH_DATE", "make_card", "make_id_number", "validity_for"]

DEFAULT_BIRTH_DATE = date(1950, 3, 1)
SYNTHETIC_REGIONS = ("110000", "120000", "310000", "370000", "440000", "510000", "650000")
_PERMIT_REGIONS = {"hk": "810000", "mo": "820000", "tw": "830000"}
_NAME_SUFFIXES = "甲乙丙丁戊己庚辛壬癸"


def make_id_number(
    birth_date: date,
    sex: Sex = Sex.FEMALE,
    *,
    region: str = "110000",
    sequence: int = 0,
) -> str:
    """An 18-character number with the right check character.

    ``sequence`` (0..99) picks the first two digits of the sequence number; the third is
    chosen for ``sex`` (odd = male, even = female).
    """
    if len(region) != 6 or not region.isdigit():
        raise ValueError("region must be 6 digits")
    if not 0 <= sequence <= 99:
        raise ValueError("sequence must be 0..99")
    last = 1 if sex is Sex.MALE else 2
    first17 = f"{region}{birth_date:%Y%m%d}{sequence:02d}{last}"
    return first17 + check_character(first17)


def validity_for(birth_date: date, valid_from: date) -> date | None:
    """Resident ID validity by age at issue: <16: 5 y, 16-25: 10 y, 26-45: 20 y, 46+: 长期."""
    age = valid_from.year - birth_date.year
    if (valid_from.month, valid_from.day) < (birth_date.month, birth_date.day):
        age -= 1
    if age >= 46:
        return None
    years = 5 if age < 16 else 10 if age < 26 else 20
    try:
        return valid_from.replace(year=valid_from.year + years)
    except ValueError:  # 29 February
        return valid_from.replace(year=valid_from.year + years, day=28)


def make_card(
    *,
    birth_date: date = DEFAULT_BIRTH_DATE,
    name: str | None = None,
    sex: Sex | None = None,
    card_type: CardType = CardType.RESIDENT_ID,
    id_number: str | None = None,
    region: str | None = None,
    nation: str | None = None,
    address: str | None = None,
    authority: str | None = None,
    valid_from: date | None = None,
    valid_to: date | str | None = "auto",
    photo: bytes | None = None,
    seed: int = 0,
) -> IdentityCard:
    """A synthetic card of any type; everything not given is derived from ``seed``.

    ``valid_to="auto"`` applies the resident-card age rule (so the elderly get 长期,
    ``None``); pass a date or ``None`` to choose. ``photo`` defaults to 1024 pseudo-random
    bytes (an opaque stand-in for WLT data).
    """
    rng = random.Random(seed)
    if sex is None:
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
    sequence = rng.randrange(100)
    if valid_from is None:
        valid_from = max(birth_date + timedelta(days=30), date(2021, 6, 1))
    if valid_to == "auto":
        valid_to = validity_for(birth_date, valid_from)
    elif isinstance(valid_to, str):
        raise ValueError("valid_to must be a date, None (长期) or 'auto'")
    if photo is None:
        photo = rng.randbytes(1024)
    suffix = _NAME_SUFFIXES[seed % len(_NAME_SUFFIXES)]

    if card_type is CardType.FOREIGN_PERMANENT_2017:
        if id_number is None:
            first = f"{11:02d}{birth_date:%y%m%d}{sequence:02d}{1 if sex is Sex.MALE else 2}"
            id_number = "UTO" + first + str(sum(map(int, first)) % 10)
        return IdentityCard(
            name=name or f"SPECIMEN TEST {chr(ord('A') + seed % 26)}",
            sex=sex,
            nation=nation if nation is not None else "UTO",
            birth_date=birth_date,
            address="",
            id_number=id_number,
            authority="",
            valid_from=valid_from,
            valid_to=valid_to,
            card_type=card_type,
            photo=photo,
        )

    if region is None:
        if card_type is CardType.HMT_RESIDENCE_PERMIT:
            region = rng.choice(tuple(_PERMIT_REGIONS.values()))
        elif card_type is CardType.FOREIGN_PERMANENT_2023:
            region = "911999"
        else:
            region = rng.choice(SYNTHETIC_REGIONS)
    if id_number is None:
        id_number = make_id_number(birth_date, sex, region=region, sequence=sequence)
    foreign = card_type is CardType.FOREIGN_PERMANENT_2023
    return IdentityCard(
        name=name or f"测试{suffix}",
        sex=sex,
        nation=nation if nation is not None else ("" if foreign else "01"),
        birth_date=birth_date,
        address=address
        if address is not None
        else ("" if foreign else f"示例省测试市样例路{sequence + 1}号"),
        id_number=id_number,
        authority=authority if authority is not None else ("" if foreign else "测试市公安局"),
        valid_from=valid_from,
        valid_to=valid_to,
        card_type=card_type,
        photo=photo,
    )
