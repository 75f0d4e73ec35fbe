"""A real TCP printer on 127.0.0.1: status queries, the bytes of a ticket, failure part-way."""

import socket

import pytest

from printer.commands import encode_ticket
from printer.encoder import TicketEncoder
from printer.errors import PaperOut, PrinterOffline, PrintFailed
from printer.escpos_printer import EscposTicketPrinter
from printer.samples import sample_ticket
from printer.settings import PrinterSettings
from printer.status import PrinterStatus
from printer.ticket import TicketFonts, render_ticket
from tests.printer.escpos_stream import (
    OFFLINE,
    PAPER_NEAR_END,
    PAPER_OK,
    PAPER_OUT,
    TcpPrinter,
    images_equal,
    native_lines,
    parse,
    raster_image,
)

DLE_EOT_1, DLE_EOT_4 = 1, 4


def _printer(
    server: TcpPrinter, fonts: TicketFonts, paper_width_mm: int = 80, **kwargs: object
) -> EscposTicketPrinter:
    options: dict[str, object] = {"timeout_s": 2.0, **kwargs}
    settings = PrinterSettings(
        transport="network",
        host="127.0.0.1",
        port=server.port,
        paper_width_mm=paper_width_mm,
        **options,  # type: ignore[arg-type]
    )
    return EscposTicketPrinter(settings, fonts)


@pytest.mark.parametrize(
    ("paper", "online", "expected"),
    [
        (PAPER_OK, 0x12, PrinterStatus.READY),
        (PAPER_NEAR_END, 0x12, PrinterStatus.PAPER_NEAR_END),
        (PAPER_OUT, OFFLINE, PrinterStatus.PAPER_OUT),  # a printer out of paper is offline too
        (PAPER_OK, OFFLINE, PrinterStatus.OFFLINE),  # cover open
    ],
)
def test_status_is_read_back(
    tcp_printer: TcpPrinter, fonts: TicketFonts, paper: int, online: int, expected: PrinterStatus
) -> None:
    tcp_printer.script.paper = [paper]
    tcp_printer.script.online = online
    reading = _printer(tcp_printer, fonts).check_status()
    assert reading.status is expected
    assert (reading.raw_online, reading.raw_paper) == (bytes([online]), bytes([paper]))
    conn = tcp_printer.next_connection()
    assert conn.queries == [DLE_EOT_1, DLE_EOT_4]
    assert bytes(conn.received) == b"\x10\x04\x01\x10\x04\x04"  # nothing but the queries


def test_silent_printer_is_offline_not_fine(tcp_printer: TcpPrinter, fonts: TicketFonts) -> None:
    tcp_printer.script.silent = True
    printer = _printer(tcp_printer, fonts, timeout_s=0.3)
    reading = printer.check_status()
    assert reading.status is PrinterStatus.OFFLINE
    assert "no reply" in reading.detail


def test_nobody_listening_is_offline(fonts: TicketFonts) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connection refused
        settings = PrinterSettings(transport="network", host="127.0.0.1", port=port)
        printer = EscposTicketPrinter(settings, fonts)
        reading = printer.check_status()
        assert reading.status is PrinterStatus.OFFLINE
        assert "cannot connect" in reading.detail
        with pytest.raises(PrinterOffline):
            printer.print_ticket(sample_ticket())


def test_status_queries_can_be_switched_off(tcp_printer: TcpPrinter, fonts: TicketFonts) -> None:
    printer = _printer(tcp_printer, fonts, read_status=False)
    assert printer.status() is PrinterStatus.UNKNOWN
    printer.print_ticket(sample_ticket())
    conn = tcp_printer.next_connection()
    assert "raster" in [c.name for c in parse(bytes(conn.received))]
    assert conn.queries == []  # no confirmation query either
    assert tcp_printer.finished.empty()  # status() opened no connection


@pytest.mark.parametrize(("paper_width_mm", "width"), [(80, 576), (58, 384)])
def test_ticket_bytes_decode_to_the_rendered_image(
    tcp_printer: TcpPrinter, fonts: TicketFonts, paper_width_mm: int, width: int
) -> None:
    content = sample_ticket(priority=True)
    _printer(tcp_printer, fonts, paper_width_mm).print_ticket(content)
    conn = tcp_printer.next_connection()
    commands = parse(bytes(conn.received))
    names = [c.name for c in commands]
    cut = ["cut"] if paper_width_mm == 80 else []  # POS-5890 has no cutter
    body = names[1 : names.index("feed")]
    assert names == ["init", *body, "feed", *cut, "status_query"]
    assert commands[-1].args == (DLE_EOT_4,)  # the confirmation after the ticket
    # TM-T20II feeds blank bands (ESC J, 1/406 inch); POS-5890's feed unit is unknown.
    units = 2 if width == 576 else None
    assert set(body) == ({"raster", "feed_units"} if units else {"raster"})
    decoded = raster_image(commands, feed_units_per_dot=units)
    expected = render_ticket(content, width, fonts)
    assert decoded.size == expected.size
    assert images_equal(decoded, expected)
    # ... and the printer got exactly what the preview/Dummy encoder produces, plus the query.
    profile = "TM-T20II" if width == 576 else "POS-5890"
    assert bytes(conn.received) == encode_ticket(expected, profile) + b"\x10\x04\x04"


def test_near_end_still_prints(tcp_printer: TcpPrinter, fonts: TicketFonts) -> None:
    tcp_printer.script.paper = [PAPER_NEAR_END]
    printer = _printer(tcp_printer, fonts)
    assert printer.status() is PrinterStatus.PAPER_NEAR_END
    printer.print_ticket(sample_ticket())
    tcp_printer.next_connection()
    assert "raster" in [c.name for c in parse(bytes(tcp_printer.next_connection().received))]


@pytest.mark.parametrize("cut_at", [1, 4_000, 40_000, "all"])
def test_connection_lost_part_way_raises_print_failed(
    tcp_printer: TcpPrinter, fonts: TicketFonts, cut_at: int | str
) -> None:
    content = sample_ticket()
    ticket_bytes = len(encode_ticket(render_ticket(content, 576, fonts), "TM-T20II"))
    # "all": every ticket byte arrives, then the printer drops the line before confirming.
    limit = ticket_bytes if cut_at == "all" else int(cut_at)
    tcp_printer.script.close_after_bytes = limit
    printer = _printer(tcp_printer, fonts)
    with pytest.raises(PrintFailed):
        printer.print_ticket(content)
    conn = tcp_printer.next_connection()
    assert conn.closed_by_printer and len(conn.received) == limit <= ticket_bytes


def test_paper_running_out_during_the_ticket_raises_paper_out(
    tcp_printer: TcpPrinter, fonts: TicketFonts
) -> None:
    tcp_printer.script.paper = [PAPER_OK, PAPER_OUT]  # status check ok, confirmation: out
    printer = _printer(tcp_printer, fonts)
    assert printer.status() is PrinterStatus.READY
    tcp_printer.script.paper = [PAPER_OUT]
    with pytest.raises(PaperOut):
        printer.print_ticket(sample_ticket())


@pytest.mark.parametrize(("paper_width_mm", "width"), [(80, 576), (58, 384)])
def test_native_ticket_reaches_the_printer_as_text(
    tcp_printer: TcpPrinter, fonts: TicketFonts, paper_width_mm: int, width: int
) -> None:
    content = sample_ticket(priority=True)
    _printer(tcp_printer, fonts, paper_width_mm, mode="native").print_ticket(content)
    conn = tcp_printer.next_connection()
    received = bytes(conn.received)
    profile = "TM-T20II" if width == 576 else "POS-5890"
    expected = TicketEncoder(profile, fonts, mode="native").encode(content).data
    assert received == expected + b"\x10\x04\x04"  # the ticket, then the confirming query
    assert len(expected) < (2048 if width == 576 else 2400)  # 58 mm: the QR goes as raster
    commands = parse(received)
    lines = [line.text.strip() for line in native_lines(commands)]
    assert "L012" in lines and "医疗保险" in lines and "绿色通道" in lines
    assert [c.name for c in commands][-1] == "status_query"
