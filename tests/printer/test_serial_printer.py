"""Real serial I/O over a pseudo-terminal: status replies and the ticket's bytes."""

from collections.abc import Iterator

import pytest

from printer.errors import PrinterOffline
from printer.escpos_printer import EscposTicketPrinter
from printer.samples import sample_ticket
from printer.settings import PrinterSettings
from printer.status import PrinterStatus
from printer.ticket import TicketFonts, render_ticket
from tests.printer.escpos_stream import (
    PAPER_NEAR_END,
    PAPER_OUT,
    PtyPrinter,
    images_equal,
    parse,
    raster_image,
)


@pytest.fixture
def pty_printer() -> Iterator[PtyPrinter]:
    printer = PtyPrinter().start()
    try:
        yield printer
    finally:
        printer.stop()


def _printer(port: str, fonts: TicketFonts, timeout_s: float = 2.0) -> EscposTicketPrinter:
    settings = PrinterSettings(
        transport="serial",
        serial_port=port,
        serial_baudrate=115200,
        paper_width_mm=58,
        timeout_s=timeout_s,
    )
    return EscposTicketPrinter(settings, fonts)


def test_status_over_serial(pty_printer: PtyPrinter, fonts: TicketFonts) -> None:
    printer = _printer(pty_printer.port, fonts)
    assert printer.status() is PrinterStatus.READY
    pty_printer.script.paper = [PAPER_NEAR_END]
    assert printer.status() is PrinterStatus.PAPER_NEAR_END
    pty_printer.script.paper = [PAPER_OUT]
    assert printer.status() is PrinterStatus.PAPER_OUT
    assert pty_printer.model.conn.queries == [1, 4] * 3


def test_silent_serial_printer_is_offline(pty_printer: PtyPrinter, fonts: TicketFonts) -> None:
    pty_printer.script.silent = True
    reading = _printer(pty_printer.port, fonts, timeout_s=0.2).check_status()
    assert reading.status is PrinterStatus.OFFLINE
    assert "no reply" in reading.detail


def test_ticket_over_serial(pty_printer: PtyPrinter, fonts: TicketFonts) -> None:
    content = sample_ticket(reprint=True)
    _printer(pty_printer.port, fonts).print_ticket(content)
    # print_ticket returned after the confirmation reply, so every byte has been read.
    commands = parse(bytes(pty_printer.model.conn.received))
    assert [c.name for c in commands][-2:] == ["feed", "status_query"]
    assert images_equal(raster_image(commands), render_ticket(content, 384, fonts))


def test_missing_serial_port_is_offline(fonts: TicketFonts) -> None:
    printer = _printer("/dev/ttyNOSUCHPORT", fonts)
    assert printer.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrinterOffline):
        printer.print_ticket(sample_ticket())
