"""Frames: byte-exact requests, the replies documented in the protocol, stream decoding."""

from __future__ import annotations

import pytest

from idreader import codec
from idreader.codec import (
    Command,
    Request,
    RequestDecoder,
    Response,
    ResponseDecoder,
    Status,
    build_card_data,
    build_request,
    build_response,
    decode_step,
    parse_card_data,
    set_baud_request,
)
from idreader.errors import (
    BadCommand,
    CardAuthenticationFailed,
    ChecksumError,
    FrameError,
    LengthError,
    ModuleNotAuthorised,
    ModuleRejectedCard,
    NoCard,
    ReaderStatusError,
    ReadFailed,
    SelectFailed,
    SelfTestFailed,
    TruncatedFrame,
    UnknownStatus,
    status_error,
)

H = bytes.fromhex


# Every request frame of the protocol's command table, byte for byte.
@pytest.mark.parametrize(
    ("command", "wire"),
    [
        (Command.RESET, "AA AA AA 96 69 00 03 10 FF EC"),
        (Command.MODULE_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
        (Command.MODULE_ID, "AA AA AA 96 69 00 03 12 FF EE"),
        (Command.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
        (Command.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
        (Command.READ_TEXT_PHOTO, "AA AA AA 96 69 00 03 30 01 32"),
        (Command.READ_TEXT_PHOTO_FINGERPRINT, "AA AA AA 96 69 00 03 30 10 23"),
    ],
)
def test_request_frames_are_byte_exact(command: Command, wire: str) -> None:
    assert build_request(command) == H(wire)


def test_ready_made_request_constants() -> None:
    assert H("AA AA AA 96 69 00 03 11 FF ED") == codec.MODULE_STATUS_REQUEST
    assert H("AA AA AA 96 69 00 03 20 01 22") == codec.FIND_CARD_REQUEST
    assert H("AA AA AA 96 69 00 03 20 02 21") == codec.SELECT_CARD_REQUEST
    assert H("AA AA AA 96 69 00 03 30 01 32") == codec.READ_REQUEST


@pytest.mark.parametrize(
    ("baud", "para"), [(115200, 0x00), (57600, 0x01), (38400, 0x02), (19200, 0x03), (9600, 0x04)]
)
def test_set_baud_request(baud: int, para: int) -> None:
    frame = set_baud_request(baud)
    assert frame[:9] == H("AA AA AA 96 69 00 03 60") + bytes([para])
    assert frame[9] == 0x00 ^ 0x03 ^ 0x60 ^ para


def test_set_baud_rejects_unknown_rate() -> None:
    with pytest.raises(ValueError, match="4800"):
        set_baud_request(4800)


# The replies "seen in the wild" from the protocol reference.
def test_documented_replies_decode() -> None:
    select_ok = H("AA AA AA 96 69 00 0C 00 00 90") + bytes(8) + H("9C")
    wire = (
        H("AA AA AA 96 69 00 04 00 00 90 94")  # status OK
        + H("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")  # find OK
        + H("AA AA AA 96 69 00 04 00 00 80 84")  # no card
        + select_ok
    )
    got = ResponseDecoder().feed(wire)
    assert got == [
        Response(0, 0, 0x90),
        Response(0, 0, 0x9F, bytes(4)),
        Response(0, 0, 0x80),
        Response(0, 0, 0x90, bytes(8)),
    ]
    assert [r.status for r in got if isinstance(r, Response)] == [
        Status.SUCCESS,
        Status.FIND_SUCCESS,
        Status.NO_CARD,
        Status.SUCCESS,
    ]


def test_build_response_matches_documented_bytes() -> None:
    assert build_response(0x90) == H("AA AA AA 96 69 00 04 00 00 90 94")
    assert build_response(0x80) == H("AA AA AA 96 69 00 04 00 00 80 84")
    assert build_response(0x9F, bytes(4)) == H("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")


def test_read_reply_layout_is_1295_bytes_with_len_0508() -> None:
    text, photo = bytes(range(256)), bytes(1024)
    frame = build_response(0x90, build_card_data(text, photo))
    assert len(frame) == codec.READ_REPLY_SIZE == 1295
    assert frame[5:7] == H("05 08")
    assert frame[7:10] == H("00 00 90")
    assert frame[10:12] == H("01 00") and frame[12:14] == H("04 00")
    assert frame[14:270] == text and frame[270:1294] == photo
    (reply,) = ResponseDecoder().feed(frame)
    assert isinstance(reply, Response)
    data = parse_card_data(reply)
    assert (data.text, data.photo, data.fingerprint) == (text, photo, None)


@pytest.mark.parametrize("fp_size", [0, 512, 1024])
def test_read_reply_with_fingerprint_has_three_lengths(fp_size: int) -> None:
    text, photo, fp = b"\x41\x00" * 128, b"\x01" * 1024, b"\x02" * fp_size
    reply = Response(0, 0, 0x90, build_card_data(text, photo, fp))
    assert reply.data[4:6] == fp_size.to_bytes(2, "big")
    assert reply.data[6:8] == b"\x41\x00"  # the text starts at frame byte 16
    data = parse_card_data(reply)
    assert (data.text, data.photo, data.fingerprint) == (text, photo, fp)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        H("01 00"),
        H("00 FF 04 00") + bytes(255 + 1024),  # text length not 256
        H("01 00 04 01") + bytes(256 + 1025),  # photo too long
        H("01 00 04 00") + bytes(256 + 1000),  # shorter than declared
        H("01 00 04 00") + bytes(256 + 1024 + 3),  # longer than declared
    ],
)
def test_read_reply_with_inconsistent_lengths_is_a_length_error(data: bytes) -> None:
    with pytest.raises(LengthError):
        parse_card_data(Response(0, 0, 0x90, data))


def test_response_repr_never_shows_data() -> None:
    reply = Response(0, 0, 0x90, "张三".encode("utf-16-le") * 10)
    assert "张" not in repr(reply) and "5F 20" not in repr(reply).upper()
    assert "40 bytes" in repr(reply)


# --- stream decoding ---------------------------------------------------------------------

STATUS_OK = H("AA AA AA 96 69 00 04 00 00 90 94")
NO_CARD = H("AA AA AA 96 69 00 04 00 00 80 84")


def test_frame_arriving_byte_by_byte() -> None:
    decoder = ResponseDecoder()
    out = []
    for byte in STATUS_OK:
        out += decoder.feed(bytes([byte]))
    assert out == [Response(0, 0, 0x90)]
    assert decoder.pending == 0


def test_leading_garbage_is_skipped_and_counted() -> None:
    decoder = ResponseDecoder()
    garbage = H("00 13 AA AA 96 AA 69 FF AA AA")
    assert decoder.feed(garbage + STATUS_OK) == [Response(0, 0, 0x90)]
    assert decoder.discarded == len(garbage)


def test_garbage_ending_in_a_partial_preamble_is_kept_until_resolved() -> None:
    decoder = ResponseDecoder()
    assert decoder.feed(H("01 02 AA AA")) == []
    assert decoder.pending == 2  # the AA AA may start a preamble
    assert decoder.feed(H("AA 96 69 00 04 00 00 80 84")) == [Response(0, 0, 0x80)]


def test_bad_checksum_is_a_typed_error_and_the_next_frame_still_decodes() -> None:
    broken = STATUS_OK[:-1] + b"\x00"
    out = ResponseDecoder().feed(broken + NO_CARD)
    assert isinstance(out[0], ChecksumError)
    assert (out[0].expected, out[0].actual) == (0x94, 0x00)
    assert out[1:] == [Response(0, 0, 0x80)]


@pytest.mark.parametrize("length", [0, 1, 2, 3, codec.MAX_LENGTH + 1, 0xFFFF])
def test_impossible_length_is_a_length_error_and_resyncs(length: int) -> None:
    bad = codec.PREAMBLE + length.to_bytes(2, "big") + H("00 00 90 94")
    out = ResponseDecoder().feed(bad + NO_CARD)
    assert isinstance(out[0], LengthError)
    assert out[-1] == Response(0, 0, 0x80)


def test_truncated_frame_is_reported_at_end_of_stream() -> None:
    decoder = ResponseDecoder()
    assert decoder.feed(STATUS_OK[:8]) == []
    error = decoder.end_of_stream()
    assert isinstance(error, TruncatedFrame)
    assert (error.received, error.expected) == (8, 11)
    assert decoder.pending == 0
    assert decoder.end_of_stream() is None  # nothing started: not truncated


def test_truncated_inside_the_preamble_header() -> None:
    decoder = ResponseDecoder()
    decoder.feed(codec.PREAMBLE + H("00"))
    error = decoder.end_of_stream()
    assert isinstance(error, TruncatedFrame) and error.expected is None


def test_a_three_byte_body_is_too_short_for_a_response_but_fine_for_a_request() -> None:
    request = build_request(Command.FIND_CARD)
    (item,) = ResponseDecoder().feed(request)
    assert isinstance(item, LengthError)
    assert RequestDecoder().feed(request) == [Request(0x20, 0x01)]
    assert Request(0x20, 0x01).command is Command.FIND_CARD


def test_decode_step_contract() -> None:
    # needs more: consumes only the garbage in front
    step = decode_step(b"xx" + STATUS_OK[:5])
    assert (step.body, step.error, step.consumed, step.skipped) == (None, None, 2, 2)
    step = decode_step(b"xx" + STATUS_OK)
    assert step.body == H("00 00 90") and step.consumed == 2 + len(STATUS_OK)


# --- status bytes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sw3", "cls", "card_fault"),
    [
        (0x80, NoCard, True),
        (0x81, SelectFailed, True),
        (0x41, ReadFailed, True),
        (0x31, CardAuthenticationFailed, True),
        (0x32, ModuleRejectedCard, True),
        (0x66, ModuleNotAuthorised, False),
        (0x60, SelfTestFailed, False),
        (0x21, BadCommand, False),
        (0x07, UnknownStatus, False),
    ],
)
def test_status_bytes_map_to_named_errors(sw3: int, cls: type, card_fault: bool) -> None:
    error = status_error(sw3, "read card")
    assert type(error) is cls
    assert isinstance(error, ReaderStatusError)
    assert error.status == sw3 and error.is_card_fault is card_fault
    assert f"0x{sw3:02X}" in str(error) and "read card" in str(error)


def test_every_documented_status_has_a_name() -> None:
    documented = [0x90, 0x9F, 0x91, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40]
    documented += [0x41, 0x47, 0x60, 0x66, 0x80, 0x81]
    for sw3 in documented:
        assert Response(0, 0, sw3).status is not None
        if sw3 not in (0x90, 0x9F):
            assert not isinstance(status_error(sw3), UnknownStatus)


def test_raise_for_status() -> None:
    assert Response(0, 0, 0x9F).raise_for_status(0x9F).sw3 == 0x9F
    with pytest.raises(ModuleNotAuthorised):
        Response(0, 0, 0x66).raise_for_status(context="module status")
    with pytest.raises(NoCard):
        Response(0, 0, 0x80).raise_for_status()


def test_frame_errors_are_card_reader_errors() -> None:
    for cls in (ChecksumError, LengthError, TruncatedFrame):
        assert issubclass(cls, FrameError)
