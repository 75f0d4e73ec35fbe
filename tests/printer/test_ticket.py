"""The ticket image: exact width, 1 bit, the number big and really drawn, every part there."""

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from printer.errors import PrinterConfigError
from printer.samples import diagnostic_ticket, sample_ticket
from printer.ticket import (
    TicketContent,
    TicketFonts,
    layout_ticket,
    render_ticket,
    wrap_text,
)

MIN_NUMBER_DOTS = 120  # 15 mm at 8 dots/mm


def _ink_box(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """Bounding box of the black dots inside ``box`` (image coordinates)."""
    crop = image.crop(box).convert("L")
    ink = ImageChops.invert(crop).getbbox()
    assert ink is not None, f"no ink in {box}"
    return (box[0] + ink[0], box[1] + ink[1], box[0] + ink[2], box[1] + ink[3])


def _black_fraction(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    crop = image.crop(box)
    return crop.histogram()[0] / (crop.width * crop.height)


@pytest.mark.parametrize("width", [384, 576])
@pytest.mark.parametrize("priority", [False, True])
def test_image_is_one_bit_at_the_exact_width(
    fonts: TicketFonts, width: int, priority: bool
) -> None:
    image = render_ticket(sample_ticket(priority=priority), width, fonts)
    assert image.mode == "1"
    assert image.width == width
    assert 400 < image.height < 1400  # a ticket, not a banner or a scroll
    histogram = image.histogram()
    assert histogram[0] > 0 and histogram[255] > 0
    assert histogram[0] + histogram[255] == image.width * image.height


@pytest.mark.parametrize("width", [384, 576])
@pytest.mark.parametrize("number", ["A037", "L012", "B1024", "WW888"])
def test_number_is_at_least_15_mm_tall_and_fits(
    fonts: TicketFonts, width: int, number: str
) -> None:
    content = replace(sample_ticket(), number=number)
    rendered = layout_ticket(content, width, fonts)
    left, top, right, bottom = _ink_box(rendered.image, rendered.regions["number"])
    assert bottom - top >= MIN_NUMBER_DOTS
    assert left > 0 and right < width  # condensed when long, never cut off


@pytest.mark.parametrize("width", [384, 576])
def test_the_number_is_drawn_where_the_layout_says(fonts: TicketFonts, width: int) -> None:
    a = layout_ticket(replace(sample_ticket(), number="A037"), width, fonts)
    b = layout_ticket(replace(sample_ticket(), number="A038"), width, fonts)
    assert a.image.size == b.image.size
    changed = ImageChops.difference(a.image.convert("L"), b.image.convert("L")).getbbox()
    assert changed is not None, "changing the number changed nothing"
    # Nothing outside the number changes (its width may differ: it is centred by its ink).
    (al, at, ar, ab), (bl, bt, br, bb) = a.regions["number"], b.regions["number"]
    cl, ct, cr, cb = changed
    assert min(al, bl) <= cl and min(at, bt) <= ct and cr <= max(ar, br) and cb <= max(ab, bb)


def _number_ink(fonts: TicketFonts, number: str, width: int) -> Image.Image:
    rendered = layout_ticket(replace(sample_ticket(), number=number), width, fonts)
    return rendered.image.crop(_ink_box(rendered.image, rendered.regions["number"]))


def _reference(fonts: TicketFonts, text: str, size: tuple[int, int]) -> Image.Image:
    """``text`` drawn big with the bold font, cropped to its ink and scaled to ``size``."""
    canvas = Image.new("L", (size[0] * 3, size[1] * 3), 255)
    ImageDraw.Draw(canvas).text((10, 10), text, font=fonts.bold(size[1] * 2), fill=0, anchor="lt")
    box = ImageChops.invert(canvas).getbbox()
    assert box is not None
    return canvas.crop(box).resize(size).point(lambda v: 0 if v < 128 else 255, "1")


def _mismatch(a: Image.Image, b: Image.Image) -> float:
    diff = ImageChops.difference(a.convert("L"), b.resize(a.size).convert("L"))
    return diff.histogram()[255] / (a.width * a.height)


@pytest.mark.parametrize("width", [384, 576])
def test_number_region_shows_the_number_in_the_bold_font(fonts: TicketFonts, width: int) -> None:
    ink = _number_ink(fonts, "A037", width)
    reference = _reference(fonts, "A037", ink.size)
    assert _mismatch(ink, reference) < 0.05  # measured: about 0.01
    assert _mismatch(_number_ink(fonts, "B946", width), reference) > 0.2  # measured: about 0.4


@pytest.mark.parametrize("width", [384, 576])
def test_priority_banner_only_on_priority_tickets(fonts: TicketFonts, width: int) -> None:
    normal = layout_ticket(sample_ticket(), width, fonts)
    priority = layout_ticket(sample_ticket(priority=True), width, fonts)
    assert "priority" not in normal.regions
    banner = priority.regions["priority"]
    assert banner[2] - banner[0] == width - 2 * (banner[0])  # full width inside the margins
    assert _black_fraction(priority.image, banner) > 0.7  # white text on black


@pytest.mark.parametrize("width", [384, 576])
def test_reprint_mark_only_on_reprints(fonts: TicketFonts, width: int) -> None:
    first = layout_ticket(sample_ticket(), width, fonts)
    again = layout_ticket(sample_ticket(reprint=True), width, fonts)
    assert "reprint" not in first.regions
    assert 0.05 < _black_fraction(again.image, again.regions["reprint"]) < 0.6
    assert again.image.height > first.image.height


def test_optional_parts_follow_the_content(fonts: TicketFonts) -> None:
    bare = replace(sample_ticket(), hall_name="", footer="", waiting_ahead=None)
    full = layout_ticket(sample_ticket(), 576, fonts)
    small = layout_ticket(bare, 576, fonts)
    for part in ("hall", "footer", "waiting"):
        assert part in full.regions
        assert part not in small.regions
    for part in ("number", "service_zh", "service_en", "location", "details", "qr"):
        assert part in small.regions
    zero = layout_ticket(replace(sample_ticket(), waiting_ahead=0), 576, fonts)
    assert "waiting" in zero.regions


@pytest.mark.parametrize("width", [384, 576])
def test_margins_stay_white_with_long_text(fonts: TicketFonts, width: int) -> None:
    long = replace(
        sample_ticket(priority=True, reprint=True),
        service_name_zh="城乡居民基本医疗保险参保登记、缴费基数核定及异地就医备案",
        service_name_en="Urban and rural residents' basic medical insurance enrolment "
        "and registration of medical treatment in other places",
        location_zh="B区二楼 综合受理 21-28号窗口（残疾人及老年人优先）",
        location_en="Area B, 2nd floor, general acceptance windows 21-28",
        footer="请妥善保管本票。" * 6,
        hall_name="某某省某某市某某区人民政府政务服务中心（行政审批服务局）",
    )
    image = render_ticket(long, width, fonts)
    margin = 8
    for box in ((0, 0, margin, image.height), (width - margin, 0, width, image.height)):
        assert image.crop(box).convert("L").getextrema() == (255, 255), box


def test_very_long_content_grows_the_ticket_not_the_ink(fonts: TicketFonts) -> None:
    footer = "\n".join(f"第{i}条 请保管好本票 Keep this ticket" for i in range(80))
    rendered = layout_ticket(replace(sample_ticket(), footer=footer), 576, fonts)
    image = rendered.image
    assert rendered.regions["footer"][3] <= image.height
    assert image.height > 2 * 1400  # well past the first canvas
    last_rows = image.crop((0, image.height - 8, image.width, image.height)).convert("L")
    assert last_rows.getextrema() == (255, 255)  # ends on white paper, not a black block
    assert _black_fraction(image, (0, 0, image.width, image.height)) < 0.2


def test_qr_code_holds_url_prefix_and_ticket_id(fonts: TicketFonts) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")  # independent decoder (dev dependency)
    for width in (384, 576):
        with_prefix = render_ticket(sample_ticket(), width, fonts)
        without = render_ticket(replace(sample_ticket(), qr_url_prefix=""), width, fonts)
        assert [r.text for r in zxingcpp.read_barcodes(with_prefix.convert("L"))] == [
            "https://zwfw.example.gov.cn/t/7f3c9a2e-4b1d-4e8a-9c55-0d2f6b8e1a47"
        ]
        assert [r.text for r in zxingcpp.read_barcodes(without.convert("L"))] == [
            "7f3c9a2e-4b1d-4e8a-9c55-0d2f6b8e1a47"
        ]


def test_qr_modules_are_whole_dots(fonts: TicketFonts) -> None:
    rendered = layout_ticket(sample_ticket(), 384, fonts)
    left, top, right, bottom = rendered.regions["qr"]
    assert right - left == bottom - top
    # 0.375 mm modules or more: every module is a block of at least 3x3 dots.
    assert (right - left) % 3 == 0 and (right - left) // 3 >= 21


def test_rendering_is_deterministic(fonts: TicketFonts) -> None:
    a = render_ticket(sample_ticket(priority=True), 576, fonts)
    b = render_ticket(sample_ticket(priority=True), 576, fonts)
    assert a.tobytes() == b.tobytes()


def test_diagnostic_ticket_renders(fonts: TicketFonts) -> None:
    image = render_ticket(diagnostic_ticket(issued_at=datetime(2025, 1, 2, 3, 4, 5)), 384, fonts)
    assert image.width == 384


def test_wrap_text_breaks_cjk_anywhere_and_latin_between_words(fonts: TicketFonts) -> None:
    font = fonts.regular(24)
    zh = wrap_text("社会保障卡申领补换，及相关业务咨询", font, 24 * 6)
    assert all(font.getlength(line) <= 24 * 6 for line in zh)
    assert "".join(zh) == "社会保障卡申领补换，及相关业务咨询"
    assert not any(line.startswith("，") for line in zh)
    en = wrap_text("Social security card application", font, 200)
    assert " ".join(en) == "Social security card application"
    assert all(font.getlength(line) <= 200 for line in en)
    assert wrap_text("一\n二", font, 500) == ["一", "二"]


def test_fonts_must_exist(tmp_path: Path) -> None:
    with pytest.raises(PrinterConfigError, match="not found"):
        TicketFonts.from_dir(tmp_path)
    (tmp_path / "NotoSansSC-Regular.otf").write_bytes(b"not a font")
    (tmp_path / "NotoSansSC-Bold.otf").write_bytes(b"not a font")
    broken = TicketFonts.from_dir(tmp_path)
    with pytest.raises(PrinterConfigError, match="cannot load"):
        broken.regular(20)


def test_ticket_content_is_validated() -> None:
    good = sample_ticket()
    with pytest.raises(ValueError, match="number"):
        replace(good, number=" ")
    with pytest.raises(ValueError, match="ticket_id"):
        replace(good, ticket_id="")
    with pytest.raises(ValueError, match="waiting_ahead"):
        replace(good, waiting_ahead=-1)
    assert TicketContent(**{**good.__dict__, "qr_url_prefix": "x/"}).qr_payload.startswith("x/7f")
