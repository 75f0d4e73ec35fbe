"""The elderly-visitor rules, checked on the real widgets: type size, tile size, contrast."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel

from kiosk.ui import theme


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize(
    ("text", "background"),
    [
        (theme.INK, theme.PAPER),
        (theme.INK, theme.BACKGROUND),
        (theme.ON_DARK, theme.ACCENT),
        (theme.ON_DARK, theme.GREEN),
        (theme.ON_DARK, theme.WARNING),
        (theme.GREEN, theme.PAPER),  # priority line and green button text
        (theme.ACCENT, theme.PAPER),  # ticket number, language button
        (theme.ACCENT, theme.BACKGROUND),  # "printing" line on the home screen
        (theme.WARNING, theme.PAPER),  # "did not print" line on the ticket
        (theme.ON_DARK, "#2B3A4A"),  # notice panel
    ],
)
def test_text_contrast_is_at_least_7_to_1(text, background):
    assert contrast(text, background) >= 7.0


def test_visitor_screens_use_large_type_and_tiles(rig):
    w = rig.window
    checked = 0
    for screen in w.visitor_screens:
        for widget in screen.findChildren(QLabel) + screen.findChildren(QAbstractButton):
            if widget.parent() is not None and isinstance(widget.parent(), QAbstractButton):
                continue  # the two lines inside a tile are checked as the tile's labels
            size = widget.font().pixelSize()
            assert size >= 32, f"{type(screen).__name__}: {widget.objectName()} {size}px"
            checked += 1
        for tile in screen.findChildren(QAbstractButton):
            if tile.objectName().startswith(("tile_", "result_tile_")):
                assert tile.minimumHeight() >= 160
    assert checked > 30
    assert all(label.font().pixelSize() >= 32 for label in w.home.findChildren(QLabel))
    assert w.ticket_screen.number.font().pixelSize() >= 200
