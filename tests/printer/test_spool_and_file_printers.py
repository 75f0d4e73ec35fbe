"""Transports that cannot read back: a device file, and the lp spooler (real subprocesses)."""

import os
import stat
from pathlib import Path

import pytest

from printer.commands import encode_ticket
from printer.errors import PrinterOffline, PrintFailed
from printer.escpos_printer import EscposTicketPrinter
from printer.samples import sample_ticket
from printer.settings import PrinterSettings
from printer.status import PrinterStatus
from printer.ticket import TicketFonts, render_ticket


def test_device_file_gets_the_exact_stream(tmp_path: Path, fonts: TicketFonts) -> None:
    device = tmp_path / "lp0"
    device.write_bytes(b"")  # the device node exists
    settings = PrinterSettings(transport="file", device_path=str(device), paper_width_mm=58)
    printer = EscposTicketPrinter(settings, fonts)
    reading = printer.check_status()
    assert reading.status is PrinterStatus.UNKNOWN  # present, but cannot say "fine"
    content = sample_ticket()
    printer.print_ticket(content)
    assert device.read_bytes() == encode_ticket(render_ticket(content, 384, fonts), "POS-5890")


def test_missing_device_file_is_offline_and_not_created(tmp_path: Path, fonts: TicketFonts) -> None:
    device = tmp_path / "lp0"
    printer = EscposTicketPrinter(PrinterSettings(transport="file", device_path=str(device)), fonts)
    assert printer.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrinterOffline):
        printer.print_ticket(sample_ticket())
    assert not device.exists()


@pytest.fixture
def fake_cups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``lp`` and ``lpstat`` on PATH that act like a CUPS with one queue, "kiosk"."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "lpstat": '#!/bin/sh\ncase "$1" in\n'
        "  -e) echo kiosk ;;\n"
        '  -v) echo "device for kiosk: usb://Fake/Printer" ;;\n'
        '  -d) echo "system default destination: kiosk" ;;\n'
        "esac\n",
        "lp": '#!/bin/sh\necho "$@" > "$LP_CAPTURE.args"\ncat > "$LP_CAPTURE"\n'
        'exit "${LP_EXIT:-0}"\n',
    }
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    capture = tmp_path / "job.bin"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("LP_CAPTURE", str(capture))
    return capture


def test_lp_spools_the_ticket_on_close(fake_cups: Path, fonts: TicketFonts) -> None:
    printer = EscposTicketPrinter(PrinterSettings(transport="lp"), fonts)
    assert printer.status() is PrinterStatus.UNKNOWN
    content = sample_ticket()
    printer.print_ticket(content)
    expected = encode_ticket(render_ticket(content, 576, fonts), "TM-T20II")
    assert fake_cups.read_bytes() == expected + b"\n"  # python-escpos's LP appends a newline
    assert Path(f"{fake_cups}.args").read_text().split() == [
        "-d", "kiosk", "-t", "ticket", "A037", "-o", "raw",
    ]  # fmt: skip


def test_lp_refusing_the_job_is_a_failed_print(
    fake_cups: Path, fonts: TicketFonts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LP_EXIT", "1")
    printer = EscposTicketPrinter(PrinterSettings(transport="lp", printer_name="kiosk"), fonts)
    with pytest.raises(PrintFailed, match="lp exited with status 1"):
        printer.print_ticket(sample_ticket())
