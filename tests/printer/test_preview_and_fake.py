"""The preview printer (PNG + exact bytes in a folder) and the scriptable fake."""

from pathlib import Path

import pytest
from PIL import Image

from printer.base import DiagnosablePrinter, TicketPrinter
from printer.commands import encode_ticket
from printer.errors import PaperOut, PrinterError, PrinterOffline, PrintFailed
from printer.fake import FakeTicketPrinter
from printer.preview import PreviewTicketPrinter
from printer.samples import sample_ticket
from printer.status import PrinterStatus
from printer.ticket import TicketFonts, render_ticket
from tests.printer.escpos_stream import images_equal, native_lines, parse, qr_codes, raster_image


@pytest.mark.parametrize(("width", "profile"), [(384, "POS-5890"), (576, "TM-T20II")])
def test_preview_writes_png_and_exact_bytes(
    tmp_path: Path, fonts: TicketFonts, width: int, profile: str
) -> None:
    printer = PreviewTicketPrinter(tmp_path / "out", width, fonts)
    assert isinstance(printer, DiagnosablePrinter)
    assert printer.status() is PrinterStatus.READY  # folder does not exist yet: can be made
    content = sample_ticket(priority=True)
    printer.print_ticket(content)
    assert printer.last_png == tmp_path / "out" / "L012-7f3c9a2e.png"
    assert printer.last_bin == tmp_path / "out" / "L012-7f3c9a2e.bin"
    expected = render_ticket(content, width, fonts)
    with Image.open(printer.last_png) as png:
        assert images_equal(png, expected)
    data = printer.last_bin.read_bytes()
    assert data == encode_ticket(expected, profile)
    units = 2 if profile == "TM-T20II" else None  # blank bands fed on TM-T20II
    assert images_equal(raster_image(parse(data), feed_units_per_dot=units), expected)


def test_preview_reprint_gets_its_own_files(tmp_path: Path, fonts: TicketFonts) -> None:
    printer = PreviewTicketPrinter(tmp_path, 576, fonts)
    printer.print_ticket(sample_ticket())
    printer.print_ticket(sample_ticket(reprint=True))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "A037-7f3c9a2e-reprint.bin",
        "A037-7f3c9a2e-reprint.png",
        "A037-7f3c9a2e.bin",
        "A037-7f3c9a2e.png",
    ]


def test_preview_into_an_impossible_folder(tmp_path: Path, fonts: TicketFonts) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    printer = PreviewTicketPrinter(blocker / "tickets", 576, fonts)
    reading = printer.check_status()
    assert reading.status is PrinterStatus.ERROR and "not a folder" in reading.detail
    with pytest.raises(PrintFailed):
        printer.print_ticket(sample_ticket())
    assert printer.last_png is None


def test_fake_records_and_can_be_scripted(fonts: TicketFonts) -> None:
    fake = FakeTicketPrinter(fonts=fonts, width_dots=384)
    assert isinstance(fake, TicketPrinter)
    fake.print_ticket(sample_ticket())
    assert [c.number for c in fake.printed] == ["A037"]
    assert fake.last_image is not None and fake.last_image.width == 384

    fake.fail_next(PrintFailed("connection lost after 812 bytes"))
    with pytest.raises(PrintFailed):
        fake.print_ticket(sample_ticket(priority=True))
    fake.print_ticket(sample_ticket(priority=True))  # only the next one failed
    assert [c.number for c in fake.printed] == ["A037", "L012"]

    for status, error in [
        (PrinterStatus.PAPER_OUT, PaperOut),
        (PrinterStatus.OFFLINE, PrinterOffline),
        (PrinterStatus.ERROR, PrinterError),
    ]:
        fake.set_status(status)
        assert fake.status() is status
        with pytest.raises(error):
            fake.print_ticket(sample_ticket())
    assert len(fake.printed) == 2
    fake.set_status(PrinterStatus.PAPER_NEAR_END)
    fake.print_ticket(sample_ticket())
    assert len(fake.printed) == 3
    fake.close()
    assert fake.closed


def _ink_bands(image: Image.Image) -> list[tuple[int, int]]:
    """(top, bottom) of each run of rows with any black dot."""
    bands, top = [], None
    for y in range(image.height + 1):
        inked = y < image.height and image.crop((0, y, image.width, y + 1)).getextrema()[0] == 0
        if inked and top is None:
            top = y
        elif not inked and top is not None:
            bands.append((top, y))
            top = None
    return bands


@pytest.mark.parametrize(("width", "profile"), [(576, "TM-T20II"), (384, "POS-5890")])
def test_native_preview_png_shows_what_its_bytes_say(
    tmp_path: Path, fonts: TicketFonts, width: int, profile: str
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")  # independent decoder (dev dependency)
    printer = PreviewTicketPrinter(tmp_path, width, fonts, profile=profile, mode="native")
    content = sample_ticket(priority=True)
    printer.print_ticket(content)
    assert printer.last_png is not None and printer.last_bin is not None
    assert printer.last_png.name == "L012-7f3c9a2e-native.png"
    commands = parse(printer.last_bin.read_bytes())
    lines = native_lines(commands)
    with Image.open(printer.last_png) as png:
        image = png.convert("L")
    assert image.width == width

    # The QR code in the picture holds what the bytes store (GS ( k, or a raster on 58 mm).
    decoded = [r.text for r in zxingcpp.read_barcodes(image)]
    assert decoded == [content.qr_payload]
    if profile == "TM-T20II":
        assert [q.payload.decode() for q in qr_codes(commands)] == decoded

    # The white-on-black banner: black to both edges on as many rows as its lines are tall.
    reversed_rows = sum(24 * line.size[1] for line in lines if line.reverse)
    edge_black = [
        y
        for y in range(image.height)
        if image.crop((0, y, 12, y + 1)).getextrema() == (0, 0)
        and image.crop((width - 12, y, width, y + 1)).getextrema() == (0, 0)
    ]
    assert reversed_rows == 72 and len(edge_black) == reversed_rows
    assert edge_black == list(range(edge_black[0], edge_black[0] + 72))  # one block

    # The number: magnified as the bytes say, i.e. made of whole w x h blocks of dots
    # starting where the centred line starts.
    number = next(line for line in lines if line.text == "L012")
    w, h = number.size
    line_width = 4 * 12 * w
    left = (width - line_width) // 2
    top, bottom = next(band for band in _ink_bands(image) if band[1] - band[0] >= 100)
    assert (bottom - top) % h == 0 and bottom - top <= 24 * h
    glyphs = image.crop((left, top, left + line_width, bottom))
    assert image.crop((0, top, left, bottom)).getextrema()[0] == 255  # nothing left of it
    small = glyphs.resize((glyphs.width // w, glyphs.height // h), Image.Resampling.NEAREST)
    assert small.resize(glyphs.size, Image.Resampling.NEAREST).tobytes() == glyphs.tobytes()
