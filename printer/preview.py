"""A printer that writes each ticket to a folder: the PNG and the exact ESC/POS bytes.

For demo mode, layout work and for checking what a real printer would receive (the ``.bin``
file can be sent to a printer as is, e.g. ``cat ticket.bin > /dev/usb/lp0``). Native
tickets are drawn from their bytes with the bundled font (:mod:`printer.native_preview`).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from printer.encoder import TicketEncoder
from printer.errors import PrintFailed
from printer.settings import DEFAULT_PROFILES
from printer.status import PrinterStatus, StatusReading
from printer.ticket import TicketContent, TicketFonts

log = logging.getLogger(__name__)

#: Dot width -> the profile used to encode previews when none is given.
PROFILE_BY_WIDTH = {384: DEFAULT_PROFILES[58], 576: DEFAULT_PROFILES[80]}


class PreviewTicketPrinter:
    """Writes ``<number>-<ticket id, 8 chars>[-reprint][-native].png`` and ``.bin`` per ticket."""

    def __init__(
        self,
        folder: str | Path,
        width_dots: int,
        fonts: TicketFonts,
        *,
        profile: str | None = None,
        cutter: bool | None = None,
        mode: str = "image",
        charset: str = "gb18030",
    ) -> None:
        self.folder = Path(folder)
        self.width_dots = width_dots
        self._fonts = fonts
        chosen = profile or PROFILE_BY_WIDTH.get(width_dots)
        if chosen is None:
            raise ValueError(f"no default profile for {width_dots} dots: pass profile=")
        self._encoder = TicketEncoder(chosen, fonts, mode=mode, charset=charset, cutter=cutter)
        self.last_png: Path | None = None
        self.last_bin: Path | None = None

    def describe(self) -> str:
        return (
            f"preview folder {self.folder}, {self.width_dots} dots wide, "
            f"{self._encoder.mode} tickets"
        )

    def status(self) -> PrinterStatus:
        return self.check_status().status

    def check_status(self) -> StatusReading:
        # The nearest folder that exists decides whether ours can be made and written.
        existing = self.folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            return StatusReading(PrinterStatus.ERROR, f"{existing} is not a folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            return StatusReading(PrinterStatus.ERROR, f"{existing} is not writable")
        return StatusReading(PrinterStatus.READY, f"writing tickets to {self.folder}")

    def print_ticket(self, content: TicketContent) -> None:
        ticket = self._encoder.encode(content)
        data = ticket.data
        image = self._encoder.paper(ticket)  # native: what the printer makes of the bytes
        stem = f"{_safe(content.number)}-{_safe(content.ticket_id.replace('-', ''))[:8]}"
        if content.reprint:
            stem += "-reprint"
        if self._encoder.mode == "native":
            stem += "-native"
        png, raw = self.folder / f"{stem}.png", self.folder / f"{stem}.bin"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            image.save(png)
            raw.write_bytes(data)
        except OSError as e:
            raise PrintFailed(
                f"cannot write preview of {content.number} to {self.folder}: {e}"
            ) from e
        self.last_png, self.last_bin = png, raw
        log.info("preview of %s written to %s", content.number, png)

    def close(self) -> None:
        """Nothing to close."""


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text) or "_"
