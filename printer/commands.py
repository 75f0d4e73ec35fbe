"""The ESC/POS command stream of one ticket, written through any python-escpos printer.

All encoding lives here; transports only move the bytes. The stream is::

    ESC @                      initialise
    GS v 0 ...  (per band)     raster bit image, RASTER_BAND_ROWS rows per command
    ESC d 6                    feed the ticket past the cutter
    GS V 0                     full cut (or GS V 1 partial, or nothing without a cutter)
"""

from __future__ import annotations

from escpos.capabilities import BaseProfile
from escpos.constants import PAPER_FULL_CUT, PAPER_PART_CUT
from escpos.escpos import Escpos
from escpos.printer import Dummy
from PIL import Image

from printer.profiles import load_profile, profile_width_dots

#: Rows per GS v 0 command. Small bands let a slow printer start early, keep every single
#: write short (the network timeout covers one whole sendall) and stay far below the height
#: limits of cheap firmware.
RASTER_BAND_ROWS = 256
#: Lines fed before the cut (same as python-escpos's cut()), so the last row clears the blade.
FEED_LINES_BEFORE_CUT = 6


def cut_command(profile: BaseProfile, cutter: bool | None) -> bytes:
    """The cut for this printer: full if it can, else partial, else none.

    ``cutter`` None follows the profile; True forces a full cut on a profile that lists
    no cutter (a 58 mm kiosk mechanism); False never cuts (tear bar).
    """
    if cutter is False:
        return b""
    if profile.supports("paperFullCut"):
        return PAPER_FULL_CUT
    if profile.supports("paperPartCut"):
        return PAPER_PART_CUT
    return PAPER_FULL_CUT if cutter else b""


def write_ticket(device: Escpos, image: Image.Image, cut: bytes) -> None:
    """Send one ticket image as init + raster bands + feed + cut to ``device``.

    ``image`` must be exactly as wide as ``device``'s profile (python-escpos checks it).
    Exceptions of the device propagate: the caller wraps them.
    """
    width = profile_width_dots(device.profile)
    if image.width != width:
        raise ValueError(f"ticket image is {image.width} dots wide, the printer {width}")
    device.hw("INIT")
    # Cut the bands here rather than through image(fragment_height=...): escpos would
    # convert the whole image once more before splitting it (same bytes, twice the time).
    for top in range(0, image.height, RASTER_BAND_ROWS):
        band = image.crop((0, top, image.width, min(image.height, top + RASTER_BAND_ROWS)))
        device.image(
            band,
            impl="bitImageRaster",
            fragment_height=RASTER_BAND_ROWS,
            high_density_horizontal=True,
            high_density_vertical=True,
            center=False,
        )
    device.print_and_feed(FEED_LINES_BEFORE_CUT)
    if cut:
        device._raw(cut)


def encode_ticket(image: Image.Image, profile_name: str, cutter: bool | None = None) -> bytes:
    """The exact bytes :func:`write_ticket` sends for ``image``, collected by escpos's Dummy."""
    profile = load_profile(profile_name)
    dummy = Dummy(profile=profile_name)
    write_ticket(dummy, image, cut_command(profile, cutter))
    return dummy.output
