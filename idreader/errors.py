"""The one error tree of the ID-card reader package.

Everything the package raises descends from :class:`CardReaderError`; pyserial's and the
OS's errors are wrapped at the transport edge (``raise ReaderOffline(...) from e``) and
never leave the package.

Messages never carry a full ID number, a name or raw card bytes: they end up in logs.

Groups:

- :class:`FrameError`: the bytes on the wire are not a well-formed frame
  (:class:`ChecksumError`, :class:`LengthError`, :class:`TruncatedFrame`,
  :class:`UnexpectedReply`).
- :class:`ReaderStatusError`: a well-formed reply whose status byte SW3 reports a failure
  (:class:`NoCard`, :class:`SelectFailed`, :class:`ReadFailed`,
  :class:`ModuleNotAuthorised`, ...). ``status_error(sw3)`` picks the class.
  ``is_card_fault`` tells a problem with the card or its placement (lift and lay again)
  from a fault of the reader module itself.
- :class:`CardDataError`: the card was read but its text block is not a card we can
  trust (:class:`UnsupportedCardType`).
- :class:`InvalidIdNumber`: an ID number that fails GB 11643 (also a ``ValueError``).
- :class:`ReaderOffline`: the port is gone or cannot be opened (:class:`ReaderNotFound`
  when probing found no reader).
- :class:`NoReply`: the port is open but the reader did not answer in time.
"""

from __future__ import annotations


class CardReaderError(Exception):
    """Base of every error raised by :mod:`idreader`."""


# --- frames -------------------------------------------------------------------------------


class FrameError(CardReaderError):
    """The bytes received are not a well-formed frame."""


class ChecksumError(FrameError):
    """The frame's XOR checksum does not match its content."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"frame checksum mismatch: computed 0x{expected:02X}, got 0x{actual:02X}")
        self.expected = expected
        self.actual = actual


class LengthError(FrameError):
    """A length field (the frame's LEN or a length inside the data) is impossible."""


class TruncatedFrame(FrameError):
    """A frame started but the bytes stopped before its declared end."""

    def __init__(self, received: int, expected: int | None = None) -> None:
        if expected is None:
            message = f"frame truncated after {received} bytes"
        else:
            message = f"frame truncated: {received} of {expected} bytes received"
        super().__init__(message)
        self.received = received
        self.expected = expected


class UnexpectedReply(FrameError):
    """A well-formed frame that does not fit the command it answers."""


# --- status bytes -------------------------------------------------------------------------


class ReaderStatusError(CardReaderError):
    """A reply whose status byte SW3 reports a failure."""

    #: SW3 value of this error (the class default; instances carry the received value).
    code: int = -1
    #: Human-readable meaning of the status.
    meaning: str = "reader reported a failure"
    #: True when the card or its placement is the problem (lift it and lay it again),
    #: False when the reader module itself is faulty, misconfigured or confused.
    is_card_fault: bool = False

    def __init__(self, code: int | None = None, context: str = "") -> None:
        if code is None:
            code = type(self).code
        self.status = code
        self.context = context
        where = f" ({context})" if context else ""
        super().__init__(f"{self.meaning}{where} [SW3=0x{code & 0xFF:02X}]")


class NoCard(ReaderStatusError):
    code = 0x80
    meaning = "no card on the reader"
    is_card_fault = True


class SelectFailed(ReaderStatusError):
    code = 0x81
    meaning = "select card failed"
    is_card_fault = True


class ReadFailed(ReaderStatusError):
    code = 0x41
    meaning = "card read failed"
    is_card_fault = True


class ItemEmpty(ReaderStatusError):
    code = 0x91
    meaning = "this item is empty on the card"
    is_card_fault = True


class CardTypeUnknown(ReaderStatusError):
    code = 0x40
    meaning = "the module does not recognise the card type"
    is_card_fault = True


class CardAuthenticationFailed(ReaderStatusError):
    """The card rejected the module (0x31) or the module rejected the card (0x32)."""

    code = 0x31
    meaning = "card failed to authenticate the module"
    is_card_fault = True


class ModuleRejectedCard(CardAuthenticationFailed):
    code = 0x32
    meaning = "module failed to authenticate the card"


class DataVerificationError(ReaderStatusError):
    code = 0x33
    meaning = "card data verification error"
    is_card_fault = True


class ModuleReceivedBadChecksum(ReaderStatusError):
    code = 0x10
    meaning = "the module received a frame with a bad checksum"


class ModuleReceivedBadLength(ReaderStatusError):
    code = 0x11
    meaning = "the module received a frame with a bad length"


class BadCommand(ReaderStatusError):
    code = 0x21
    meaning = "the module does not know this command"


class OperationNotPermitted(ReaderStatusError):
    code = 0x23
    meaning = "operation not permitted"


class UnrecognisedModuleError(ReaderStatusError):
    code = 0x24
    meaning = "the module reported an unrecognised error"


class RandomNumberFailure(ReaderStatusError):
    code = 0x47
    meaning = "random number failure in the module"


class SelfTestFailed(ReaderStatusError):
    code = 0x60
    meaning = "module self-test failed"


class ModuleNotAuthorised(ReaderStatusError):
    code = 0x66
    meaning = "the security module is not authorised"


class UnknownStatus(ReaderStatusError):
    """A status byte the protocol table does not list."""

    meaning = "unknown reader status"


_STATUS_ERRORS: dict[int, type[ReaderStatusError]] = {
    cls.code: cls
    for cls in (
        NoCard,
        SelectFailed,
        ReadFailed,
        ItemEmpty,
        CardTypeUnknown,
        CardAuthenticationFailed,
        ModuleRejectedCard,
        DataVerificationError,
        ModuleReceivedBadChecksum,
        ModuleReceivedBadLength,
        BadCommand,
        OperationNotPermitted,
        UnrecognisedModuleError,
        RandomNumberFailure,
        SelfTestFailed,
        ModuleNotAuthorised,
    )
}


def status_error(sw3: int, context: str = "") -> ReaderStatusError:
    """The error instance for a failing SW3 status byte (``UnknownStatus`` if unlisted)."""
    cls = _STATUS_ERRORS.get(sw3, UnknownStatus)
    return cls(sw3, context)


# --- card content -------------------------------------------------------------------------


class CardDataError(CardReaderError):
    """The card's text block cannot be trusted (bad encoding, bad field, inconsistent)."""


class UnsupportedCardType(CardDataError):
    """The card-type character is not one this package knows."""


class UnrecognisedScan(CardDataError):
    """A line-mode device sent a line that is neither an ID number nor a service-card code."""


class InvalidIdNumber(CardReaderError, ValueError):
    """An ID number that fails GB 11643. The message says why, without the number."""


# --- link ---------------------------------------------------------------------------------


class ReaderOffline(CardReaderError):
    """The serial port is gone, cannot be opened, or failed during I/O."""


class ReaderNotFound(ReaderOffline):
    """Probing the serial ports found no device answering the module-status command."""


class NoReply(CardReaderError):
    """The port is open, but the reader sent nothing within the reply timeout."""
