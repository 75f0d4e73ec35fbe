"""python-escpos printer profiles: which one, how many dots wide."""

from __future__ import annotations

from escpos.capabilities import BaseProfile, get_profile

from printer.errors import PrinterConfigError
from printer.settings import DEFAULT_PROFILES


def width_dots(paper_width_mm: int, profile: str | None = None) -> int:
    """Dot width of the ticket image for a paper width (or an explicit profile name)."""
    if profile is None and paper_width_mm not in DEFAULT_PROFILES:
        raise PrinterConfigError(f"paper width must be 58 or 80 mm, not {paper_width_mm}")
    return profile_width_dots(load_profile(profile or DEFAULT_PROFILES[paper_width_mm]))


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


#: Vertical motion units (ESC J, ESC 3) per printed dot row, for profiles whose manual says.
#: Epson's TM-T20 family moves in 1/406 inch (its own sample sets 1.13 mm line spacing as
#: ESC 3 18 = 18/406 in): two units per 203-dpi dot row. Profiles not listed get no feeds:
#: blank bands of image tickets go as rows of zeros, native tickets use whole blank lines.
FEED_UNITS_PER_DOT: dict[str, int] = {"TM-T20II": 2}


def feed_units_per_dot(profile_name: str) -> int | None:
    """ESC J units per dot row for ``profile_name``; None where the unit is not known."""
    return FEED_UNITS_PER_DOT.get(profile_name)
