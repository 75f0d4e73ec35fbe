"""Settings -> the ticket printer they describe."""

from __future__ import annotations

from printer.base import TicketPrinter
from printer.errors import PrinterConfigError
from printer.escpos_printer import EscposTicketPrinter
from printer.fake import FakeTicketPrinter
from printer.preview import PreviewTicketPrinter
from printer.profiles import load_profile, profile_width_dots
from printer.settings import PrinterSettings
from printer.ticket import TicketFonts


def open_ticket_printer(settings: PrinterSettings, fonts: TicketFonts) -> TicketPrinter:
    """The printer for ``settings``. Raises PrinterConfigError when it cannot work here
    (unknown profile, missing driver such as pyusb); does not touch the device yet."""
    if settings.transport == "preview":
        width = profile_width_dots(load_profile(settings.profile_name))
        return PreviewTicketPrinter(
            settings.preview_dir,
            width,
            fonts,
            profile=settings.profile_name,
            cutter=settings.cutter,
            mode=settings.mode,
            charset=settings.charset,
        )
    if settings.transport == "fake":
        width = profile_width_dots(load_profile(settings.profile_name))
        return FakeTicketPrinter(width_dots=width, fonts=fonts)
    try:
        return EscposTicketPrinter(settings, fonts)
    except PrinterConfigError:
        raise
    except Exception as e:  # anything python-escpos raises while setting up
        raise PrinterConfigError(f"cannot set up {settings.describe()}: {e}") from e
