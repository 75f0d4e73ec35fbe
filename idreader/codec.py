"""The reader's binary frame protocol, as plain logic with no I/O.

::

    request:   AA AA AA 96 69 | LEN_H LEN_L | CMD  PARA      | DATA... | CHK
    response:  AA AA AA 96 69 | LEN_H LEN_L | SW1  SW2  SW3  | DATA... | CHK

LEN counts every byte after itself (checksum included); CHK is the XOR of every byte from
LEN_H to the last data byte. See ``shared/reference/idcard-protocol.md``.

Building: :func:`build_request`, the ready-made ``*_REQUEST`` constants,
:func:`build_response` and :func:`build_card_data` (the simulator answers with these).

Parsing: :class:`ResponseDecoder` (and :class:`RequestDecoder` for the simulator) take
bytes in any pieces, skip leading garbage, and hand back decoded frames and typed
:class:`~idreader.errors.FrameError` values in stream order. They never raise on bad
input, never hold more than one maximum-size frame, and every call makes progress:
:func:`decode_step` either needs more bytes, or consumes at least one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Generic, TypeVar

from idreader.errors import (
    ChecksumError,
    FrameError,
    LengthError,
    ReaderStatusError,
    TruncatedFrame,
    status_error,
)

__all__ = [
    "BAUD_CODES",
    "FIND_CARD_REQUEST",
    "HEADER_SIZE",
    "MAX_LENGTH",
    "MODULE_ID_REQUEST",
    "MODULE_STATUS_REQUEST",
    "PHOTO_SIZE",
    "PREAMBLE",
    "READ_FINGERPRINT_REQUEST",
    "READ_REPLY_SIZE",
    "READ_REQUEST",
    "RESET_REQUEST",
    "SELECT_CARD_REQUEST",
    "TEXT_SIZE",
    "CardData",
    "Command",
    "DecodeStep",
    "FrameDecoder",
    "Request",
    "RequestDecoder",
    "Response",
    "ResponseDecoder",
    "Status",
    "build_card_data",
    "build_request",
    "build_response",
    "decode_step",
    "encode_frame",
    "parse_card_data",
    "parse_request",
    "parse_response",
    "set_baud_request",
    "xor_checksum",
]

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
#: Preamble + the two LEN bytes.
HEADER_SIZE = 7
#: Smallest LEN of any frame: CMD PARA CHK (a response needs one more: SW1 SW2 SW3 CHK).
MIN_REQUEST_LENGTH = 3
MIN_RESPONSE_LENGTH = 4
#: Largest LEN accepted. The largest reply the protocol defines is text + photo +
#: fingerprint: 3 + 6 + 256 + 1024 + 1024 + 1 = 2314 (0x090A); a little headroom for
#: firmware variants, and anything larger is a corrupted length.
MAX_LENGTH = 0x0A00

TEXT_SIZE = 256
PHOTO_SIZE = 1024
FINGERPRINT_MAX_SIZE = 1024
#: Whole read-text-and-photo reply on the wire (LEN = 0x0508).
READ_REPLY_SIZE = HEADER_SIZE + 3 + 4 + TEXT_SIZE + PHOTO_SIZE + 1


class Command(Enum):
    """Command and parameter bytes of the requests this package sends."""

    RESET = (0x10, 0xFF)
    MODULE_STATUS = (0x11, 0xFF)
    MODULE_ID = (0x12, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_TEXT_PHOTO = (0x30, 0x01)
    READ_TEXT_PHOTO_FINGERPRINT = (0x30, 0x10)

    @property
    def cmd(self) -> int:
        return self.value[0]

    @property
    def para(self) -> int:
        return self.value[1]

    @classmethod
    def lookup(cls, cmd: int, para: int) -> Command | None:
        return _COMMANDS.get((cmd, para))


_COMMANDS = {c.value: c for c in Command}

#: Command byte of "set baud"; its parameter is a code from :data:`BAUD_CODES`.
SET_BAUD_CMD = 0x60
BAUD_CODES = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}


class Status(IntEnum):
    """SW3 values of the protocol table (failures map to errors via ``status_error``)."""

    SUCCESS = 0x90
    FIND_SUCCESS = 0x9F
    ITEM_EMPTY = 0x91
    MODULE_BAD_CHECKSUM = 0x10
    MODULE_BAD_LENGTH = 0x11
    BAD_COMMAND = 0x21
    NOT_PERMITTED = 0x23
    UNRECOGNISED_ERROR = 0x24
    CARD_REJECTED_MODULE = 0x31
    MODULE_REJECTED_CARD = 0x32
    DATA_VERIFICATION_ERROR = 0x33
    UNKNOWN_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_NUMBER_FAILURE = 0x47
    SELF_TEST_FAILED = 0x60
    NOT_AUTHORISED = 0x66
    NO_CARD = 0x80
    SELECT_FAILED = 0x81


def xor_checksum(data: bytes | bytearray | memoryview) -> int:
    """XOR of all bytes (the protocol's CHK over LEN_H .. last data byte)."""
    # Fold the bytes as one big integer: log2(n) C-level steps instead of n Python ones.
    size = len(data)
    value = int.from_bytes(data, "little")
    while size > 1:
        half = size // 2
        value = (value & ((1 << (8 * half)) - 1)) ^ (value >> (8 * half))
        size -= half
    return value


def encode_frame(body: bytes) -> bytes:
    """Wrap a body (CMD PARA DATA or SW1 SW2 SW3 DATA) into a whole frame."""
    length = len(body) + 1
    if length > 0xFFFF:
        raise ValueError(f"frame body too long: {len(body)} bytes")
    sized = length.to_bytes(2, "big") + body
    return PREAMBLE + sized + bytes([xor_checksum(sized)])


def build_request(command: Command | tuple[int, int], data: bytes = b"") -> bytes:
    """A whole request frame, e.g. ``build_request(Command.FIND_CARD)``."""
    cmd, para = command.value if isinstance(command, Command) else command
    return encode_frame(bytes([cmd, para]) + data)


def set_baud_request(baudrate: int) -> bytes:
    """The "set baud" request for one of the rates in :data:`BAUD_CODES`."""
    try:
        code = BAUD_CODES[baudrate]
    except KeyError:
        raise ValueError(f"the reader cannot be set to {baudrate} baud") from None
    return build_request((SET_BAUD_CMD, code))


def build_response(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """A whole response frame (what a reader sends)."""
    return encode_frame(bytes([sw1, sw2, sw3]) + data)


RESET_REQUEST = build_request(Command.RESET)
MODULE_STATUS_REQUEST = build_request(Command.MODULE_STATUS)
MODULE_ID_REQUEST = build_request(Command.MODULE_ID)
FIND_CARD_REQUEST = build_request(Command.FIND_CARD)
SELECT_CARD_REQUEST = build_request(Command.SELECT_CARD)
READ_REQUEST = build_request(Command.READ_TEXT_PHOTO)
READ_FINGERPRINT_REQUEST = build_request(Command.READ_TEXT_PHOTO_FINGERPRINT)


# --- decoded values -----------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    cmd: int
    para: int
    data: bytes = b""

    @property
    def command(self) -> Command | None:
        return Command.lookup(self.cmd, self.para)


@dataclass(frozen=True, repr=False)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    @property
    def status(self) -> Status | None:
        try:
            return Status(self.sw3)
        except ValueError:
            return None

    @property
    def ok(self) -> bool:
        return self.sw3 in (Status.SUCCESS, Status.FIND_SUCCESS)

    def error(self, context: str = "") -> ReaderStatusError:
        """The typed error for this reply's status (meaningful when not ``ok``)."""
        return status_error(self.sw3, context)

    def raise_for_status(self, *accepted: int, context: str = "") -> Response:
        """Return self if SW3 is one of ``accepted`` (default: success), else raise."""
        if self.sw3 in (accepted or (Status.SUCCESS,)):
            return self
        raise self.error(context)

    def __repr__(self) -> str:
        # The data may be a card's text block: show its size only.
        return (
            f"Response(sw=0x{self.sw1:02X} 0x{self.sw2:02X} 0x{self.sw3:02X}, "
            f"data={len(self.data)} bytes)"
        )


def parse_request(body: bytes) -> Request:
    if len(body) < 2:
        raise LengthError(f"a request needs CMD and PARA, got {len(body)} bytes")
    return Request(body[0], body[1], bytes(body[2:]))


def parse_response(body: bytes) -> Response:
    if len(body) < 3:
        raise LengthError(f"a response needs SW1 SW2 SW3, got {len(body)} bytes")
    return Response(body[0], body[1], body[2], bytes(body[3:]))


# --- stream decoding ----------------------------------------------------------------------


@dataclass(frozen=True)
class DecodeStep:
    """One step of :func:`decode_step`.

    Exactly one of: ``body`` (a whole, checksum-verified frame body), ``error`` (a
    typed frame error), or neither (more bytes are needed). ``consumed`` bytes must be
    dropped from the front of the buffer; ``skipped`` of them were garbage before a
    preamble. A step with a body or an error always consumes at least one byte.
    """

    consumed: int
    body: bytes | None = None
    error: FrameError | None = None
    skipped: int = 0


def _partial_preamble_suffix(buf: bytes | bytearray) -> int:
    """Length of the longest suffix of ``buf`` that is a proper prefix of the preamble."""
    for size in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
        if buf[-size:] == PREAMBLE[:size]:
            return size
    return 0


def decode_step(
    buf: bytes | bytearray,
    *,
    min_length: int = MIN_REQUEST_LENGTH,
    max_length: int = MAX_LENGTH,
) -> DecodeStep:
    """Decode at most one frame from the front of ``buf``. Never raises on bad input."""
    start = buf.find(PREAMBLE)
    if start < 0:
        keep = _partial_preamble_suffix(buf)
        return DecodeStep(consumed=len(buf) - keep, skipped=len(buf) - keep)
    if len(buf) - start < HEADER_SIZE:
        return DecodeStep(consumed=start, skipped=start)
    length = (buf[start + 5] << 8) | buf[start + 6]
    if length < min_length or length > max_length:
        # Drop one byte of the false (or damaged) preamble and look for the next one.
        return DecodeStep(
            consumed=start + 1,
            error=LengthError(f"frame length {length} outside {min_length}..{max_length}"),
            skipped=start,
        )
    total = HEADER_SIZE + length
    if len(buf) - start < total:
        return DecodeStep(consumed=start, skipped=start)
    end = start + total
    computed = xor_checksum(memoryview(buf)[start + 5 : end - 1])
    received = buf[end - 1]
    if computed != received:
        # The length was plausible, so most likely a whole frame with damaged bytes:
        # drop all of it rather than hunt for frames inside its (card) data.
        return DecodeStep(consumed=end, error=ChecksumError(computed, received), skipped=start)
    return DecodeStep(consumed=end, body=bytes(buf[start + HEADER_SIZE : end - 1]), skipped=start)


T = TypeVar("T")


class FrameDecoder(Generic[T]):
    """Incremental decoder: feed bytes in any pieces, get frames and errors in order.

    ``parse`` turns a verified frame body into a value; a :class:`FrameError` it raises
    is passed on like the others. The buffer never exceeds one maximum-size frame plus
    the bytes of a single ``feed``.
    """

    def __init__(
        self,
        parse: Callable[[bytes], T],
        *,
        min_length: int = MIN_REQUEST_LENGTH,
        max_length: int = MAX_LENGTH,
    ) -> None:
        self._parse = parse
        self._min_length = min_length
        self._max_length = max_length
        self._buffer = bytearray()
        #: Total garbage bytes skipped so far (bytes outside any frame).
        self.discarded = 0

    @property
    def pending(self) -> int:
        """Bytes held back, waiting for the rest of a frame (or of a preamble)."""
        return len(self._buffer)

    @property
    def in_frame(self) -> bool:
        """True if the held-back bytes begin a frame (a full preamble was seen)."""
        return self._buffer.startswith(PREAMBLE)

    def feed(self, data: bytes | bytearray) -> list[T | FrameError]:
        self._buffer += data
        out: list[T | FrameError] = []
        while self._buffer:
            step = decode_step(
                self._buffer, min_length=self._min_length, max_length=self._max_length
            )
            self.discarded += step.skipped
            if step.consumed:
                del self._buffer[: step.consumed]
            if step.body is not None:
                try:
                    out.append(self._parse(step.body))
                except FrameError as e:
                    out.append(e)
            elif step.error is not None:
                out.append(step.error)
            else:
                break  # need more bytes
        return out

    def end_of_stream(self) -> TruncatedFrame | None:
        """The reply is over (timeout): report a started frame as truncated, and reset."""
        error: TruncatedFrame | None = None
        if self.in_frame:
            expected: int | None = None
            if len(self._buffer) >= HEADER_SIZE:
                expected = HEADER_SIZE + ((self._buffer[5] << 8) | self._buffer[6])
            error = TruncatedFrame(len(self._buffer), expected)
        self.clear()
        return error

    def clear(self) -> None:
        self._buffer.clear()


class ResponseDecoder(FrameDecoder[Response]):
    """Decodes what a reader sends."""

    def __init__(self, *, max_length: int = MAX_LENGTH) -> None:
        super().__init__(parse_response, min_length=MIN_RESPONSE_LENGTH, max_length=max_length)


class RequestDecoder(FrameDecoder[Request]):
    """Decodes what a host sends (used by the simulator)."""

    def __init__(self, *, max_length: int = MAX_LENGTH) -> None:
        super().__init__(parse_request, min_length=MIN_REQUEST_LENGTH, max_length=max_length)


# --- read reply ---------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class CardData:
    """The payload of a successful read: the 256-byte text block, the photo, and the
    fingerprint data when it was asked for (``None`` otherwise)."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None

    def __repr__(self) -> str:
        fingerprint = "-" if self.fingerprint is None else f"{len(self.fingerprint)} B"
        return (
            f"CardData(text={len(self.text)} B, photo={len(self.photo)} B, "
            f"fingerprint={fingerprint})"
        )


def build_card_data(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """The data part of a read reply (after SW1..SW3)."""
    lengths = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
    if fingerprint is None:
        return lengths + text + photo
    return lengths + len(fingerprint).to_bytes(2, "big") + text + photo + fingerprint


def parse_card_data(response: Response) -> CardData:
    """Split a successful read reply into text, photo and fingerprint.

    Handles both read commands: two length fields (text + photo) or three (text + photo +
    fingerprint); the lengths must add up to the data exactly.
    """
    data = response.data
    if len(data) < 4:
        raise LengthError(f"read reply too short for its length fields ({len(data)} bytes)")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != TEXT_SIZE:
        raise LengthError(f"text length {text_len}, expected {TEXT_SIZE}")
    if photo_len > PHOTO_SIZE:
        raise LengthError(f"photo length {photo_len} exceeds {PHOTO_SIZE}")
    if len(data) == 4 + text_len + photo_len:
        text = data[4 : 4 + text_len]
        return CardData(text=text, photo=data[4 + text_len :], fingerprint=None)
    if len(data) >= 6:
        fp_len = int.from_bytes(data[4:6], "big")
        if fp_len <= FINGERPRINT_MAX_SIZE and len(data) == 6 + text_len + photo_len + fp_len:
            photo_end = 6 + text_len + photo_len
            return CardData(
                text=data[6 : 6 + text_len],
                photo=data[6 + text_len : photo_end],
                fingerprint=data[photo_end:],
            )
    raise LengthError(
        f"read reply has {len(data)} data bytes, which does not match its length fields"
    )
