"""Native tickets: the printer's own Chinese font (GB18030 or GB2312) and a few commands.

A native ticket is about 1 KB instead of 60 KB of raster, so it prints in well under a
second even on a 19200-baud serial line. Same content and order as the image ticket
(:mod:`printer.ticket`); only the look differs (the printer's bitmap font, integer
magnification). The stream::

    ESC @                    initialise
    FS &                     Chinese mode: two- and four-byte GB18030 codes print as hanzi
    ESC 3 n                  line spacing (only where the profile's motion unit is known)
    ESC a n, ESC E n,        alignment, bold, size (GS ! : width and height 1-8 times),
    GS ! n, GS B n           white-on-black
    text LF                  one printed line; lines are wrapped here, at the cell widths
    ESC J n                  a blank gap in motion units (where known; else an empty line)
    GS ( k ...               QR code: model 2, module size, error correction M, store, print
                             (a GS v 0 raster instead on profiles without the QR command)
    ESC d 6, GS V m          feed past the cutter, cut

Characters are 12 x 24 dots (ASCII, Font A) or 24 x 24 dots (everything in Chinese mode),
times the GS ! magnification.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

from printer.charset import CHARSETS, encode_printable
from printer.commands import FEED_LINES_BEFORE_CUT, raster_command
from printer.ticket import (
    INK_THRESHOLD,
    NUMBER_LABEL,
    REPRINT_LABEL,
    TicketContent,
    detail_lines,
    location_lines,
    qr_code_image,
    qr_version,
    waiting_lines,
    wrap_measured,
)

ESC, FS, GS, LF = b"\x1b", b"\x1c", b"\x1d", b"\n"

#: Cell sizes of the printer's fonts, in dots (Font A; hanzi are two cells wide).
ASCII_CELL_DOTS = 12
WIDE_CELL_DOTS = 24
CELL_HEIGHT_DOTS = 24
#: The largest GS ! magnification (ESC/POS allows 1-8 times in each direction).
MAX_MAGNIFICATION = 8
#: Dots between printed lines of one block.
LINE_GAP_DOTS = 8

LEFT, CENTER, RIGHT = 0, 1, 2


@dataclass(frozen=True)
class NativeFormat:
    """What a native ticket needs to know about the printer."""

    width_dots: int
    charset: str = "gb18030"
    #: ESC J / ESC 3 units per dot row; None: unknown, gaps become blank lines.
    feed_units_per_dot: int | None = None
    #: The printer has GS ( k (QR code); otherwise the QR goes as a small raster image.
    qr_command: bool = True
    cut: bytes = b""

    def __post_init__(self) -> None:
        if self.charset not in CHARSETS:
            raise ValueError(f"charset must be one of {', '.join(CHARSETS)}, not {self.charset!r}")


def text_dots(text: str, magnification: int = 1) -> int:
    """Printed width of ``text`` in dots: ASCII one cell, everything else two."""
    cells = sum(ASCII_CELL_DOTS if ord(ch) < 0x80 else WIDE_CELL_DOTS for ch in text)
    return cells * magnification


def qr_module_dots(payload: bytes, max_side: int, min_module: int = 3) -> int:
    """Module size so the symbol fits ``max_side`` dots (never below ``min_module``)."""
    modules = 17 + 4 * qr_version(payload)
    return max(min_module, min(16, max_side // modules))


def build_native_ticket(content: TicketContent, fmt: NativeFormat) -> bytes:
    """The complete ESC/POS byte stream of one native ticket."""
    return _NativeTicket(content, fmt).build()


class _NativeTicket:
    def __init__(self, content: TicketContent, fmt: NativeFormat) -> None:
        self.c = content
        self.f = fmt
        self.w = fmt.width_dots
        self.k = fmt.width_dots / 576
        #: Text chosen by size (fit) and the number keep this much white at each edge.
        self.inner = fmt.width_dots - 2 * max(8, round(12 * self.k))
        self.out = bytearray()
        self._size = (1, 1)
        self._bold = False
        self._align = LEFT
        self._reverse = False
        self._spacing: int | None = None

    # -- state ----------------------------------------------------------------------------

    def style(self, size: tuple[int, int], bold: bool, align: int, reverse: bool = False) -> None:
        if size != self._size:
            self.out += GS + b"!" + bytes([(size[0] - 1) << 4 | (size[1] - 1)])
            self._size = size
        if bold != self._bold:
            self.out += ESC + b"E" + bytes([bold])
            self._bold = bold
        if align != self._align:
            self.out += ESC + b"a" + bytes([align])
            self._align = align
        if reverse != self._reverse:
            self.out += GS + b"B" + bytes([reverse])
            self._reverse = reverse

    def spacing(self, rows: int) -> None:
        units = self.f.feed_units_per_dot
        if units is None:
            return  # the printer's default line spacing
        n = min(255, rows * units)
        if n != self._spacing:
            self.out += ESC + b"3" + bytes([n])
            self._spacing = n

    def gap(self, rows_80mm: float) -> None:
        rows = max(2, round(rows_80mm * self.k))
        units = self.f.feed_units_per_dot
        if units is None:
            if rows_80mm >= 12:  # only the big gaps: one blank line at the default spacing
                self.out += LF
            return
        n = rows * units
        while n > 0:
            self.out += ESC + b"J" + bytes([min(255, n)])
            n -= 255

    # -- blocks ----------------------------------------------------------------------------

    def fit(self, text: str, sizes: tuple[tuple[int, int], ...]) -> tuple[int, int]:
        """The first size in which ``text`` fits on one line; else the last one."""
        for size in sizes:
            if max(text_dots(line, size[0]) for line in text.splitlines() or [""]) <= self.inner:
                return size
        return sizes[-1]

    def text(
        self,
        text: str,
        size: tuple[int, int] = (1, 1),
        *,
        bold: bool = False,
        align: int = CENTER,
        gap: int = LINE_GAP_DOTS,
    ) -> None:
        lines = wrap_measured(text, functools.partial(text_dots, magnification=size[0]), self.w)
        self.style(size, bold, align)
        self.spacing(CELL_HEIGHT_DOTS * size[1] + gap)
        for line in lines:
            self.out += encode_printable(line, self.f.charset) + LF

    def banner(self, lines: list[tuple[str, tuple[int, int]]]) -> None:
        """White on black across the whole width (spaces pad each line to the edges)."""
        for text, size in lines:
            cell = ASCII_CELL_DOTS * size[0]
            for line in wrap_measured(
                text, functools.partial(text_dots, magnification=size[0]), self.w
            ):
                free = max(0, self.w - text_dots(line, size[0]))
                left = free // 2 // cell
                right = (free - left * cell) // cell
                self.style(size, True, LEFT, reverse=True)
                self.spacing(CELL_HEIGHT_DOTS * size[1])  # lines touch: no white stripes
                padded = " " * left + line + " " * right
                self.out += encode_printable(padded, self.f.charset) + LF
        self.style((1, 1), False, CENTER)

    def rule(self, char: str = "-") -> None:
        per = text_dots(char)
        self.text(char * (self.w // per), gap=0)

    def build(self) -> bytes:
        c = self.c
        self.out += ESC + b"@" + FS + b"&"
        self.gap(8)
        big = ((2, 2), (1, 2), (1, 1))
        if c.hall_name:
            self.text(c.hall_name, self.fit(c.hall_name, big), bold=True)
            self.gap(4)
            self.rule("＝")
            self.gap(12)
        if c.reprint:
            if not c.hall_name:
                self.rule("＝")
            self.text(REPRINT_LABEL, self.fit(REPRINT_LABEL, big), bold=True)
            self.rule("＝")
            self.gap(12)
        if c.priority:
            zh = c.priority_label_zh
            self.banner([(zh, self.fit(zh, ((2, 2), (1, 2)))), (c.priority_label_en, (1, 1))])
            self.gap(10)
        self.text(NUMBER_LABEL)
        self.gap(6)
        number = c.number.strip()
        width = max(1, min(MAX_MAGNIFICATION, self.inner // max(1, text_dots(number))))
        self.text(number, (width, MAX_MAGNIFICATION), bold=True, gap=0)
        self.gap(18)
        self.text(c.service_name_zh, self.fit(c.service_name_zh, big[:2]), bold=True)
        self.text(c.service_name_en)
        self.gap(12)
        self.rule()
        self.gap(10)
        if c.waiting_ahead is not None:
            zh, en = waiting_lines(c.waiting_ahead, c.estimate_minutes)
            self.text(zh, (1, 2), bold=True)
            self.text(en)
            self.gap(10)
        zh, en = location_lines(c)
        if zh:
            self.text(zh, (1, 2), bold=True)
        if en:
            self.text(en)
        self.gap(10)
        self.rule()
        self.gap(10)
        for i, line in enumerate(detail_lines(c)):
            self.text(line, bold=i == 0)
        self.gap(16)
        self.qr()
        if c.footer:
            self.gap(16)
            self.text(c.footer)
        self.gap(10)
        self.style((1, 1), False, LEFT)
        self.out += ESC + b"d" + bytes([FEED_LINES_BEFORE_CUT]) + self.f.cut
        return bytes(self.out)

    def qr(self) -> None:
        payload = self.c.qr_payload.encode("utf-8")
        max_side = round(168 * self.k)
        self.style((1, 1), False, CENTER)
        if not self.f.qr_command:
            grey = qr_code_image(self.c.qr_payload, max_side=max_side, min_module=3)
            image = grey.point(lambda v: 0 if v < INK_THRESHOLD else 255, mode="1")
            self.out += raster_command(image)
            return
        module = qr_module_dots(payload, max_side)
        self.out += _gs_k(65, b"\x32\x00")  # model 2
        self.out += _gs_k(67, bytes([module]))  # module size in dots
        self.out += _gs_k(69, b"\x31")  # error correction M
        self.out += _gs_k(80, b"\x30" + payload)  # store
        self.out += _gs_k(81, b"\x30")  # print


def _gs_k(fn: int, params: bytes) -> bytes:
    """GS ( k pL pH cn=49 fn params (the 2D-code function group, QR code)."""
    body = bytes([49, fn]) + params
    return GS + b"(k" + struct.pack("<H", len(body)) + body
