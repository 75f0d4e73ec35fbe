"""A scriptable ticket printer for tests and demo mode (same surface as the real one)."""

from __future__ import annotations

from PIL import Image

from printer.errors import PaperOut, PrinterError, PrinterOffline
from printer.status import PrinterStatus, StatusReading
from printer.ticket import TicketContent, TicketFonts, render_ticket


class FakeTicketPrinter:
    """Records what it prints; can run out of paper, go offline or fail the next print.

    With ``fonts`` it also renders each ticket (``last_image``), so layout errors surface in
    tests that use the fake.
    """

    def __init__(
        self,
        status: PrinterStatus = PrinterStatus.READY,
        *,
        width_dots: int = 576,
        fonts: TicketFonts | None = None,
    ) -> None:
        self._status = status
        self._fail_next: list[PrinterError] = []
        self.width_dots = width_dots
        self.fonts = fonts
        self.printed: list[TicketContent] = []
        self.last_image: Image.Image | None = None
        self.status_checks = 0
        self.closed = False

    # -- scripting ---------------------------------------------------------------------------

    def set_status(self, status: PrinterStatus) -> None:
        self._status = status

    def fail_next(self, error: PrinterError) -> None:
        """The next print_ticket raises ``error`` (queue several for several prints)."""
        self._fail_next.append(error)

    # -- TicketPrinter -------------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        self.status_checks += 1
        return self._status

    def check_status(self) -> StatusReading:
        return StatusReading(self.status(), f"fake printer set to {self._status.value}")

    def describe(self) -> str:
        return f"fake printer, {self.width_dots} dots wide"

    def print_ticket(self, content: TicketContent) -> None:
        if self._fail_next:
            raise self._fail_next.pop(0)
        if self._status is PrinterStatus.PAPER_OUT:
            raise PaperOut("fake printer: paper out")
        if self._status is PrinterStatus.OFFLINE:
            raise PrinterOffline("fake printer: offline")
        if self._status is PrinterStatus.ERROR:
            raise PrinterError("fake printer: error")
        if self.fonts is not None:
            self.last_image = render_ticket(content, self.width_dots, self.fonts)
        self.printed.append(content)

    def close(self) -> None:
        self.closed = True
