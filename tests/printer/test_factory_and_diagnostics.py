"""Settings -> printer, and the technician's status report / test print."""

import sys
from datetime import datetime
from pathlib import Path

import pytest

from printer.diagnostics import run_printer_test, status_report
from printer.errors import PrinterConfigError
from printer.escpos_printer import EscposTicketPrinter
from printer.factory import open_ticket_printer
from printer.fake import FakeTicketPrinter
from printer.preview import PreviewTicketPrinter
from printer.settings import PrinterSettings
from printer.status import PrinterStatus
from printer.ticket import TicketFonts
from tests.printer.escpos_stream import (
    OFFLINE,
    PAPER_NEAR_END,
    PAPER_OUT,
    TcpPrinter,
    native_lines,
    parse,
)


def test_factory_picks_the_printer(tmp_path: Path, fonts: TicketFonts) -> None:
    preview = open_ticket_printer(
        PrinterSettings(transport="preview", preview_dir=str(tmp_path), paper_width_mm=58), fonts
    )
    assert isinstance(preview, PreviewTicketPrinter) and preview.width_dots == 384
    fake = open_ticket_printer(PrinterSettings(transport="fake"), fonts)
    assert isinstance(fake, FakeTicketPrinter) and fake.width_dots == 576
    network = open_ticket_printer(PrinterSettings(transport="network", host="h"), fonts)
    assert isinstance(network, EscposTicketPrinter) and network.width_dots == 576
    tm88 = open_ticket_printer(
        PrinterSettings(transport="network", host="h", profile="TM-T88V"), fonts
    )
    assert isinstance(tm88, EscposTicketPrinter) and tm88.width_dots == 512


def test_factory_rejects_unknown_profiles(fonts: TicketFonts) -> None:
    with pytest.raises(PrinterConfigError, match="NOPE"):
        open_ticket_printer(PrinterSettings(transport="network", host="h", profile="NOPE"), fonts)


@pytest.mark.skipif(sys.platform == "win32", reason="pywin32 is there on Windows")
def test_factory_says_what_a_transport_needs(fonts: TicketFonts) -> None:
    with pytest.raises(PrinterConfigError, match="pywin32"):
        open_ticket_printer(PrinterSettings(transport="win32raw"), fonts)


def _network(server: TcpPrinter, fonts: TicketFonts, mode: str = "image") -> EscposTicketPrinter:
    settings = PrinterSettings(transport="network", host="127.0.0.1", port=server.port, mode=mode)
    return EscposTicketPrinter(settings, fonts)


def test_status_report_explains_paper_out(tcp_printer: TcpPrinter, fonts: TicketFonts) -> None:
    tcp_printer.script.paper = [PAPER_OUT]
    tcp_printer.script.online = OFFLINE
    report = status_report(_network(tcp_printer, fonts))
    assert f"network 127.0.0.1:{tcp_printer.port}" in report
    assert "paper_out - paper roll is empty" in report
    assert "打印纸已用完" in report
    assert "NOT issued" in report
    assert "DLE EOT 1 -> 1a, DLE EOT 4 -> 72" in report


def test_printer_test_prints_the_diagnostic_ticket_in_both_modes(
    tcp_printer: TcpPrinter, fonts: TicketFonts
) -> None:
    tcp_printer.script.paper = [PAPER_NEAR_END]
    printed, report = run_printer_test(
        lambda mode: _network(tcp_printer, fonts, mode=mode),
        kiosk_id="K07",
        now=datetime(2025, 3, 18, 9, 0),
    )
    assert printed
    assert "paper_near_end" in report
    assert "Test ticket (image): sent\nTest ticket (native): sent" in report
    assert "printer.mode" in report  # how to choose
    tcp_printer.next_connection()  # the status check
    image_job = parse(bytes(tcp_printer.next_connection().received))
    native_job = parse(bytes(tcp_printer.next_connection().received))
    assert "raster" in [c.name for c in image_job]
    lines = [line.text.strip() for line in native_lines(native_job)]
    assert "打印测试 原生字体 NATIVE MODE" in lines and "T000" in lines


def test_printer_test_does_not_print_when_out_of_paper() -> None:
    fake = FakeTicketPrinter(PrinterStatus.PAPER_OUT)
    printed, report = run_printer_test(lambda mode: fake)
    assert not printed and fake.printed == []
    assert report.endswith("Test tickets: not printed (status paper_out)")


def test_printer_test_reports_a_failed_print() -> None:
    from printer.errors import PrintFailed

    fake = FakeTicketPrinter()
    fake.fail_next(PrintFailed("socket closed after 4000 bytes"))
    printed, report = run_printer_test(lambda mode: fake)
    assert not printed
    assert "Test ticket (image): FAILED - PrintFailed: socket closed after 4000 bytes" in report
    assert "Test ticket (native): sent" in report  # one failure does not stop the other
    assert [c.location_en for c in fake.printed] == ["test only, native mode"]


def test_printer_test_reports_a_printer_that_cannot_be_opened() -> None:
    def refuse(mode: str) -> FakeTicketPrinter:
        raise PrinterConfigError("unknown python-escpos printer profile 'X'")

    printed, report = run_printer_test(refuse)
    assert not printed and "cannot be opened: unknown python-escpos printer profile" in report


def test_usb_printer_is_set_up_or_explains_what_is_missing(fonts: TicketFonts) -> None:
    """No USB printer here: with pyusb + libusb the status is OFFLINE (device not found),
    without them the factory says what to install. Either way nothing escapes untyped."""
    from printer.transports import TRANSPORTS

    settings = PrinterSettings(transport="usb", usb_vendor_id=0xFFFE, usb_product_id=0xFFFE)
    if TRANSPORTS["usb"].usable():
        printer = open_ticket_printer(settings, fonts)
        assert isinstance(printer, EscposTicketPrinter)
        reading = printer.check_status()
        assert reading.status is PrinterStatus.OFFLINE and "not found" in reading.detail
    else:
        with pytest.raises(PrinterConfigError, match="pyusb"):
            open_ticket_printer(settings, fonts)
