"""Card values and the 256-byte text block.

:class:`IdentityCard` is what a read produces; :func:`parse_text_block` makes one from the
text block of a read reply and :func:`encode_text_block` is its inverse (the simulator
and the tests build card data with it). :class:`ScannedCode` is what a line-mode device
produces.

The card-type character at bytes 248..249 decides the layout, and each layout is
cross-checked against the shape of its number so that one card type is never taken for
another:

================================  ====  =====================================================
card                              char  number at byte 122
================================  ====  =====================================================
resident ID card                  " "   18 characters, GB 11643, not 81/82/83/9...
HK/Macau/Taiwan residence permit  "J"   18 characters, GB 11643, beginning 81, 82 or 83
foreigner's permanent card 2017   "I"   15 characters, 3 letters + 12 digits
foreigner's permanent card 2023   "Y"   18 characters beginning with 9
================================  ====  =====================================================

The two foreigner layouts are only partly confirmed. For them the number and the birth
date are parsed strictly ("I": birth date at byte 220; "Y": from the number), everything
else is best effort (blank, ``Sex.UNKNOWN`` or ``None`` when it does not parse), so for
these cards ``valid_to is None`` can also mean "not known".

Text is UCS-2 little-endian padded with spaces; the photo is opaque WLT data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from idreader.enums import CardType, Sex
from idreader.errors import CardDataError, InvalidIdNumber, UnrecognisedScan, UnsupportedCardType
from idreader.idnumber import (
    birth_date_of,
    mask_id_number,
    mask_name,
    validate_id_number,
)

__all__ = [
    "NATIONS",
    "NO_EXPIRY",
    "TEXT_BLOCK_SIZE",
    "CardType",
    "IdentityCard",
    "ScannedCode",
    "Sex",
    "encode_text_block",
    "parse_scanned_line",
    "parse_text_block",
]

TEXT_BLOCK_SIZE = 256
#: What the card stores as "valid to" when it never expires.
NO_EXPIRY = "长期"

_NATION_NAMES = (
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜",
    "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳",
    "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
    "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米",
    "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
    "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)  # fmt: skip
#: Nation codes (GB/T 3304) as printed on the card: "01" = 汉 ... "56" = 基诺, 97, 98.
NATIONS: dict[str, str] = {f"{code:02d}": name for code, name in enumerate(_NATION_NAMES, 1)}
NATIONS.update({"97": "其他", "98": "外国血统中国籍人士"})


@dataclass(frozen=True, repr=False)
class IdentityCard:
    """One card as read from the reader. ``repr``/``str`` mask the name, the number and the
    address, so logging a card never leaks who it belongs to."""

    name: str
    sex: Sex
    #: Two-digit nation code for Chinese cards ("01" = Han); for foreigners' cards the
    #: three-letter nationality when known, else "".
    nation: str
    birth_date: date
    address: str
    id_number: str
    authority: str
    valid_from: date | None
    #: ``None`` means 长期 (no expiry).
    valid_to: date | None
    card_type: CardType = CardType.RESIDENT_ID
    photo: bytes = field(default=b"", compare=True)

    @property
    def nation_name(self) -> str:
        return NATIONS.get(self.nation, self.nation)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def is_expired(self, today: date | None = None) -> bool:
        """True once ``today`` is past the last valid day (never for 长期)."""
        if self.valid_to is None:
            return False
        return (today or date.today()) > self.valid_to

    def age_on(self, day: date | None = None) -> int:
        """Age in whole years on ``day`` (default today)."""
        day = day or date.today()
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    def __repr__(self) -> str:
        valid_to = "长期" if self.valid_to is None else self.valid_to.isoformat()
        return (
            f"IdentityCard({self.card_type.name}, name={self.masked_name!r}, "
            f"id_number={self.masked_id_number!r}, sex={self.sex.name}, "
            f"valid_to={valid_to}, address=<{len(self.address)} chars>, "
            f"photo=<{len(self.photo)} B>)"
        )

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class ScannedCode:
    """One line from a line-mode device: an ID number (validated, in ``id_number``) or
    the code of a printed priority-service card (``id_number is None``)."""

    text: str
    id_number: str | None = None

    @property
    def is_id_number(self) -> bool:
        return self.id_number is not None

    def __repr__(self) -> str:
        kind = "id_number" if self.is_id_number else "service_card"
        return f"ScannedCode({kind}, {mask_id_number(self.text)!r})"

    __str__ = __repr__


#: Default shape of a printed priority-service card's code.
SERVICE_CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{3,31}")
# 17 digits and anything: a (mis)read ID number, never a service code.
_ID_SHAPE = re.compile(r"[0-9]{15}|[0-9]{17}[0-9A-Za-z]")


def parse_scanned_line(
    line: str,
    *,
    today: date | None = None,
    service_code_pattern: re.Pattern[str] = SERVICE_CODE_PATTERN,
) -> ScannedCode:
    """Classify one scanned line.

    A line shaped like an ID number (15 digits, or 17 digits and a digit/X) must pass
    :func:`validate_id_number` (a misread number is an error, never a service code).
    Anything else must match ``service_code_pattern``. Raises :class:`InvalidIdNumber` or
    :class:`UnrecognisedScan`.
    """
    text = line.strip()
    if _ID_SHAPE.fullmatch(text):
        return ScannedCode(text=text.upper(), id_number=validate_id_number(text, today))
    if service_code_pattern.fullmatch(text):
        return ScannedCode(text=text, id_number=None)
    raise UnrecognisedScan(
        f"scanned line of {len(text)} characters is neither an ID number nor a service code"
    )


# --- text block ---------------------------------------------------------------------------

_PAD = " "


def _field(block: bytes, offset: int, size: int) -> str:
    raw = block[offset : offset + size]
    try:
        text = raw.decode("utf-16-le")
    except UnicodeDecodeError:
        raise CardDataError(f"text at byte {offset} is not valid UCS-2") from None
    return text.rstrip(" \x00")


def _put(buf: bytearray, offset: int, size: int, value: str, what: str) -> None:
    raw = value.encode("utf-16-le")
    if len(raw) > size:
        raise ValueError(f"{what} is too long for the card ({len(value)} > {size // 2} chars)")
    buf[offset : offset + size] = raw + _PAD.encode("utf-16-le") * ((size - len(raw)) // 2)


def _parse_date(text: str, what: str) -> date:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise CardDataError(f"{what} is not a YYYYMMDD date")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise CardDataError(f"{what} is not a real date") from None


def _parse_valid_to(text: str) -> date | None:
    if text == NO_EXPIRY:
        return None
    return _parse_date(text, "valid-to date")


def _lenient_date(text: str) -> date | None:
    """Best effort for unconfirmed fields: a date, or None (also for 长期)."""
    try:
        return _parse_date(text, "date")
    except CardDataError:
        return None


def _sex(code: str, strict: bool) -> Sex:
    if code.isascii() and code.isdigit() and int(code) in Sex._value2member_map_:
        return Sex(int(code))
    if strict:
        raise CardDataError("sex code is not 0, 1, 2 or 9")
    return Sex.UNKNOWN


def _card_type(block: bytes) -> CardType:
    raw = block[248:250]
    char = raw.decode("utf-16-le", errors="replace")
    try:
        return CardType(char)
    except ValueError:
        raise UnsupportedCardType(
            f"unknown card-type character 0x{int.from_bytes(raw, 'little'):04X}"
        ) from None


def parse_text_block(
    block: bytes, photo: bytes = b"", *, today: date | None = None
) -> IdentityCard:
    """Parse the 256-byte text block of a read reply into an :class:`IdentityCard`.

    Raises :class:`CardDataError` (or its :class:`UnsupportedCardType`) when the block is
    malformed or inconsistent, and :class:`InvalidIdNumber` when the number fails
    GB 11643. ``today`` only matters for the "birth date not in the future" check.
    """
    if len(block) != TEXT_BLOCK_SIZE:
        raise CardDataError(f"text block is {len(block)} bytes, expected {TEXT_BLOCK_SIZE}")
    block = bytes(block)
    card_type = _card_type(block)
    if card_type is CardType.FOREIGN_PERMANENT_2017:
        return _parse_foreign_2017(block, photo)
    if card_type is CardType.FOREIGN_PERMANENT_2023:
        return _parse_foreign_2023(block, photo, today)
    return _parse_chinese(block, photo, card_type, today)


_PERMIT_PREFIXES = ("81", "82", "83")


def _parse_chinese(
    block: bytes, photo: bytes, card_type: CardType, today: date | None
) -> IdentityCard:
    number = validate_id_number(_field(block, 122, 36), today, allow_legacy=False)
    is_permit_number = number.startswith(_PERMIT_PREFIXES)
    if card_type is CardType.RESIDENT_ID and (is_permit_number or number.startswith("9")):
        raise CardDataError("card says resident ID card but carries a permit's number")
    if card_type is CardType.HMT_RESIDENCE_PERMIT and not is_permit_number:
        raise CardDataError("card says residence permit but its number is not 81/82/83")
    name = _field(block, 0, 30)
    if not name:
        raise CardDataError("name is empty")
    birth = _parse_date(_field(block, 36, 16), "birth date")
    if birth != birth_date_of(number):
        raise CardDataError("birth date field does not match the ID number")
    valid_from = _parse_date(_field(block, 188, 16), "valid-from date")
    valid_to = _parse_valid_to(_field(block, 204, 16))
    if valid_to is not None and valid_to < valid_from:
        raise CardDataError("valid-to date is before the valid-from date")
    nation = _field(block, 32, 4)
    if card_type is CardType.RESIDENT_ID and nation not in NATIONS:
        raise CardDataError("nation code is not a GB/T 3304 code")
    return IdentityCard(
        name=name,
        sex=_sex(_field(block, 30, 2), strict=True),
        nation=nation,
        birth_date=birth,
        address=_field(block, 52, 70),
        id_number=number,
        authority=_field(block, 158, 30),
        valid_from=valid_from,
        valid_to=valid_to,
        card_type=card_type,
        photo=bytes(photo),
    )


_FOREIGN_2017_NUMBER = re.compile(r"[A-Z]{3}[0-9]{12}")


def _parse_foreign_2017(block: bytes, photo: bytes) -> IdentityCard:
    number = _field(block, 122, 30)
    if not _FOREIGN_2017_NUMBER.fullmatch(number):
        raise CardDataError("permanent residence number (2017) is not 3 letters + 12 digits")
    name = _field(block, 0, 120)
    if not name:
        raise CardDataError("name is empty")
    return IdentityCard(
        name=name,
        sex=_sex(_field(block, 120, 2), strict=False),
        nation=_field(block, 152, 6),
        birth_date=_parse_date(_field(block, 220, 16), "birth date"),
        address="",
        id_number=number,
        authority="",
        valid_from=_lenient_date(_field(block, 188, 16)),
        valid_to=_lenient_date(_field(block, 204, 16)),
        card_type=CardType.FOREIGN_PERMANENT_2017,
        photo=bytes(photo),
    )


def _parse_foreign_2023(block: bytes, photo: bytes, today: date | None) -> IdentityCard:
    number = _field(block, 122, 36)
    if len(number) != 18 or not number.startswith("9"):
        raise CardDataError("permanent residence number (2023) is not 18 characters from 9")
    try:
        number = validate_id_number(number, today, allow_legacy=False)
    except InvalidIdNumber as e:
        raise CardDataError(f"permanent residence number (2023): {e}") from None
    return IdentityCard(
        name=_field(block, 0, 30),
        sex=_sex(_field(block, 30, 2), strict=False),
        nation="",
        birth_date=birth_date_of(number),
        address="",
        id_number=number,
        authority="",
        valid_from=_lenient_date(_field(block, 188, 16)),
        valid_to=_lenient_date(_field(block, 204, 16)),
        card_type=CardType.FOREIGN_PERMANENT_2023,
        photo=bytes(photo),
    )


def _yyyymmdd(day: date | None) -> str:
    return "" if day is None else day.strftime("%Y%m%d")


def encode_text_block(card: IdentityCard) -> bytes:
    """The 256-byte text block for ``card`` (inverse of :func:`parse_text_block`).

    For the foreigners' layouts this writes the layout this package assumes (see the
    module docstring); a real card may fill the unconfirmed fields differently.
    """
    buf = bytearray(_PAD.encode("utf-16-le") * (TEXT_BLOCK_SIZE // 2))
    valid_to = NO_EXPIRY if card.valid_to is None else _yyyymmdd(card.valid_to)
    if card.card_type is CardType.FOREIGN_PERMANENT_2017:
        _put(buf, 0, 120, card.name, "name")
        _put(buf, 120, 2, str(int(card.sex)), "sex")
        _put(buf, 122, 30, card.id_number, "number")
        _put(buf, 152, 6, card.nation, "nationality")
        _put(buf, 188, 16, _yyyymmdd(card.valid_from), "valid-from date")
        _put(buf, 204, 16, valid_to, "valid-to date")
        _put(buf, 220, 16, _yyyymmdd(card.birth_date), "birth date")
    else:
        _put(buf, 0, 30, card.name, "name")
        _put(buf, 30, 2, str(int(card.sex)), "sex")
        _put(buf, 32, 4, card.nation, "nation")
        _put(buf, 36, 16, _yyyymmdd(card.birth_date), "birth date")
        _put(buf, 52, 70, card.address, "address")
        _put(buf, 122, 36, card.id_number, "ID number")
        _put(buf, 158, 30, card.authority, "authority")
        _put(buf, 188, 16, _yyyymmdd(card.valid_from), "valid-from date")
        _put(buf, 204, 16, valid_to, "valid-to date")
    _put(buf, 248, 2, card.card_type.value, "card type")
    return bytes(buf)
