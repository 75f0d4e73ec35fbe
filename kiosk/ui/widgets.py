"""Small building blocks shared by the screens."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.ui import theme


def label(
    text: str = "", px: int = theme.TEXT_PX, bold: bool = False, center: bool = True
) -> QLabel:
    widget = QLabel(text)
    widget.setFont(theme.font(px, bold))
    widget.setWordWrap(True)
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


def big_button(text: str, px: int = theme.TEXT_PX, min_height: int = 96) -> QPushButton:
    button = QPushButton(text)
    button.setFont(theme.font(px, bold=True))
    button.setMinimumHeight(min_height)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class TwoLineButton(QPushButton):
    """A large tile: a main line and a second line (the other language)."""

    def __init__(self, main_px: int = theme.TILE_NAME_PX, sub_px: int = theme.TEXT_PX) -> None:
        super().__init__()
        self.setMinimumHeight(theme.TILE_MIN_HEIGHT_PX)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(4)
        self.main = label(px=main_px, bold=True)
        self.sub = label(px=sub_px)
        for part in (self.main, self.sub):
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            part.setStyleSheet(f"color: {theme.ON_DARK}; background: transparent;")
            layout.addWidget(part)

    def set_lines(self, main: str, sub: str) -> None:
        self.main.setText(main)
        self.sub.setText(sub)
        self.setAccessibleName(f"{main} {sub}")


def clear_layout(widget: QWidget) -> None:
    layout = widget.layout()
    while layout is not None and layout.count():
        item = layout.takeAt(0)
        child = item.widget()
        if child is not None:
            child.deleteLater()
