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
from tests.printer.escpos_stream import images_equal, parse, raster_image


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
