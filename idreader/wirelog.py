"""Wire traffic on its own logger, ``idreader.wire``, at DEBUG.

Requests carry no personal data and are shown in full. Replies are shown in full only when
their data is short (status, find, select: at most 16 bytes); a read reply shows its sizes
and the masked name and the number's length (no digit of it), never its bytes. Garbage and
broken frames are counted, never dumped (they may be pieces of a card's text block).
"""

from __future__ import annotations

import logging

from idreader.codec import Command, Request, Response
from idreader.idnumber import mask_name

__all__ = ["describe_request", "describe_response", "wire_log"]

wire_log = logging.getLogger("idreader.wire")

_SHORT_DATA = 16


def _hex(data: bytes) -> str:
    return data.hex(" ").upper()


def describe_request(frame: bytes) -> str:
    """A request frame as hex with the command's name."""
    name = "?"
    if len(frame) >= 9:
        command = Command.lookup(frame[7], frame[8])
        name = command.name if command else f"cmd 0x{frame[7]:02X} 0x{frame[8]:02X}"
    return f"{name}: {_hex(frame)}"


def describe_parsed_request(request: Request) -> str:
    command = request.command
    name = command.name if command else f"cmd 0x{request.cmd:02X} 0x{request.para:02X}"
    return f"{name} (+{len(request.data)} data bytes)"


def _masked_text_fields(text: bytes) -> str:
    try:
        name = text[0:30].decode("utf-16-le", errors="replace").rstrip(" \x00")
        number = text[122:158].decode("utf-16-le", errors="replace").rstrip(" \x00")
    except Exception:  # pragma: no cover - decode with errors="replace" does not raise
        return "withheld"
    # Not even the masked number (its first and last 4 characters): logs are kept on disk.
    return f"name={mask_name(name)!r} number=({len(number)} characters)"


def describe_response(response: Response) -> str:
    """A response for the wire log, with any card data masked."""
    status = response.status
    status_name = status.name if status is not None else "UNKNOWN"
    head = f"SW {response.sw1:02X} {response.sw2:02X} {response.sw3:02X} ({status_name})"
    data = response.data
    if len(data) <= _SHORT_DATA:
        return f"{head} data[{len(data)}]: {_hex(data)}" if data else head
    if len(data) >= 4 + 256:
        text_len = int.from_bytes(data[0:2], "big")
        photo_len = int.from_bytes(data[2:4], "big")
        text_at = 4 if len(data) == 4 + text_len + photo_len else 6
        return (
            f"{head} card data {len(data)} B (text {text_len} B, photo {photo_len} B; "
            f"{_masked_text_fields(data[text_at : text_at + 256])})"
        )
    return f"{head} data {len(data)} B withheld"
