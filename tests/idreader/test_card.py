"""The 256-byte text block: parsing, encoding, card types, masking. Synthetic cards only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from idreader.card import (
    NATIONS,
    IdentityCard,
    ScannedCode,
    encode_text_block,
    parse_scanned_line,
    parse_text_block,
)
from idreader.enums import CardType, Sex
from idreader.errors import (
    CardDataError,
    CardReaderError,
    InvalidIdNumber,
    UnrecognisedScan,
    UnsupportedCardType,
)
from idreader.testing import make_card, make_id_number

TODAY = date(2025, 6, 1)


def ucs2(text: str, size: int) -> bytes:
    raw = text.encode("utf-16-le")
    return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)


def hand_made_block() -> bytes:
    """A resident card's text block written field by field from the protocol table."""
    number = make_id_number(date(1948, 5, 17), Sex.FEMALE, region="370000", sequence=12)
    block = (
        ucs2("测试乙", 30)
        + ucs2("2", 2)
        + ucs2("03", 4)
        + ucs2("19480517", 16)
        + ucs2("示例省测试市样例路8号", 70)
        + ucs2(number, 36)
        + ucs2("测试市公安局", 30)
        + ucs2("20120301", 16)
        + ucs2("长期", 16)
        + ucs2("", 36)
    )
    assert len(block) == 256
    return block


def test_parse_a_block_built_from_the_protocol_table() -> None:
    card = parse_text_block(hand_made_block(), b"\x01\x02")
    assert card.name == "测试乙"
    assert card.sex is Sex.FEMALE
    assert card.nation == "03" and card.nation_name == "回"
    assert card.birth_date == date(1948, 5, 17)
    assert card.address == "示例省测试市样例路8号"
    assert card.id_number.startswith("37000019480517")
    assert card.authority == "测试市公安局"
    assert card.valid_from == date(2012, 3, 1)
    assert card.valid_to is None  # 长期
    assert card.card_type is CardType.RESIDENT_ID
    assert card.photo == b"\x01\x02"


def test_card_type_character_sits_at_bytes_248_249() -> None:
    for card_type in CardType:
        block = encode_text_block(make_card(card_type=card_type))
        assert block[248:250] == card_type.value.encode("utf-16-le")


@pytest.mark.parametrize("card_type", list(CardType))
@pytest.mark.parametrize("seed", range(4))
def test_encode_parse_round_trip(card_type: CardType, seed: int) -> None:
    card = make_card(card_type=card_type, seed=seed, birth_date=date(1940 + seed * 9, 2, 28))
    parsed = parse_text_block(encode_text_block(card), card.photo)
    assert parsed == card
    assert parsed.card_type is card_type


def test_fixed_validity_round_trip() -> None:
    card = make_card(birth_date=date(1990, 1, 1), valid_from=date(2020, 1, 1))
    assert card.valid_to == date(2040, 1, 1)  # 26-45 at issue: 20 years
    assert parse_text_block(encode_text_block(card)) == replace(card, photo=b"")


def test_nations_table() -> None:
    assert NATIONS["01"] == "汉" and NATIONS["56"] == "基诺" and len(NATIONS) == 58


# --- never misread one card type as another ----------------------------------------------


def retype(block: bytes, char: str) -> bytes:
    return block[:248] + char.encode("utf-16-le") + block[250:]


@pytest.mark.parametrize("char", ["J", "Y", "I"])
def test_resident_block_with_another_type_character_is_not_a_resident_card(char: str) -> None:
    block = encode_text_block(make_card(card_type=CardType.RESIDENT_ID))
    with pytest.raises(CardReaderError):
        parse_text_block(retype(block, char))


@pytest.mark.parametrize(
    "card_type",
    [
        CardType.HMT_RESIDENCE_PERMIT,
        CardType.FOREIGN_PERMANENT_2017,
        CardType.FOREIGN_PERMANENT_2023,
    ],
)
def test_other_cards_retyped_as_resident_are_refused(card_type: CardType) -> None:
    block = encode_text_block(make_card(card_type=card_type))
    with pytest.raises(CardReaderError):
        parse_text_block(retype(block, " "))


def test_permit_type_needs_a_permit_number() -> None:
    card = make_card(card_type=CardType.HMT_RESIDENCE_PERMIT, region="110000")
    with pytest.raises(CardDataError, match="81/82/83"):
        parse_text_block(encode_text_block(card))


@pytest.mark.parametrize("char", ["A", "\x00", "j", "\u4e00"])
def test_unknown_type_character(char: str) -> None:
    block = retype(encode_text_block(make_card()), char)
    with pytest.raises(UnsupportedCardType):
        parse_text_block(block)


# --- malformed blocks ---------------------------------------------------------------------


def patch(block: bytes, offset: int, text: str, size: int) -> bytes:
    return block[:offset] + ucs2(text, size) + block[offset + size :]


@pytest.mark.parametrize(
    ("offset", "text", "size", "error", "match"),
    [
        (0, "", 30, CardDataError, "name"),
        (30, "5", 2, CardDataError, "sex"),
        (32, "77", 4, CardDataError, "nation"),
        (36, "19480230", 16, CardDataError, "birth date"),
        (36, "19480518", 16, CardDataError, "does not match"),
        (188, "2012-3-1", 16, CardDataError, "valid-from"),
        (204, "永久", 16, CardDataError, "valid-to"),
        (204, "20100101", 16, CardDataError, "before"),
        (122, "370000194805171234", 36, InvalidIdNumber, "check character"),
    ],
)
def test_bad_fields_give_typed_errors(
    offset: int, text: str, size: int, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        parse_text_block(patch(hand_made_block(), offset, text, size), today=TODAY)


def test_wrong_block_size() -> None:
    with pytest.raises(CardDataError, match="255"):
        parse_text_block(bytes(255))


def test_invalid_ucs2_is_a_card_data_error() -> None:
    block = hand_made_block()
    block = block[:0] + b"\x00\xd8" + block[2:]  # a lone high surrogate
    with pytest.raises(CardDataError, match="UCS-2"):
        parse_text_block(block)


def test_encode_rejects_fields_too_long() -> None:
    with pytest.raises(ValueError, match="name"):
        encode_text_block(make_card(name="测" * 16))


# --- the value ---------------------------------------------------------------------------


def test_repr_and_str_mask_name_number_and_address() -> None:
    card = make_card(name="测试丙", birth_date=date(1950, 3, 1))
    for text in (repr(card), str(card), f"{card}", f"{[card]}"):
        assert card.id_number not in text
        assert "测试丙" not in text and "试丙" not in text
        assert card.address not in text
        assert card.id_number[:4] in text and card.id_number[-4:] in text


def test_is_expired_and_age() -> None:
    card = make_card(birth_date=date(2000, 6, 2), valid_from=date(2020, 1, 1))
    assert card.valid_to == date(2030, 1, 1)
    assert not card.is_expired(date(2030, 1, 1))  # the last valid day
    assert card.is_expired(date(2030, 1, 2))
    assert not make_card(valid_to=None).is_expired(date(2999, 1, 1))
    assert card.age_on(date(2025, 6, 1)) == 24 and card.age_on(date(2025, 6, 2)) == 25


def test_identity_card_is_frozen_and_hashable() -> None:
    card = make_card()
    with pytest.raises(AttributeError):
        card.name = "x"  # type: ignore[misc]
    assert hash(card) == hash(make_card())
    assert isinstance(card, IdentityCard)


# --- scanned lines -----------------------------------------------------------------------


def test_scanned_id_number() -> None:
    number = make_id_number(date(1950, 1, 1), region="110000")
    code = parse_scanned_line(f"  {number.lower()}\r", today=TODAY)
    assert code == ScannedCode(text=number.upper(), id_number=number)
    assert code.is_id_number
    assert number not in repr(code)


def test_scanned_legacy_number_is_upgraded() -> None:
    code = parse_scanned_line("110105491231002", today=TODAY)
    assert code.id_number == "11010519491231002X"


def test_scanned_service_card_code() -> None:
    code = parse_scanned_line("LVS-2025-000123", today=TODAY)
    assert code == ScannedCode("LVS-2025-000123", None) and not code.is_id_number


@pytest.mark.parametrize("line", ["110000195001010000", "11000019500101000"[:17] + "Y"])
def test_scanned_number_shaped_garbage_is_never_a_service_code(line: str) -> None:
    with pytest.raises((InvalidIdNumber, UnrecognisedScan)):
        parse_scanned_line(line, today=TODAY)


@pytest.mark.parametrize("line", ["", "ab", "hello world", "x" * 40, "码码码码"])
def test_unrecognised_scans(line: str) -> None:
    with pytest.raises(UnrecognisedScan):
        parse_scanned_line(line, today=TODAY)
