"""Sizes, colours and fonts for a screen read from a step away by people with poor sight.

Colours are chosen for at least 7:1 contrast (WCAG AAA) against their background.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase

INK = "#0B1F33"  # text on light backgrounds: 16.9:1 on white
PAPER = "#FFFFFF"
BACKGROUND = "#EEF2F6"
ACCENT = "#0A3D7A"  # deep blue tiles: 11.0:1 with white text
GREEN = "#0B5D1E"  # green channel: 8.3:1 with white text
WARNING = "#8A1C00"  # out of service: 9.5:1 with white text
ON_DARK = "#FFFFFF"

TEXT_PX = 34  # body text, above the 32 px floor at 1080p
TITLE_PX = 52
TILE_NAME_PX = 46
TILE_MIN_HEIGHT_PX = 180
NUMBER_PX = 260
NOTICE_PX = 44  # an outcome and what to do next: never below 40 px
GREY_TILE = "#4A5866"  # a closed service: 7.4:1 with white text
HELP = "#FFD54A"  # the Help button: dark ink on amber, 12:1

FONT_FAMILY = "Noto Sans SC"


def load_fonts(fonts_dir: Path) -> str:
    """Register the shipped CJK fonts; returns the family the UI should use."""
    family = ""
    for path in sorted(fonts_dir.glob("*.[ot]tf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families and not family:
            family = families[0]
    return family or FONT_FAMILY


_scale = 1.0


def set_scale(factor: float) -> None:
    """Scale every size: 1.0 is the design size (1920x1080 landscape, 1080x1920 portrait)."""
    global _scale
    _scale = max(0.4, min(factor, 2.0))


def px(size: float) -> int:
    return max(1, round(size * _scale))


def scale_for(width: int, height: int) -> float:
    """The scale that fits the design into a screen of ``width`` x ``height``."""
    long_side, short_side = max(width, height), min(width, height)
    return min(1.0, long_side / 1920, short_side / 1080)


def font(size: int, bold: bool = False) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPixelSize(px(size))
    f.setBold(bold)
    return f


def stylesheet() -> str:
    return f"""
    QWidget#KioskRoot {{ background: {BACKGROUND}; }}
    QLabel {{ color: {INK}; }}
    QPushButton {{
        color: {ON_DARK}; background: {ACCENT}; border: none; border-radius: 18px;
        padding: 12px 24px;
    }}
    QPushButton:pressed {{ background: #062850; }}
    QPushButton:checked {{ background: {GREEN}; border: 5px solid #FFD54A; }}
    QPushButton:disabled {{ background: #5A6B7D; color: #FFFFFF; }}
    QPushButton#LanguageButton {{ background: {PAPER}; color: {ACCENT};
        border: 3px solid {ACCENT}; }}
    QFrame#GreenPanel {{ background: {GREEN}; border-radius: 24px; }}
    QFrame#GreenPanel QLabel {{ color: {ON_DARK}; }}
    QPushButton#GreenButton {{ background: {PAPER}; color: {GREEN}; }}
    QFrame#WarningPanel {{ background: {WARNING}; border-radius: 24px; }}
    QFrame#WarningPanel QLabel {{ color: {ON_DARK}; }}
    QFrame#TicketCard {{ background: {PAPER}; border-radius: 24px; }}
    QFrame#NoticePanel {{ background: #2B3A4A; border-radius: 24px; }}
    QFrame#NoticePanel QLabel {{ color: {ON_DARK}; }}
    QPushButton[closed="true"] {{ background: {GREY_TILE}; }}
    QFrame#HelpBar {{ background: {BACKGROUND}; border-top: 2px solid #C5CED8; }}
    QPushButton#HelpButton {{ background: {HELP}; color: {INK}; border: 4px solid {INK}; }}
    QPushButton#ListenButton {{ background: {PAPER}; color: {ACCENT};
        border: 3px solid {ACCENT}; }}
    QPushButton#ListenButton:checked {{ background: {ACCENT}; color: {ON_DARK};
        border: 5px solid {HELP}; }}
    QFrame#IdleVeil {{ background: rgba(11, 31, 51, 200); }}
    QFrame#IdlePanel {{ background: {PAPER}; border-radius: 28px; }}
    QPushButton#IdleContinue {{ background: {GREEN}; }}
    QPushButton#NormalTicketButton {{ background: {PAPER}; color: {ACCENT};
        border: 6px solid {ACCENT}; border-radius: 48px; }}
    QPushButton#NormalTicketButton:disabled {{ color: #5A6B7D; border-color: #5A6B7D; }}
    QPushButton#BackButton {{ background: #2B3A4A; border-radius: 8px; }}
    QPushButton#NoCardButton {{ background: {PAPER}; color: {GREEN};
        border: 4px solid {GREEN}; }}
    QFrame#DemoTray {{ background: #FFF4CC; border-top: 2px dashed #8A6D1F; }}
    QFrame#DemoTray QPushButton {{ background: #8A6D1F; }}
    """
