"""The wire log (a technician's debug aid) shows no part of the ID number read."""

from idreader.card import encode_text_block
from idreader.codec import ResponseDecoder, Status, build_card_data, build_response
from idreader.testing import make_card
from idreader.wirelog import describe_response


def test_a_card_response_is_described_without_any_digit_of_the_number():
    card = make_card(seed=3)
    wire = build_response(Status.SUCCESS, build_card_data(encode_text_block(card), b"\0" * 1024))
    (response,) = ResponseDecoder().feed(wire)
    text = describe_response(response)
    assert "card data" in text and "18 characters" in text
    assert card.id_number[:4] not in text and card.id_number[-4:] not in text
    assert card.name not in text
