"""Exact ESC/POS bytes of the ticket command stream, collected by python-escpos's Dummy."""

import pytest
from escpos.capabilities import get_profile
from escpos.printer import Dummy
from PIL import Image

from printer.commands import RASTER_BAND_ROWS, cut_command, encode_ticket, write_ticket
from printer.errors import PrinterConfigError
from printer.profiles import load_profile, profile_width_dots, width_dots

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
    data = encode_ticket(Image.new("1", (576, rows), 1), "TM-T20II")
    first = b"\x1dv0\x00" + bytes([72, 0, 0, 1]) + b"\x00" * (72 * 256)
    second = b"\x1dv0\x00" + bytes([72, 0, 44, 0]) + b"\x00" * (72 * 44)
    assert RASTER_BAND_ROWS == 256
    assert data == INIT + first + second + FEED_6 + FULL_CUT


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


def test_write_ticket_refuses_an_image_of_the_wrong_width() -> None:
    dummy = Dummy(profile="TM-T20II")
    with pytest.raises(ValueError, match="384 dots wide, the printer 576"):
        write_ticket(dummy, _image(384, 2), FULL_CUT)
    assert dummy.output == b""


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
