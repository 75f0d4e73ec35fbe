"""Property tests: whatever bytes arrive, the decoder yields only frames and typed errors,
holds a bounded buffer, always makes progress, and finds its way back to good frames.

13,200 generated cases in this module: 10,000 on frames, 3,200 on text blocks and ID
numbers.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idreader import codec
from idreader.card import IdentityCard, encode_text_block, parse_text_block
from idreader.codec import (
    PREAMBLE,
    Request,
    RequestDecoder,
    Response,
    ResponseDecoder,
    build_card_data,
    build_request,
    build_response,
    decode_step,
)
from idreader.enums import CardType, Sex
from idreader.errors import CardReaderError, FrameError, InvalidIdNumber, TruncatedFrame
from idreader.idnumber import validate_id_number
from idreader.testing import make_card, make_id_number


def examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow])


MAX_FRAME = codec.HEADER_SIZE + codec.MAX_LENGTH
STATUS_OK = build_response(0x90)
# A good frame to follow damage with: after any damage, a run of these longer than one
# maximum frame must come through (a damaged LEN can swallow at most MAX_FRAME bytes).
SENTINEL = build_response(0x90, b"SENTINEL" * 40)
GOOD_TAIL = SENTINEL * (MAX_FRAME // len(SENTINEL) + 2)
TODAY = date(2025, 6, 1)

# --- strategies ---------------------------------------------------------------------------
# Hypothesis draws a few numbers (how many frames, how much damage, a seed); a seeded Random
# builds the bytes from them. Few draws per example keeps 10,000+ examples fast, and a
# failing example is still reproduced (and reported) by its numbers.

# a photo full of preambles is the nasty case for resynchronisation
PREAMBLE_PHOTO = (PREAMBLE + b"\x00\x04\x00\x00\x90\x94") * 93 + b"\xaa"
SW3S = (0x90, 0x9F, 0x80, 0x81, 0x41, 0x66, 0x10, 0x33)


def random_frame(rng: random.Random) -> bytes:
    kind = rng.randrange(8)
    if kind == 0:
        photo = PREAMBLE_PHOTO if rng.random() < 0.3 else rng.randbytes(1024)
        return build_response(0x90, build_card_data(rng.randbytes(256), photo))
    sw3 = rng.choice(SW3S) if kind < 6 else rng.randrange(256)
    return build_response(sw3, rng.randbytes(rng.randrange(25)))


def damage(stream: bytearray, rng: random.Random, operations: int) -> None:
    for _ in range(operations):
        if not stream:
            return
        op = rng.randrange(7)
        at = rng.randrange(len(stream))
        if op == 0:  # flip bits
            stream[at] ^= rng.randrange(1, 256)
        elif op == 1:  # lose bytes
            del stream[at : at + rng.randrange(1, 41)]
        elif op == 2:  # noise
            stream[at:at] = rng.randbytes(rng.randrange(1, 41))
        elif op == 3:  # a stray preamble
            stream[at:at] = PREAMBLE
        elif op == 4:  # bytes sent twice
            stream[at:at] = stream[at : at + rng.randrange(1, 61)]
        elif op == 5:  # cut off
            del stream[at:]
        else:  # overwrite a LEN field with anything
            start = stream.find(PREAMBLE, at if rng.random() < 0.5 else 0)
            if start >= 0 and start + 7 <= len(stream):
                stream[start + 5 : start + 7] = rng.randbytes(2)


@st.composite
def mutated_streams(draw: st.DrawFn) -> bytes:
    frames = draw(st.integers(1, 4))
    operations = draw(st.integers(1, 6))
    rng = random.Random(draw(st.integers(0, 2**32)))
    stream = bytearray(b"".join(random_frame(rng) for _ in range(frames)))
    damage(stream, rng, operations)
    return bytes(stream)


@st.composite
def frame_soup(draw: st.DrawFn) -> bytes:
    """Good frames and loose noise, interleaved."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    parts = [
        random_frame(rng) if rng.random() < 0.7 else rng.randbytes(rng.randrange(30))
        for _ in range(draw(st.integers(0, 6)))
    ]
    return b"".join(parts)


random_bytes = st.builds(
    lambda seed, size: random.Random(seed).randbytes(size),
    st.integers(0, 2**32),
    st.integers(0, 3000),
)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def decode_all(data: bytes, cuts: list[int]) -> tuple[list[Response | FrameError], ResponseDecoder]:
    decoder = ResponseDecoder()
    out: list[Response | FrameError] = []
    for piece in chunked(data, cuts):
        out += decoder.feed(piece)
        # bounded: never more than one maximum frame held back
        assert decoder.pending < MAX_FRAME
    return out, decoder


def assert_typed(items: list[Response | FrameError]) -> None:
    for item in items:
        assert isinstance(item, Response | FrameError), type(item)


cuts = st.builds(
    lambda seed, n: [random.Random(seed).randrange(5000) for _ in range(n)],
    st.integers(0, 2**32),
    st.integers(0, 12),
)

# --- frames -------------------------------------------------------------------------------


@examples(3000)
@given(st.binary(max_size=200) | random_bytes, cuts)
def test_random_bytes_give_only_frames_and_typed_errors(data: bytes, cut: list[int]) -> None:
    out, decoder = decode_all(data, cut)
    assert_typed(out)
    end = decoder.end_of_stream()
    assert end is None or isinstance(end, TruncatedFrame)
    assert decoder.pending == 0


@examples(3000)
@given(mutated_streams(), cuts)
def test_mutated_frames_give_typed_errors_and_the_decoder_resyncs(
    stream: bytes, cut: list[int]
) -> None:
    out, _ = decode_all(stream + GOOD_TAIL, cut)
    assert_typed(out)
    assert Response(0, 0, 0x90, b"SENTINEL" * 40) in out


@examples(2000)
@given(frame_soup() | mutated_streams(), cuts)
def test_pieces_do_not_change_what_is_decoded(data: bytes, cut: list[int]) -> None:
    whole, _ = decode_all(data, [])
    pieces, _ = decode_all(data, cut)
    assert [repr(x) for x in pieces] == [repr(x) for x in whole]


@examples(1500)
@given(st.binary(max_size=200) | random_bytes | mutated_streams())
def test_decode_step_always_makes_progress(buf: bytes) -> None:
    step = decode_step(buf, min_length=codec.MIN_RESPONSE_LENGTH)
    assert 0 <= step.consumed <= len(buf)
    if step.body is not None or step.error is not None:
        assert step.consumed >= 1
        assert isinstance(step.error, FrameError | type(None))
        return
    # "needs more" is only ever said for a genuine prefix of a frame (or of a preamble)
    rest = buf[step.consumed :]
    if rest.startswith(PREAMBLE) and len(rest) >= codec.HEADER_SIZE:
        assert len(rest) < codec.HEADER_SIZE + int.from_bytes(rest[5:7], "big")
    else:
        assert len(rest) < codec.HEADER_SIZE
        assert PREAMBLE.startswith(rest[: len(PREAMBLE)])


@examples(500)
@given(st.integers(0, 2**32), st.integers(0, 8))
def test_requests_round_trip(seed: int, count: int) -> None:
    rng = random.Random(seed)
    requests = [
        (rng.randrange(256), rng.randrange(256), rng.randbytes(rng.randrange(21)))
        for _ in range(count)
    ]
    wire = b"".join(build_request((c, p), d) for c, p, d in requests)
    assert RequestDecoder().feed(wire) == [Request(c, p, d) for c, p, d in requests]


# --- card data ----------------------------------------------------------------------------


@examples(1000)
@given(st.binary(min_size=256, max_size=256))
def test_random_text_blocks_give_a_card_or_a_typed_error(block: bytes) -> None:
    try:
        card = parse_text_block(block, today=TODAY)
    except CardReaderError:
        return
    assert isinstance(card, IdentityCard)


FIRST_BIRTH, LAST_BIRTH = date(1900, 1, 1).toordinal(), (TODAY - timedelta(days=31)).toordinal()


@st.composite
def cards(draw: st.DrawFn) -> IdentityCard:
    card_type = draw(st.sampled_from(list(CardType)))
    rng = random.Random(draw(st.integers(0, 2**32)))
    name = "".join(chr(rng.randrange(0x4E00, 0x9FA6)) for _ in range(rng.randrange(1, 16)))
    return make_card(
        card_type=card_type,
        birth_date=date.fromordinal(rng.randrange(FIRST_BIRTH, LAST_BIRTH)),
        name=name if card_type is not CardType.FOREIGN_PERMANENT_2017 else None,
        sex=rng.choice([Sex.MALE, Sex.FEMALE]),
        seed=rng.randrange(10_000),
        valid_to=rng.choice(["auto", None]),
    )


@examples(700)
@given(cards())
def test_generated_cards_round_trip(card: IdentityCard) -> None:
    assert parse_text_block(encode_text_block(card), card.photo) == card


@examples(1000)
@given(
    cards(), st.lists(st.tuples(st.integers(0, 255), st.integers(1, 255)), min_size=1, max_size=4)
)
def test_damaged_text_blocks_never_change_card_type(
    card: IdentityCard, damage: list[tuple[int, int]]
) -> None:
    block = bytearray(encode_text_block(card))
    for at, xor in damage:
        block[at] ^= xor
    try:
        parsed = parse_text_block(bytes(block))
    except CardReaderError:
        return
    # whatever still parses carries the type its own type character says ...
    assert block[248:250] == parsed.card_type.value.encode("utf-16-le")
    # ... and a card is never taken for a resident ID card unless it says so
    if card.card_type is not CardType.RESIDENT_ID:
        assert parsed.card_type is not CardType.RESIDENT_ID or block[248:250] == b" \x00"


# --- ID numbers ---------------------------------------------------------------------------


@examples(500)
@given(st.integers(FIRST_BIRTH, LAST_BIRTH), st.integers(0, 199), st.integers(0, 17), st.data())
def test_every_single_digit_error_is_caught(
    born: int, sequence: int, at: int, data: st.DataObject
) -> None:
    sex = Sex.MALE if sequence >= 100 else Sex.FEMALE
    number = make_id_number(date.fromordinal(born), sex, region="440000", sequence=sequence % 100)
    assert validate_id_number(number, TODAY) == number
    replacement = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[at]]))
    if at < 17 and replacement == "X":
        replacement = str((int(number[at]) + 1) % 10)
    damaged = number[:at] + replacement + number[at + 1 :]
    try:
        validate_id_number(damaged, TODAY)
    except InvalidIdNumber:
        return
    raise AssertionError("a single changed character went unnoticed")
