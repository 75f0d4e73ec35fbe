"""The ESC/POS command stream of one image ticket.

All encoding lives here; transports only move the bytes. The stream is::

    ESC @                      initialise
    GS v 0 ...  (per band)     raster bit image, at most RASTER_BAND_ROWS rows per command
    ESC J n                    a blank band fed instead of sent as rows of zeros (only on
                               profiles whose feed unit is known, see printer.profiles)
    ESC d 6                    feed the ticket past the cutter
    GS V 0                     full cut (or GS V 1 partial, or nothing without a cutter)

The raster is packed straight from the 1-bit image (``Image.tobytes`` + one byte table),
not through python-escpos's ``image()``, which converts the image again per band.
"""

from __future__ import annotations

import struct

from escpos.capabilities import BaseProfile
from escpos.constants import PAPER_FULL_CUT, PAPER_PART_CUT
from PIL import Image

from printer.profiles import feed_units_per_dot, load_profile, profile_width_dots

#: Rows per GS v 0 command. Small bands let a slow printer start early, keep every single
#: write short (the network timeout covers one whole sendall) and stay far below the height
#: limits of cheap firmware.
RASTER_BAND_ROWS = 256
#: Lines fed before the cut (same as python-escpos's cut()), so the last row clears the blade.
FEED_LINES_BEFORE_CUT = 6
#: Blank bands shorter than this go as zero rows (a feed command costs 3 bytes per 127 rows,
#: a zero row 72; below a few rows the saving is not worth a command).
MIN_FEED_ROWS = 4

INIT = b"\x1b@"
#: PIL packs mode "1" with 1 = white; ESC/POS wants 1 = print a dot.
_INVERT = bytes(255 - b for b in range(256))


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


def raster_command(image: Image.Image) -> bytes:
    """One GS v 0 command (normal density) for a 1-bit image, width padded to whole bytes."""
    if image.mode != "1":
        image = image.convert("1")
    width_bytes = (image.width + 7) // 8
    if image.width % 8:
        padded = Image.new("1", (width_bytes * 8, image.height), 1)
        padded.paste(image, (0, 0))
        image = padded
    header = b"\x1dv0\x00" + struct.pack("<HH", width_bytes, image.height)
    return header + image.tobytes().translate(_INVERT)


def feed_command(rows: int, units_per_dot: int) -> bytes:
    """ESC J commands feeding ``rows`` dot rows (255 units at most per command)."""
    out = bytearray()
    units = rows * units_per_dot
    step = 255 - 255 % units_per_dot  # whole rows per command
    while units > 0:
        out += b"\x1bJ" + bytes([min(step, units)])
        units -= step
    return bytes(out)


def image_ticket_chunks(
    image: Image.Image, cut: bytes, units_per_dot: int | None = None
) -> list[bytes]:
    """The image ticket as a list of writes: init, raster bands and feeds, feed + cut.

    With ``units_per_dot`` (the profile's feed unit) blank bands of MIN_FEED_ROWS rows or
    more are fed with ESC J instead of sent as zero rows.
    """
    if image.mode != "1":
        image = image.convert("1")
    if image.width % 8:
        padded = Image.new("1", ((image.width + 7) // 8 * 8, image.height), 1)
        padded.paste(image, (0, 0))
        image = padded
    width_bytes = image.width // 8
    data = image.tobytes().translate(_INVERT)  # packed once; bands are slices of it
    if units_per_dot is None:
        runs = [(False, 0, image.height)]
    else:
        runs = _blank_runs(data, width_bytes, image.height)
    chunks = [INIT]
    for blank, top, bottom in runs:
        if blank and units_per_dot is not None:
            chunks.append(feed_command(bottom - top, units_per_dot))
            continue
        for band_top in range(top, bottom, RASTER_BAND_ROWS):
            rows = min(bottom, band_top + RASTER_BAND_ROWS) - band_top
            header = b"\x1dv0\x00" + struct.pack("<HH", width_bytes, rows)
            start = band_top * width_bytes
            chunks.append(header + data[start : start + rows * width_bytes])
    chunks.append(b"\x1bd" + bytes([FEED_LINES_BEFORE_CUT]) + cut)
    return chunks


def _blank_runs(data: bytes, width_bytes: int, height: int) -> list[tuple[bool, int, int]]:
    """(blank, top, bottom) runs of rows covering the image; only blank runs of at least
    MIN_FEED_ROWS rows are marked blank (shorter ones stay in the raster)."""
    zero = bytes(width_bytes)
    blank = [data[i : i + width_bytes] == zero for i in range(0, height * width_bytes, width_bytes)]
    runs: list[tuple[bool, int, int]] = []
    top = y = 0
    while y < height:
        if not blank[y]:
            y += 1
            continue
        first = y
        while y < height and blank[y]:
            y += 1
        if y - first >= MIN_FEED_ROWS:
            if first > top:
                runs.append((False, top, first))
            runs.append((True, first, y))
            top = y
    if top < height:
        runs.append((False, top, height))
    return runs


def encode_ticket(image: Image.Image, profile_name: str, cutter: bool | None = None) -> bytes:
    """The exact bytes a printer with this profile receives for the ticket ``image``."""
    profile = load_profile(profile_name)
    width = profile_width_dots(profile)
    if image.width != width:
        raise ValueError(f"ticket image is {image.width} dots wide, the printer {width}")
    cut = cut_command(profile, cutter)
    return b"".join(image_ticket_chunks(image, cut, feed_units_per_dot(profile_name)))
