"""The one error family of the printer package.

Every failure that leaves ``printer`` is a :class:`PrinterError`; errors of python-escpos,
pyserial, pyusb and the socket layer are wrapped at the transport edge (``raise ... from e``).
"""

from __future__ import annotations


class PrinterError(Exception):
    """Base class: the ticket was not (or not certainly) printed."""


class PrinterConfigError(PrinterError):
    """The printer settings or fonts are unusable (wrong value, missing driver or file)."""


class PrinterOffline(PrinterError):
    """The printer could not be reached or reports itself offline; nothing was printed."""


class PaperOut(PrinterError):
    """The printer reports no paper."""


class PrintFailed(PrinterError):
    """Sending failed part-way: some bytes may have reached the printer, the ticket is not
    a valid print and must be recorded as not printed."""
