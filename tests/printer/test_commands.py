"""Exact ESC/POS bytes of the image ticket's command stream."""

import pytest
from escpos.capabilities import get_profile
from PIL import Image

from printer.commands import RASTER_BAND_ROWS, cut_command, encode_ticket
from printer.errors import PrinterConfigError
from printer.profiles import load_profile, profile_width_dots, width_dots
from tests.printer.escpos_stream import images_equal, parse, raster_image

INIT = b"\x1b@"
FEED_6 = b"\x1bd\x06"
FULL_CUT = b"\x1dV\x00"
PART_CUT = b"\x1dV\x01"


def _image(width: int, rows: int) -> Image.Image:
    """White image; row 0: first 8 dots black; row 1: first and last dot black."""
    image = Image.new("1", (width, rows), 1)
    for x in range(8):
        image.putpixel((x, 0), 0)
    image.putpixel((0, 1), 0)
    image.putpixel((width - 1, 1), 0)
    return image


def test_58mm_stream_is_init_raster_feed_without_cut() -> None:
    data = encode_ticket(_image(384, 3), "POS-5890")
    raster = (
        b"\x1dv0\x00" + bytes([48, 0, 3, 0])
        + b"\xff" + b"\x00" * 47
        + b"\x80" + b"\x00" * 46 + b"\x01"
        + b"\x00" * 48
    )  # fmt: skip
    assert data == INIT + raster + FEED_6  # POS-5890 has a tear bar, no cutter


def test_80mm_stream_ends_with_full_cut() -> None:
    data = encode_ticket(_image(576, 2), "TM-T20II")
    raster = (
        b"\x1dv0\x00" + bytes([72, 0, 2, 0])
        + b"\xff" + b"\x00" * 71
        + b"\x80" + b"\x00" * 70 + b"\x01"
    )  # fmt: skip
    assert data == INIT + raster + FEED_6 + FULL_CUT


def test_tall_images_go_in_bands() -> None:
    rows = RASTER_BAND_ROWS + 44
    image = Image.new("1", (384, rows), 1)
    data = encode_ticket(image, "POS-5890")  # feed unit unknown: blank rows go as zeros
    first = b"\x1dv0\x00" + bytes([48, 0, 0, 1]) + b"\x00" * (48 * 256)
    second = b"\x1dv0\x00" + bytes([48, 0, 44, 0]) + b"\x00" * (48 * 44)
    assert RASTER_BAND_ROWS == 256
    assert data == INIT + first + second + FEED_6


def test_blank_bands_are_fed_where_the_feed_unit_is_known() -> None:
    image = Image.new("1", (576, 206), 1)
    image.putpixel((0, 0), 0)  # ink, 200 blank rows, ink, 4 rows (2 blank: too few to feed)
    image.putpixel((575, 201), 0)
    image.putpixel((8, 203), 0)
    data = encode_ticket(image, "TM-T20II")  # ESC J unit: 1/406 inch, two per dot row
    row0 = b"\x1dv0\x00" + bytes([72, 0, 1, 0]) + b"\x80" + b"\x00" * 71
    feed = b"\x1bJ\xfe" + b"\x1bJ\x92"  # 400 units = 254 + 146
    tail = (
        b"\x1dv0\x00" + bytes([72, 0, 5, 0])
        + b"\x00" * 71 + b"\x01"
        + b"\x00" * 72
        + b"\x00\x80" + b"\x00" * 70
        + b"\x00" * 144
    )  # fmt: skip
    assert data == INIT + row0 + feed + tail + FEED_6 + FULL_CUT
    commands = parse(data)
    assert images_equal(raster_image(commands, feed_units_per_dot=2), image)


@pytest.mark.parametrize(
    ("profile", "cutter", "expected"),
    [
        ("TM-T20II", None, FULL_CUT),
        ("TM-T20II", False, b""),
        ("POS-5890", None, b""),
        ("POS-5890", True, FULL_CUT),  # a 58 mm kiosk mechanism with a cutter
        ("TM-U220B", None, PART_CUT),  # partial cut only
    ],
)
def test_cut_follows_profile_unless_forced(
    profile: str, cutter: bool | None, expected: bytes
) -> None:
    assert cut_command(get_profile(profile), cutter) == expected


def test_an_image_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="384 dots wide, the printer 576"):
        encode_ticket(_image(384, 2), "TM-T20II")


def test_profiles() -> None:
    assert profile_width_dots(load_profile("POS-5890")) == 384
    assert profile_width_dots(load_profile("TM-T20II")) == 576
    with pytest.raises(PrinterConfigError, match="unknown"):
        load_profile("NO-SUCH-PRINTER")
    with pytest.raises(PrinterConfigError, match="no dot width"):
        load_profile("default")
    assert (width_dots(58), width_dots(80), width_dots(80, "TM-T88V")) == (384, 576, 512)
    with pytest.raises(PrinterConfigError, match="58 or 80"):
        width_dots(76)
