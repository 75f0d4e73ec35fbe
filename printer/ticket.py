"""Ticket content and its layout as a 1-bit image at the printer's exact dot width.

Chinese is drawn with a CJK font passed in (:class:`TicketFonts`); the library does not know
where the application keeps its assets. Everything is drawn antialiased in greyscale and
thresholded once at the end, which keeps strokes at their true weight on a thermal head.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image, ImageChops, ImageDraw, ImageFont

from printer.errors import PrinterConfigError

#: 203 dpi thermal heads: 8 dots per millimetre.
DOTS_PER_MM = 8.0
#: The ticket number's glyphs are at least this tall.
MIN_NUMBER_HEIGHT_MM = 15.0

#: Fixed QR mask pattern (0-7).
QR_MASK_PATTERN = 2

DEFAULT_REGULAR_FONT = "NotoSansSC-Regular.otf"
DEFAULT_BOLD_FONT = "NotoSansSC-Bold.otf"

_WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

_RENDER_LOCK = threading.Lock()

Box = tuple[int, int, int, int]  # left, top, right, bottom (exclusive), in dots


@dataclass(frozen=True)
class TicketContent:
    """What one paper ticket says. Plain data; the kiosk builds it from its domain ticket."""

    number: str
    service_name_zh: str
    service_name_en: str
    location_zh: str
    location_en: str
    issued_at: datetime
    ticket_id: str
    hall_name: str = ""
    kiosk_id: str = ""
    priority: bool = False
    priority_label_zh: str = "绿色通道"
    priority_label_en: str = "Priority"
    waiting_ahead: int | None = None
    #: About how many minutes until the call (the hall server's estimate); None: not printed.
    estimate_minutes: int | None = None
    qr_url_prefix: str = ""
    footer: str = ""
    reprint: bool = False

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValueError("ticket number must not be empty")
        if not self.ticket_id.strip():
            raise ValueError("ticket_id must not be empty")
        if self.waiting_ahead is not None and self.waiting_ahead < 0:
            raise ValueError(f"waiting_ahead must be >= 0, not {self.waiting_ahead}")

    @property
    def qr_payload(self) -> str:
        """What the QR code holds: the ticket id, behind the configured URL prefix if any."""
        return f"{self.qr_url_prefix}{self.ticket_id}"


@dataclass(frozen=True)
class TicketFonts:
    """Paths of the regular and bold CJK font files (OpenType/TrueType)."""

    regular_path: Path
    bold_path: Path

    def __post_init__(self) -> None:
        for name in ("regular_path", "bold_path"):
            path = Path(getattr(self, name))
            object.__setattr__(self, name, path)
            if not path.is_file():
                raise PrinterConfigError(f"ticket font not found: {path}")

    @classmethod
    def from_dir(
        cls,
        folder: str | Path,
        regular: str = DEFAULT_REGULAR_FONT,
        bold: str = DEFAULT_BOLD_FONT,
    ) -> TicketFonts:
        """Fonts from one folder, by default the bundled Noto Sans CJK SC pair."""
        folder = Path(folder)
        return cls(regular_path=folder / regular, bold_path=folder / bold)

    def regular(self, size: int) -> ImageFont.FreeTypeFont:
        return _load_font(str(self.regular_path), size)

    def bold(self, size: int) -> ImageFont.FreeTypeFont:
        return _load_font(str(self.bold_path), size)


@functools.lru_cache(maxsize=64)
def _load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(path, size)
    except OSError as e:
        raise PrinterConfigError(f"cannot load ticket font {path}: {e}") from e


@dataclass(frozen=True)
class RenderedTicket:
    """The 1-bit ticket image and where its parts were drawn (for tests and previews)."""

    image: Image.Image
    regions: dict[str, Box] = field(default_factory=dict)


def render_ticket(
    content: TicketContent,
    width_dots: int,
    fonts: TicketFonts,
    *,
    dots_per_mm: float = DOTS_PER_MM,
) -> Image.Image:
    """Render ``content`` as a mode "1" image exactly ``width_dots`` wide (black = 0)."""
    return layout_ticket(content, width_dots, fonts, dots_per_mm=dots_per_mm).image


def layout_ticket(
    content: TicketContent,
    width_dots: int,
    fonts: TicketFonts,
    *,
    dots_per_mm: float = DOTS_PER_MM,
) -> RenderedTicket:
    """Like :func:`render_ticket`, also returning the region of each part."""
    if width_dots < 256:
        raise ValueError(f"width_dots {width_dots} is too narrow for a ticket (min 256)")
    # FreeType faces (cached, shared) are not safe to use from two threads at once: the
    # printer worker and a preview on another thread take turns.
    with _RENDER_LOCK:
        return _Layout(content, width_dots, fonts, dots_per_mm).render()


#: The service name's font per language: (bold, size in dots on 80 mm paper, minimum size).
SERVICE_NAME_FONTS = {"zh": (True, 44, 30), "en": (False, 26, 20)}


def service_name_fits(text: str, lang: str, width_dots: int, fonts: TicketFonts) -> bool:
    """Whether a service name prints on one line of a ticket ``width_dots`` wide.

    Measured with the font and margins the ticket layout uses, so a catalogue can be
    checked against the configured paper before a visitor takes a ticket.
    """
    k = width_dots / 576
    return _service_font(fonts, lang, k).getlength(text) <= width_dots - 2 * _margin(k)


def _margin(k: float) -> int:
    return max(8, round(12 * k))


def _service_font(fonts: TicketFonts, lang: str, k: float) -> ImageFont.FreeTypeFont:
    bold, size_80mm, minimum = SERVICE_NAME_FONTS[lang]
    size = max(minimum, round(size_80mm * k))
    return fonts.bold(size) if bold else fonts.regular(size)


class _Layout:
    """One ticket, drawn top to bottom on a tall greyscale canvas, then cropped."""

    def __init__(
        self, content: TicketContent, width: int, fonts: TicketFonts, dots_per_mm: float
    ) -> None:
        self.c = content
        self.w = width
        self.fonts = fonts
        self.dpmm = dots_per_mm
        # Sizes are tuned for 80 mm (576 dots) and scaled for narrower paper, never below
        # what a thermal head renders legibly.
        self.k = width / 576
        self.margin = _margin(self.k)
        self.inner = width - 2 * self.margin
        self.canvas = Image.new("L", (width, 1400), 255)
        self.draw = ImageDraw.Draw(self.canvas)
        self.y = 0
        self.regions: dict[str, Box] = {}

    # -- helpers ----------------------------------------------------------------------------

    def px(self, size_80mm: float, minimum: int = 0) -> int:
        return max(minimum, round(size_80mm * self.k))

    def service_font(self, lang: str) -> ImageFont.FreeTypeFont:
        return _service_font(self.fonts, lang, self.k)

    def ensure(self, rows: int) -> None:
        """Grow the canvas (white) when the next ``rows`` would not fit."""
        if self.y + rows <= self.canvas.height:
            return
        bigger = Image.new("L", (self.w, max(2 * self.canvas.height, self.y + rows)), 255)
        bigger.paste(self.canvas, (0, 0))
        self.canvas = bigger
        self.draw = ImageDraw.Draw(self.canvas)

    def gap(self, size_80mm: float) -> None:
        rows = self.px(size_80mm, 2)
        self.ensure(rows)
        self.y += rows

    def text_block(
        self,
        text: str,
        font: ImageFont.FreeTypeFont,
        *,
        region: str | None = None,
        align: str = "center",
        left: int | None = None,
        right: int | None = None,
        line_gap: float = 0.25,
        fill: int = 0,
    ) -> None:
        """Wrapped lines of text at the cursor; the cursor moves below them.

        The block is drawn once per text, font and width and reused (hall name, services,
        labels and footer repeat on every ticket).
        """
        x0 = self.margin if left is None else left
        x1 = self.w - self.margin if right is None else right
        top = self.y
        block = _text_block(text, font, x1 - x0, align, line_gap, fill)
        self.ensure(block.height)
        self.canvas.paste(block, (x0 - _BLOCK_PAD, top))
        self.y += block.height
        if region:
            self.regions[region] = (x0, top, x1, self.y)

    def cached(self, key: tuple[object, ...], draw: Callable[[], None]) -> None:
        """Run ``draw`` once for ``key`` (on a blank strip) and paste its result after that."""
        full_key = (self.w, self.fonts, self.dpmm, *key)
        hit = _BLOCKS.get(full_key)
        if hit is None:
            saved = self.canvas, self.draw, self.y, self.regions
            self.canvas = Image.new("L", (self.w, 256), 255)
            self.draw = ImageDraw.Draw(self.canvas)
            self.y, self.regions = 0, {}
            try:
                draw()
                self.ensure(0)
                hit = (self.canvas.crop((0, 0, self.w, self.y)), self.regions)
            finally:
                self.canvas, self.draw, self.y, self.regions = saved
            if len(_BLOCKS) >= 256:
                _BLOCKS.pop(next(iter(_BLOCKS)))
            _BLOCKS[full_key] = hit
        block, regions = hit
        top = self.y
        self.ensure(block.height)
        self.canvas.paste(block, (0, top))
        for name, (a, b, c, d) in regions.items():
            self.regions[name] = (a, b + top, c, d + top)
        self.y += block.height

    def rule(self, thickness: int = 2, dashed: bool = False) -> None:
        self.ensure(thickness)
        y = self.y
        if dashed:
            dash, space = self.px(10, 4), self.px(6, 3)
            x = self.margin
            while x < self.w - self.margin:
                x_end = min(x + dash, self.w - self.margin)
                self.draw.rectangle((x, y, x_end - 1, y + thickness - 1), fill=0)
                x += dash + space
        else:
            self.draw.rectangle(
                (self.margin, y, self.w - self.margin - 1, y + thickness - 1), fill=0
            )
        self.y += thickness

    # -- blocks -----------------------------------------------------------------------------

    def render(self) -> RenderedTicket:
        c = self.c
        self.gap(8)
        if c.hall_name:
            self.text_block(c.hall_name, self.fonts.bold(self.px(30, 22)), region="hall")
            self.gap(4)
            self.rule(self.px(3, 2))
            self.gap(12)
        if c.reprint:
            self.cached(("reprint",), self.reprint_mark)
            self.gap(12)
        if c.priority:
            self.cached(
                ("priority", c.priority_label_zh, c.priority_label_en), self.priority_banner
            )
            self.gap(10)
        self.text_block(NUMBER_LABEL, self.fonts.regular(self.px(22, 18)), region="number_label")
        self.gap(6)
        self.number()
        self.gap(18)
        self.text_block(c.service_name_zh, self.service_font("zh"), region="service_zh")
        self.gap(2)
        self.text_block(c.service_name_en, self.service_font("en"), region="service_en")
        self.gap(16)
        self.rule(2, dashed=True)
        self.gap(14)
        if c.waiting_ahead is not None:
            self.waiting()
            self.gap(10)
        self.location()
        self.gap(14)
        self.rule(2, dashed=True)
        self.gap(20)  # QR quiet zone: 4 modules of 3 (58 mm) or 4 (80 mm) dots
        self.details_and_qr()
        if c.footer:
            self.gap(20)
            self.text_block(c.footer, self.fonts.regular(self.px(21, 18)), region="footer")
        self.gap(10)
        return self.finish()

    def reprint_mark(self) -> None:
        font = self.fonts.bold(self.px(30, 22))
        pad = self.px(8, 6)
        border = self.px(4, 3)
        top = self.y
        height = round(font.size * 1.25) + 2 * pad
        self.ensure(height)
        self.draw.rectangle(
            (self.margin, top, self.w - self.margin - 1, top + height - 1),
            outline=0,
            width=border,
        )
        self.draw.text(
            (self.w / 2, top + height / 2),
            REPRINT_LABEL,
            font=font,
            fill=0,
            anchor="mm",
        )
        self.y += height
        self.regions["reprint"] = (self.margin, top, self.w - self.margin, self.y)

    def priority_banner(self) -> None:
        c = self.c
        zh_font = self.fonts.bold(self.px(40, 30))
        en_font = self.fonts.bold(self.px(26, 20))
        pad = self.px(10, 7)
        top = self.y
        zh_lines = wrap_text(c.priority_label_zh, zh_font, self.inner - 2 * pad)
        en_lines = wrap_text(c.priority_label_en, en_font, self.inner - 2 * pad)
        zh_h = round(zh_font.size * 1.2)
        en_h = round(en_font.size * 1.25)
        height = 2 * pad + zh_h * len(zh_lines) + en_h * len(en_lines)
        self.ensure(height)
        self.draw.rectangle((self.margin, top, self.w - self.margin - 1, top + height - 1), fill=0)
        y = top + pad
        for line in zh_lines:
            self.draw.text(
                (self.w / 2, y + round(zh_font.size * 0.92)),
                line,
                font=zh_font,
                fill=255,
                anchor="ms",
            )
            y += zh_h
        for line in en_lines:
            self.draw.text(
                (self.w / 2, y + round(en_font.size * 0.92)),
                line,
                font=en_font,
                fill=255,
                anchor="ms",
            )
            y += en_h
        self.y = top + height
        self.regions["priority"] = (self.margin, top, self.w - self.margin, self.y)

    def number(self) -> None:
        """The ticket number: glyphs at least 15 mm tall, condensed (not shrunk) if too wide."""
        text = self.c.number.strip()
        min_h = math.ceil(MIN_NUMBER_HEIGHT_MM * self.dpmm)
        target_h = max(min_h, round(21 * self.dpmm * self.k))
        glyphs = _number_glyphs(str(self.fonts.bold_path), text, target_h)
        if glyphs.width > self.inner:
            glyphs = glyphs.resize((self.inner, glyphs.height), Image.Resampling.LANCZOS)
        left = (self.w - glyphs.width) // 2
        self.ensure(glyphs.height)
        self.canvas.paste(glyphs, (left, self.y))
        self.regions["number"] = (left, self.y, left + glyphs.width, self.y + glyphs.height)
        self.y += glyphs.height

    def waiting(self) -> None:
        zh, en = waiting_lines(self.c.waiting_ahead or 0, self.c.estimate_minutes)
        top = self.y
        self.text_block(zh, self.fonts.bold(self.px(30, 22)))
        self.text_block(en, self.fonts.regular(self.px(22, 18)))
        self.regions["waiting"] = (self.margin, top, self.w - self.margin, self.y)

    def location(self) -> None:
        c = self.c
        top = self.y
        zh, en = location_lines(c)
        if zh:
            self.text_block(zh, self.fonts.bold(self.px(30, 22)))
        if en:
            self.text_block(en, self.fonts.regular(self.px(22, 18)))
        self.regions["location"] = (self.margin, top, self.w - self.margin, self.y)

    def details_and_qr(self) -> None:
        c = self.c
        qr = qr_code_image(c.qr_payload, max_side=self.px(168, 112), min_module=3)
        self.ensure(qr.height)
        top = self.y
        qr_left = self.w - self.margin - qr.width
        self.canvas.paste(qr, (qr_left, top))
        self.regions["qr"] = (qr_left, top, qr_left + qr.width, top + qr.height)
        # Text column left of the QR code, with a quiet zone of 4 modules (>= 12 dots).
        text_right = qr_left - self.px(20, 14)
        font = self.fonts.regular(self.px(22, 17))
        bold = self.fonts.bold(self.px(26, 19))
        lines = [(text, bold if i == 0 else font) for i, text in enumerate(detail_lines(c))]
        rows_h = sum(round(f.size * 1.3) for _, f in lines)
        self.y = top + max(0, (qr.height - rows_h) // 2)
        for text, f in lines:
            self.text_block(text, f, align="left", right=text_right, line_gap=0.3)
        self.regions["details"] = (self.margin, top, text_right, max(self.y, top + qr.height))
        self.y = max(self.y, top + qr.height)

    def finish(self) -> RenderedTicket:
        self.ensure(0)  # crop() beyond the canvas would fill with black
        height = self.y
        grey = self.canvas.crop((0, 0, self.w, height))
        image = grey.point(_THRESHOLD, mode="1")
        return RenderedTicket(image=image, regions=self.regions)


#: Text blocks reach this far left and right of their column (glyph overhang).
_BLOCK_PAD = 4
#: Banners drawn once: (width, fonts, dots/mm, kind, texts) -> (greyscale strip, regions).
_BLOCKS: dict[tuple[object, ...], tuple[Image.Image, dict[str, Box]]] = {}


@functools.lru_cache(maxsize=512)
def _text_block(
    text: str, font: ImageFont.FreeTypeFont, width: int, align: str, line_gap: float, fill: int
) -> Image.Image:
    """Wrapped lines in a greyscale strip ``width + 2 * _BLOCK_PAD`` wide."""
    size = font.size
    line_h = round(size * (1 + line_gap))
    lines = wrap_text(text, font, width)
    block = Image.new("L", (width + 2 * _BLOCK_PAD, line_h * len(lines)), 255)
    draw = ImageDraw.Draw(block)
    for i, line in enumerate(lines):
        baseline = i * line_h + round(size * 0.9)
        if align == "center":
            x = _BLOCK_PAD + width / 2
            draw.text((x, baseline), line, font=font, fill=fill, anchor="ms")
        else:
            draw.text((_BLOCK_PAD, baseline), line, font=font, fill=fill, anchor="ls")
    return block


# 1-bit: a dot is printed where the antialiased grey is darker than this. Above half grey
# on purpose: at 18-22 px the regular face keeps whole strokes instead of broken 1-dot ones.
INK_THRESHOLD = 170
_THRESHOLD = [0 if v < INK_THRESHOLD else 255 for v in range(256)]


@functools.lru_cache(maxsize=32)
def _number_glyphs(font_path: str, text: str, target_height: int) -> Image.Image:
    """The number drawn in greyscale and cropped to its ink; once thresholded to 1 bit, its
    ink is at least ``target_height`` dots tall."""
    probe = _load_font(font_path, 200)
    _, top, _, bottom = probe.getbbox(text, anchor="ls")
    size = max(8, math.floor(200 * target_height / max(1.0, bottom - top)))
    while True:
        image = _draw_cropped(_load_font(font_path, size), text)
        if image.height >= target_height:
            return image
        size += 1


def _draw_cropped(font: ImageFont.FreeTypeFont, text: str) -> Image.Image:
    # Glyph by glyph from a cache: big glyphs cost ~0.2 ms each to draw and a ticket number
    # only ever uses a few dozen characters. The canvas holds every glyph's own box (the
    # string's box from getbbox can be lower than the overshoot of round digits).
    placed = []
    for i, ch in enumerate(text):
        glyph, dx, dy = _glyph(font, ch)
        placed.append((glyph, round(font.getlength(text[:i])) + dx, dy))
    x0 = min(x for _, x, _ in placed)
    y0 = min(y for _, _, y in placed)
    x1 = max(x + g.width for g, x, _ in placed)
    y1 = max(y + g.height for g, _, y in placed)
    image = Image.new("L", (x1 - x0, y1 - y0), 255)
    for glyph, x, y in placed:
        box = (x - x0, y - y0, x - x0 + glyph.width, y - y0 + glyph.height)
        image.paste(ImageChops.darker(image.crop(box), glyph), box)
    # Crop to what survives the 1-bit threshold, so the measured height is the printed one.
    ink = image.point(_THRESHOLD).point(lambda v: 255 - v).getbbox()
    return image.crop(ink) if ink else image


@functools.lru_cache(maxsize=512)
def _glyph(font: ImageFont.FreeTypeFont, ch: str) -> tuple[Image.Image, int, int]:
    """``ch`` in greyscale, cropped to its box, and that box's offset from the pen position
    on the baseline."""
    left, top, right, bottom = (round(v) for v in font.getbbox(ch, anchor="ls"))
    image = Image.new("L", (right - left + 2, bottom - top + 2), 255)
    ImageDraw.Draw(image).text((1 - left, 1 - top), ch, font=font, fill=0, anchor="ls")
    return image, left - 1, top - 1


#: QR code byte-mode capacity at error correction M, versions 1-40 (ISO/IEC 18004 table 7).
QR_BYTES_AT_M = (
    14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560,
    624, 666, 711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628,
    1722, 1809, 1911, 1989, 2099, 2213, 2331,
)  # fmt: skip


def qr_version(payload: bytes) -> int:
    """The smallest QR version holding ``payload`` in byte mode at error correction M."""
    for version, capacity in enumerate(QR_BYTES_AT_M, start=1):
        if len(payload) <= capacity:
            return version
    raise ValueError(f"QR payload of {len(payload)} bytes is too long")


@functools.lru_cache(maxsize=32)
def qr_code_image(payload: str, max_side: int, min_module: int) -> Image.Image:
    """QR code (error correction M) with whole-dot modules, no border (the layout keeps one).

    The mask pattern is fixed: any of the eight is valid, and scoring all eight (what
    qrcode does by default) costs about 20 ms, half the ticket's render budget.
    """
    code = qrcode.QRCode(
        version=qr_version(payload.encode("utf-8")),  # no search for the smallest version
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=0,
        mask_pattern=QR_MASK_PATTERN,
    )
    code.add_data(payload)
    code.make(fit=False)
    matrix = code.get_matrix()
    modules = len(matrix)
    module = max(min_module, max_side // modules)
    small = Image.new("L", (modules, modules), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    return small.resize((modules * module, modules * module), Image.Resampling.NEAREST)


NUMBER_LABEL = "您的号码  Your number"
REPRINT_LABEL = "补打  REPRINT  补打"


def waiting_lines(ahead: int, minutes: int | None = None) -> tuple[str, str]:
    """How many wait ahead (and about how long, when the hall server estimated it), in
    Chinese and English (both ticket modes print these)."""
    if ahead == 0:
        return "您前面没有人等候", "You are next"
    people = "person" if ahead == 1 else "people"
    zh, en = f"您前面还有 {ahead} 人等候", f"{ahead} {people} waiting ahead of you"
    if minutes is not None:
        zh, en = f"{zh}，约 {minutes} 分钟", f"{en}, about {minutes} min"
    return zh, en


def location_lines(content: TicketContent) -> tuple[str, str]:
    """Where to wait, Chinese and English; empty where the catalogue gives no location."""
    zh = f"请到 {content.location_zh} 等候叫号" if content.location_zh else ""
    en = f"Please wait at {content.location_en}" if content.location_en else ""
    return zh, en


def detail_lines(content: TicketContent) -> list[str]:
    """Date (first, printed bold), time and weekday, kiosk, short ticket id."""
    issued = content.issued_at
    lines = [
        issued.strftime("%Y-%m-%d"),
        f"{issued:%H:%M:%S}  {_WEEKDAYS_ZH[issued.weekday()]}",
    ]
    if content.kiosk_id:
        lines.append(f"自助机 Kiosk {content.kiosk_id}")
    lines.append(f"票号 ID {_short_id(content.ticket_id)}")
    return lines


def _short_id(ticket_id: str) -> str:
    compact = ticket_id.replace("-", "")
    return compact[:8] if len(compact) > 8 else compact


# A token is one CJK character (may break anywhere), a run of spaces, or a Latin word.
_CJK = r"\u2e80-\u2fff\u3000-\u303f\u3040-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(rf"[{_CJK}]|\s+|[^\s{_CJK}]+")
# Chinese punctuation that must not start a line: it stays on the line before.
_NO_LINE_START = set("，。、；：？！）》」』】〕”’…·,.;:?!)%")


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy line breaking: CJK between characters, Latin between words; hard newlines."""
    return wrap_measured(text, font.getlength, max_width)


def wrap_measured(text: str, measure: Callable[[str], float], max_width: int) -> list[str]:
    """:func:`wrap_text` with any width function (dots of a string), e.g. printer cells."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for token in _TOKEN.findall(paragraph):
            candidate = line + token
            if measure(candidate) <= max_width or not line.strip():
                if not line.strip() and measure(candidate) > max_width:
                    # One word wider than the line: break it by character.
                    for ch in token:
                        if line and measure(line + ch) > max_width:
                            lines.append(line)
                            line = ""
                        line += ch
                else:
                    line = candidate
            elif token.isspace():
                lines.append(line.rstrip())
                line = ""
            elif token in _NO_LINE_START and len(line.rstrip()) > 1:
                # Carry the last character down with the punctuation.
                kept = line.rstrip()
                lines.append(kept[:-1])
                line = kept[-1] + token
            else:
                lines.append(line.rstrip())
                line = token
        lines.append(line.rstrip())
    return lines
