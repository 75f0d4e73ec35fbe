"""What the kiosk needs from a ticket printer, whatever is behind it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from printer.status import PrinterStatus, StatusReading
from printer.ticket import TicketContent


@runtime_checkable
class TicketPrinter(Protocol):
    """A ticket printer: ask before allocating a number, then print.

    ``status()`` may do I/O (a short query over the wire): call it off the GUI thread.
    ``print_ticket()`` returns only when the ticket was handed over completely and raises
    :class:`printer.errors.PrinterError` otherwise: the kiosk then records the ticket as not
    printed and staff can reprint it.
    """

    def status(self) -> PrinterStatus: ...

    def print_ticket(self, content: TicketContent) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class DiagnosablePrinter(TicketPrinter, Protocol):
    """A printer that can also explain its status (for staff and technicians)."""

    def check_status(self) -> StatusReading: ...

    def describe(self) -> str: ...
