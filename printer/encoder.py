"""Ticket content -> the ESC/POS writes of one ticket, in the configured mode.

``image``: the layout rendered with the bundled font at the profile's dot width, sent as
raster bands (blank bands fed where the profile's feed unit is known). ``native``: text in
the printer's own Chinese font (:mod:`printer.native`). Every printer class goes through
here, so the preview's ``.bin`` file is exactly what a real printer receives.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from printer.commands import cut_command, image_ticket_chunks
from printer.native import NativeFormat, build_native_ticket
from printer.native_preview import render_native
from printer.profiles import (
    feed_units_per_dot,
    load_profile,
    profile_dots_per_mm,
    profile_width_dots,
)
from printer.settings import TICKET_MODES
from printer.ticket import TicketContent, TicketFonts, render_ticket

#: Paper length assumed for a native ticket when bounding how long the printer may take
#: to answer after it (a generous upper bound: the real ones are 90-130 mm).
NATIVE_TICKET_MM = 160.0


@dataclass(frozen=True)
class EncodedTicket:
    """The writes of one ticket; ``image`` is the rendered ticket in image mode."""

    chunks: list[bytes]
    length_mm: float
    image: Image.Image | None = None

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)


class TicketEncoder:
    """Encodes tickets for one printer profile in one mode."""

    def __init__(
        self,
        profile_name: str,
        fonts: TicketFonts,
        *,
        mode: str = "image",
        charset: str = "gb18030",
        cutter: bool | None = None,
    ) -> None:
        if mode not in TICKET_MODES:
            raise ValueError(f"mode must be one of {', '.join(TICKET_MODES)}, not {mode!r}")
        profile = load_profile(profile_name)
        self.profile_name = profile_name
        self.mode = mode
        self.fonts = fonts
        self.width_dots = profile_width_dots(profile)
        self.dots_per_mm = profile_dots_per_mm(profile)
        self.feed_units_per_dot = feed_units_per_dot(profile_name)
        self.cut = cut_command(profile, cutter)
        self.native_format = NativeFormat(
            width_dots=self.width_dots,
            charset=charset,
            feed_units_per_dot=self.feed_units_per_dot,
            qr_command=bool(profile.supports("qrCode")),
            cut=self.cut,
        )

    def encode(self, content: TicketContent) -> EncodedTicket:
        if self.mode == "native":
            data = build_native_ticket(content, self.native_format)
            return EncodedTicket([data], NATIVE_TICKET_MM)
        image = render_ticket(content, self.width_dots, self.fonts, dots_per_mm=self.dots_per_mm)
        chunks = image_ticket_chunks(image, self.cut, self.feed_units_per_dot)
        return EncodedTicket(chunks, image.height / self.dots_per_mm, image)

    def paper(self, ticket: EncodedTicket) -> Image.Image:
        """What the ticket looks like printed: the image, or the native bytes played back."""
        if ticket.image is not None:
            return ticket.image
        return render_native(ticket.data, self.width_dots, self.fonts, self.feed_units_per_dot)
