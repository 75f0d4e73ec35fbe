"""Printer status as the kiosk sees it, and the decoding of ESC/POS real-time status bytes."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PrinterStatus(enum.Enum):
    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"
    UNKNOWN = "unknown"  # the transport cannot read status back
    ERROR = "error"

    def can_print(self) -> bool:
        """True when a number may be allocated and printed."""
        return self in _PRINTABLE

    def needs_attention(self) -> bool:
        """True when staff should be told (including paper near end, which still prints)."""
        return self in _ATTENTION


_PRINTABLE = frozenset({PrinterStatus.READY, PrinterStatus.PAPER_NEAR_END, PrinterStatus.UNKNOWN})
_ATTENTION = frozenset(
    {
        PrinterStatus.PAPER_NEAR_END,
        PrinterStatus.PAPER_OUT,
        PrinterStatus.OFFLINE,
        PrinterStatus.ERROR,
    }
)


@dataclass(frozen=True)
class StatusReading:
    """One status check: the verdict plus a reason a technician can act on."""

    status: PrinterStatus
    detail: str
    raw_online: bytes | None = None  # reply to DLE EOT 1, when asked
    raw_paper: bytes | None = None  # reply to DLE EOT 4, when asked


# ESC/POS real-time status (DLE EOT n). Every reply byte has bits 1 and 4 set and bits 0
# and 7 clear; python-escpos's RT_MASK_* constants encode the same bits.
_FIXED_MASK = 0b1001_0011
_FIXED_BITS = 0b0001_0010
ONLINE_OFFLINE_BIT = 0b0000_1000  # DLE EOT 1, bit 3: printer is offline
PAPER_NEAR_END_BITS = 0b0000_1100  # DLE EOT 4, bits 2-3: roll near-end sensor
PAPER_OUT_BITS = 0b0110_0000  # DLE EOT 4, bits 5-6: roll end sensor


def is_status_byte(value: int) -> bool:
    """Whether ``value`` has the fixed bits of an ESC/POS real-time status byte."""
    return value & _FIXED_MASK == _FIXED_BITS


def _last_status_byte(reply: bytes) -> int | None:
    # A late reply to an earlier query may arrive in front of this one: the last byte is
    # the answer to the newest query.
    if not reply or not is_status_byte(reply[-1]):
        return None
    return reply[-1]


def decode_online(reply: bytes) -> bool | None:
    """Decode the reply to DLE EOT 1: True online, False offline, None unrecognised."""
    value = _last_status_byte(reply)
    if value is None:
        return None
    return not value & ONLINE_OFFLINE_BIT


def decode_paper(reply: bytes) -> PrinterStatus | None:
    """Decode the reply to DLE EOT 4 into READY / PAPER_NEAR_END / PAPER_OUT (None: unknown)."""
    value = _last_status_byte(reply)
    if value is None:
        return None
    if value & PAPER_OUT_BITS:
        return PrinterStatus.PAPER_OUT
    if value & PAPER_NEAR_END_BITS:
        return PrinterStatus.PAPER_NEAR_END
    return PrinterStatus.READY
