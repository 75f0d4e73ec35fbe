"""Ticket numbers: prefix letter + zero-padded sequence, one sequence per prefix per day.

Priority (green channel) tickets share one ``L`` sequence across services. Numbers never
wrap within a day: after 999 comes 1000, so a number is never seen twice on one day.
"""

from __future__ import annotations

import re

PRIORITY_PREFIX = "L"
_PREFIX = re.compile(r"[A-Z]")


def valid_prefix(prefix: str) -> bool:
    """One capital letter, exactly: ``"L\\n"`` is not ``L`` (``$`` would match before a newline)."""
    return isinstance(prefix, str) and _PREFIX.fullmatch(prefix) is not None


def format_number(prefix: str, value: int, width: int = 3) -> str:
    """``format_number("A", 37) == "A037"``; wider values keep all their digits."""
    if not valid_prefix(prefix):
        raise ValueError(f"ticket prefix must be one capital letter, got {prefix!r}")
    if value < 1:
        raise ValueError(f"ticket sequence starts at 1, got {value}")
    return f"{prefix}{value:0{width}d}"


def ticket_prefix(service_prefix: str, priority: bool) -> str:
    return PRIORITY_PREFIX if priority else service_prefix
