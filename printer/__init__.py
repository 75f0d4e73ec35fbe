"""Thermal ticket printing: layout -> 1-bit image or native-font text -> ESC/POS
transports, status, fakes.

A hardware library: no Qt, no SQLAlchemy, no ``kiosk`` imports. Importing this package does
not import python-escpos (its capability cache costs ~0.1 s); the modules that talk ESC/POS
(``factory``, ``escpos_printer``, ``preview``, ``commands``, ``native``, ``encoder``) do.
``charset`` (what the printer's font can print) is pure.
"""

from printer.base import DiagnosablePrinter, TicketPrinter
from printer.errors import PaperOut, PrinterConfigError, PrinterError, PrinterOffline, PrintFailed
from printer.fake import FakeTicketPrinter
from printer.settings import PrinterSettings
from printer.status import PrinterStatus, StatusReading
from printer.ticket import TicketContent, TicketFonts, render_ticket

__all__ = [
    "DiagnosablePrinter",
    "FakeTicketPrinter",
    "PaperOut",
    "PrintFailed",
    "PrinterConfigError",
    "PrinterError",
    "PrinterOffline",
    "PrinterSettings",
    "PrinterStatus",
    "StatusReading",
    "TicketContent",
    "TicketFonts",
    "TicketPrinter",
    "render_ticket",
]
