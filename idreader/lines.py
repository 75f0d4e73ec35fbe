"""Splitting a line-mode device's byte stream into lines (pure logic, no I/O)."""

from __future__ import annotations

__all__ = ["LineSplitter"]


class LineSplitter:
    """Feed bytes in any pieces; get complete lines back.

    A line ends at CR, LF or CR LF; empty lines are dropped. A line longer than
    ``max_length`` bytes is discarded whole (counted in ``dropped``), so a device that
    never sends a line end cannot grow the buffer. Bytes are decoded as ``encoding`` with
    undecodable bytes replaced (the caller validates the text anyway).
    """

    def __init__(self, max_length: int = 256, encoding: str = "utf-8") -> None:
        self._max_length = max_length
        self._encoding = encoding
        self._buffer = bytearray()
        self._overflowing = False
        self.dropped = 0

    def feed(self, data: bytes) -> list[str]:
        lines: list[str] = []
        for byte in data:
            if byte in (0x0A, 0x0D):
                if self._overflowing:
                    self._overflowing = False
                elif self._buffer:
                    lines.append(self._buffer.decode(self._encoding, errors="replace"))
                self._buffer.clear()
            elif self._overflowing:
                continue
            elif len(self._buffer) >= self._max_length:
                self._buffer.clear()
                self._overflowing = True
                self.dropped += 1
            else:
                self._buffer.append(byte)
        return lines

    def clear(self) -> None:
        self._buffer.clear()
        self._overflowing = False
