"""The ESC/POS command stream of one ticket, written through any python-escpos printer.

All encoding lives here; transports only move the bytes. The stream is::

    ESC @                      initialise
    GS v 0 ...  (per band)     raster bit image, RASTER_BAND_ROWS rows per command
    ESC d 6                    feed the ticket past the cutter
    GS V 0                     full cut (or GS V 1 partial, or nothing without a cutter)
"""

from __future__ import annotations

from escpos.capabilities import BaseProfile, get_profile
from escpos.constants import PAPER_FULL_CUT, PAPER_PART_CUT
from escpos.escpos import Escpos
from escpos.printer import Dummy
from PIL import Image

from printer.errors import PrinterConfigError

#: Rows per GS v 0 command. Small bands let a slow printer start early, keep every single
#: write short (the network timeout covers one whole sendall) and stay far below the height
#: limits of cheap firmware.
RASTER_BAND_ROWS = 256
#: Lines fed before the cut (same as python-escpos's cut()), so the last row clears the blade.
FEED_LINES_BEFORE_CUT = 6


def load_profile(name: str) -> BaseProfile:
    """A python-escpos profile that knows its dot width; PrinterConfigError otherwise."""
    try:
        profile = get_profile(name)
    except KeyError as e:
        raise PrinterConfigError(f"unknown python-escpos printer profile {name!r}") from e
    profile_width_dots(profile)  # validate
    return profile


def profile_width_dots(profile: BaseProfile) -> int:
    """The printable width in dots of a profile (the ticket image is exactly this wide)."""
    try:
        pixels = profile.profile_data["media"]["width"]["pixels"]
        width = int(pixels)
    except (KeyError, TypeError, ValueError) as e:
        raise PrinterConfigError(
            f"printer profile {profile.profile_data.get('name')!r} has no dot width; "
            "choose one that has (e.g. POS-5890 for 58 mm, TM-T20II for 80 mm)"
        ) from e
    if width < 256:
        raise PrinterConfigError(f"printer profile width {width} dots is too narrow for tickets")
    return width


def profile_dots_per_mm(profile: BaseProfile) -> float:
    """Dots per millimetre from the profile's dpi (203 dpi when the profile does not say)."""
    dpi = profile.profile_data.get("media", {}).get("dpi")
    return (dpi if isinstance(dpi, int | float) and dpi > 0 else 203) / 25.4


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
    device.image(
        image,
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
