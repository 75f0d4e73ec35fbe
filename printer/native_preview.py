"""What a native ticket looks like on paper: its bytes played back with the bundled font.

The preview printer and the demo use this so screenshots show what will come out. It
reads the byte stream :mod:`printer.native` writes (not the ticket content), so it shows
what the bytes say. Each character is drawn once into the printer's cell (12 x 24 dots for
ASCII, 24 x 24 for hanzi) with the bundled font, made 1-bit, then magnified by repeating
dots as the printer does for GS ! (blocky at 8 times, like the real thing). Line feeds
advance by the line spacing or by the tallest character of the line, whichever is more.
The QR code is drawn from the stored payload at the module size sent (its mask may differ
from the printer's own encoder; size and position do not).
"""

from __future__ import annotations

import functools
import struct
import threading
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from printer.native import ASCII_CELL_DOTS, CELL_HEIGHT_DOTS, WIDE_CELL_DOTS
from printer.ticket import INK_THRESHOLD, TicketFonts, qr_code_image

#: ESC 2, the ESC/POS default line spacing: 1/6 inch at 203 dpi.
DEFAULT_LINE_SPACING_DOTS = 34
#: Where glyphs sit in their 24-dot cell.
_GLYPH_SIZE = 22
_BASELINE = 20

_LOCK = threading.Lock()


class NativeStreamError(ValueError):
    """The bytes hold a command the preview does not know (a bug in printer.native)."""


@dataclass
class _Char:
    text: str
    size: tuple[int, int]
    bold: bool
    reverse: bool


@dataclass
class _State:
    size: tuple[int, int] = (1, 1)
    bold: bool = False
    align: int = 0
    reverse: bool = False
    chinese: bool = False
    spacing: int = DEFAULT_LINE_SPACING_DOTS
    qr_module: int = 3
    qr_data: bytes = b""
    line: list[_Char] = field(default_factory=list)


def render_native(
    data: bytes, width_dots: int, fonts: TicketFonts, feed_units_per_dot: int | None = None
) -> Image.Image:
    """The paper a printer ``width_dots`` wide prints for ``data``, as a mode "1" image.

    ``feed_units_per_dot`` converts ESC J / ESC 3 values to dot rows (1 when unknown).
    Stops at the cut; the feed before the cut is included (that paper comes out too).
    """
    with _LOCK:
        return _Player(width_dots, fonts, feed_units_per_dot or 1).play(data)


class _Player:
    def __init__(self, width: int, fonts: TicketFonts, units: int) -> None:
        self.w = width
        self.fonts = fonts
        self.units = units
        self.canvas = Image.new("L", (width, 1600), 255)
        self.y = 0
        self.s = _State()

    def ensure(self, rows: int) -> None:
        if self.y + rows <= self.canvas.height:
            return
        bigger = Image.new("L", (self.w, max(2 * self.canvas.height, self.y + rows)), 255)
        bigger.paste(self.canvas, (0, 0))
        self.canvas = bigger

    def play(self, data: bytes) -> Image.Image:
        pos = 0
        while pos < len(data):
            pos = self.step(data, pos)
            if pos < 0:  # cut
                break
        self.ensure(0)
        return self.canvas.crop((0, 0, self.w, self.y)).point(_THRESHOLD, mode="1")

    def step(self, d: bytes, pos: int) -> int:
        s = self.s
        b0 = d[pos]
        two = d[pos : pos + 2]
        if b0 == 0x0A:
            self.print_line()
            return pos + 1
        if two == b"\x1b@":
            self.s = _State()
            return pos + 2
        if two in (b"\x1c&", b"\x1c."):
            s.chinese = two == b"\x1c&"
            return pos + 2
        if two[:1] == b"\x1b" and two[1:] in (b"a", b"E", b"3", b"J", b"d"):
            n = d[pos + 2]
            op = two[1:]
            if op == b"a":
                s.align = n
            elif op == b"E":
                s.bold = bool(n)
            elif op == b"3":
                s.spacing = n // self.units
            elif op == b"J":
                self.print_line(feed=False)
                self.y += n // self.units
            else:
                self.print_line(feed=False)
                self.y += n * s.spacing
            return pos + 3
        if two == b"\x1d!":
            n = d[pos + 2]
            s.size = ((n >> 4) + 1, (n & 0x0F) + 1)
            return pos + 3
        if two == b"\x1dB":
            s.reverse = bool(d[pos + 2] & 1)
            return pos + 3
        if two == b"\x1dV":
            return -1
        if d[pos : pos + 3] == b"\x1d(k":
            (length,) = struct.unpack("<H", d[pos + 3 : pos + 5])
            self.qr(d[pos + 5 : pos + 5 + length])
            return pos + 5 + length
        if d[pos : pos + 4] == b"\x1dv0\x00":
            width_bytes, rows = struct.unpack("<HH", d[pos + 4 : pos + 8])
            end = pos + 8 + width_bytes * rows
            inverted = bytes(255 - b for b in d[pos + 8 : end])
            image = Image.frombytes("1", (width_bytes * 8, rows), inverted)
            self.paste_block(image.convert("L"))
            return end
        if 0x20 <= b0 <= 0x7E or (0x81 <= b0 <= 0xFE and s.chinese):
            size = 1 if b0 < 0x80 else (4 if 0x30 <= d[pos + 1] <= 0x39 else 2)
            text = d[pos : pos + size].decode("gb18030")
            s.line.append(_Char(text, s.size, s.bold, s.reverse))
            return pos + size
        raise NativeStreamError(f"unknown byte {b0:#04x} at offset {pos}: {d[pos : pos + 6]!r}")

    def qr(self, body: bytes) -> None:
        fn = body[1]
        if fn == 67:
            self.s.qr_module = body[2]
        elif fn == 80:
            self.s.qr_data = body[3:]
        elif fn == 81:
            payload = self.s.qr_data.decode("utf-8", errors="replace")
            self.paste_block(qr_code_image(payload, max_side=0, min_module=self.s.qr_module))

    def paste_block(self, block: Image.Image) -> None:
        """A QR code or raster image at the current alignment; paper moves past it."""
        self.print_line(feed=False)
        left = {0: 0, 1: (self.w - block.width) // 2, 2: self.w - block.width}[self.s.align]
        self.ensure(block.height)
        self.canvas.paste(block, (max(0, left), self.y))
        self.y += block.height

    def print_line(self, feed: bool = True) -> None:
        chars = self.s.line
        if not chars:
            if feed:
                self.y += self.s.spacing
            return
        cells = [_cell(self.fonts, c.text, c.bold, c.reverse) for c in chars]
        glyphs = [
            cell.resize((cell.width * c.size[0], cell.height * c.size[1]), Image.Resampling.NEAREST)
            for cell, c in zip(cells, chars, strict=True)
        ]
        width = sum(g.width for g in glyphs)
        height = max(g.height for g in glyphs)
        x = {0: 0, 1: (self.w - width) // 2, 2: self.w - width}[self.s.align]
        x = max(0, x)
        self.ensure(max(height, self.s.spacing))
        for g in glyphs:  # characters of different heights share the bottom line
            if x + g.width <= self.w:  # the printer wraps; native.py never sends that much
                self.canvas.paste(g, (x, self.y + height - g.height))
            x += g.width
        self.y += max(height, self.s.spacing)
        self.s.line = []


@functools.lru_cache(maxsize=2048)
def _cell(fonts: TicketFonts, ch: str, bold: bool, reverse: bool) -> Image.Image:
    """One character in its printer cell, 1-bit (0 or 255), white on black if reversed."""
    width = ASCII_CELL_DOTS if ord(ch) < 0x80 else WIDE_CELL_DOTS
    font = (fonts.bold if bold else fonts.regular)(_GLYPH_SIZE)
    advance = max(1, round(font.getlength(ch)))
    wide = Image.new("L", (max(width, advance), CELL_HEIGHT_DOTS), 255)
    ImageDraw.Draw(wide).text((wide.width / 2, _BASELINE), ch, font=font, fill=0, anchor="ms")
    if wide.width > width:  # a wide Latin letter squeezed into its cell, as bitmap fonts do
        wide = wide.resize((width, CELL_HEIGHT_DOTS), Image.Resampling.LANCZOS)
    cell = wide.point(_THRESHOLD)
    return cell.point(lambda v: 255 - v) if reverse else cell


_THRESHOLD = [0 if v < INK_THRESHOLD else 255 for v in range(256)]
