"""Technician tools behind ``kiosk printer test`` and staff-facing status text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from printer.base import DiagnosablePrinter, TicketPrinter
from printer.errors import PrinterError
from printer.samples import diagnostic_ticket
from printer.settings import TICKET_MODES
from printer.status import PrinterStatus, StatusReading

#: What each status means for the kiosk and what staff should do (zh for staff, en for logs).
STATUS_ADVICE: dict[PrinterStatus, tuple[str, str]] = {
    PrinterStatus.READY: ("打印机正常", "ready"),
    PrinterStatus.PAPER_NEAR_END: (
        "打印纸即将用完，请尽快更换纸卷",
        "paper nearly out: tickets still print, replace the roll soon",
    ),
    PrinterStatus.PAPER_OUT: (
        "打印纸已用完，请更换纸卷",
        "paper out: no tickets are issued until the roll is replaced",
    ),
    PrinterStatus.OFFLINE: (
        "打印机未连接或离线，请检查电源、连接线和纸仓盖",
        "offline: check power, cable/network and that the cover is closed",
    ),
    PrinterStatus.UNKNOWN: (
        "无法读取打印机状态（此连接方式不支持）",
        "status unknown: this connection cannot report paper or online state",
    ),
    PrinterStatus.ERROR: ("打印机故障", "printer error"),
}


def read_status(printer: TicketPrinter) -> StatusReading:
    """The printer's status with a reason when it can give one."""
    if isinstance(printer, DiagnosablePrinter):
        return printer.check_status()
    status = printer.status()
    return StatusReading(status, STATUS_ADVICE[status][1])


def status_report(printer: TicketPrinter) -> str:
    """A few lines for technicians: what the printer is, its status, what it means."""
    return _report(printer, read_status(printer))


def _report(printer: TicketPrinter, reading: StatusReading) -> str:
    zh, en = STATUS_ADVICE[reading.status]
    where = (
        printer.describe() if isinstance(printer, DiagnosablePrinter) else type(printer).__name__
    )
    lines = [
        f"Printer:  {where}",
        f"Status:   {reading.status.value} - {reading.detail}",
        f"Meaning:  {en}",
        f"说明:     {zh}",
        "Tickets:  "
        + ("can be issued" if reading.status.can_print() else "NOT issued (out of service)"),
    ]
    if reading.raw_online is not None or reading.raw_paper is not None:
        lines.append(
            "Replies:  DLE EOT 1 -> "
            f"{_hex(reading.raw_online)}, DLE EOT 4 -> {_hex(reading.raw_paper)}"
        )
    return "\n".join(lines)


#: For the technician choosing a mode after the test prints.
MODE_ADVICE = (
    'Compare the two tickets. Native (printer.mode = "native") is ~1 KB: under a second '
    "even at 19200 baud; use it when the NATIVE ticket shows every Chinese character "
    "(no ? or boxes) and a scannable QR code. Otherwise keep image (the default): ~40-70 KB, "
    "right on every printer, but ~25 s at 19200 baud: use 115200 baud, USB or network."
)


def run_printer_test(
    open_printer: Callable[[str], TicketPrinter],
    *,
    kiosk_id: str = "",
    now: datetime | None = None,
) -> tuple[bool, str]:
    """Status report, then the test ticket in image mode and in native mode.

    ``open_printer(mode)`` gives the configured printer set to that mode. Returns (both
    printed, report text). Never raises PrinterError: failures are in the text.
    """
    lines: list[str] = []
    all_printed = True
    for mode in TICKET_MODES:
        try:
            printer = open_printer(mode)
        except PrinterError as e:
            return False, f"printer cannot be opened: {e}"
        try:
            if not lines:
                reading = read_status(printer)
                lines.append(_report(printer, reading))
                if not reading.status.can_print():
                    lines.append(f"Test tickets: not printed (status {reading.status.value})")
                    return False, "\n".join(lines)
            try:
                printer.print_ticket(diagnostic_ticket(kiosk_id=kiosk_id, issued_at=now, mode=mode))
            except PrinterError as e:
                all_printed = False
                lines.append(f"Test ticket ({mode}): FAILED - {type(e).__name__}: {e}")
            else:
                lines.append(f"Test ticket ({mode}): sent")
        finally:
            printer.close()
    lines.append(MODE_ADVICE)
    return all_printed, "\n".join(lines)


def _hex(reply: bytes | None) -> str:
    if reply is None:
        return "(not asked)"
    return reply.hex(" ") if reply else "(no reply)"
