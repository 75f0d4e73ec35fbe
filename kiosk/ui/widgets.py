"""Small building blocks shared by the screens."""

from __future__ import annotations

from PySide6.QtCore import QEasingCurve, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.catalogue import Catalogue, Service
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
    button.setMinimumHeight(theme.px(min_height))
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class TwoLineButton(QPushButton):
    """A large tile: a main line and a second line (the other language)."""

    def __init__(self, main_px: int = theme.TILE_NAME_PX, sub_px: int = theme.TEXT_PX) -> None:
        super().__init__()
        self.setMinimumHeight(theme.px(theme.TILE_MIN_HEIGHT_PX))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.px(16), theme.px(12), theme.px(16), theme.px(12))
        layout.setSpacing(theme.px(4))
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


class ServiceGrid(QWidget):
    """The bilingual service tiles; four columns in landscape, two in portrait."""

    chosen = Signal(object)  # Service

    def __init__(self, catalogue: Catalogue, object_prefix: str = "tile") -> None:
        super().__init__()
        self._catalogue = catalogue
        self._portrait: bool | None = None
        self._grid = QGridLayout(self)
        self._grid.setSpacing(theme.px(20))
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.tiles: dict[str, TwoLineButton] = {}
        for service in catalogue:
            tile = TwoLineButton()
            tile.setObjectName(f"{object_prefix}_{service.code}")
            tile.clicked.connect(lambda _=False, s=service: self._tapped(s))
            self.tiles[service.code] = tile
        self._lay_out(portrait=False)

    def retranslate(self, lang: str) -> None:
        other = "en" if lang == "zh" else "zh"
        for service in self._catalogue:
            self.tiles[service.code].set_lines(service.name(lang), service.name(other))

    def set_enabled(self, enabled: bool) -> None:
        for tile in self.tiles.values():
            tile.setEnabled(enabled)

    def _tapped(self, service: Service) -> None:
        if self.tiles[service.code].isEnabled():
            self.chosen.emit(service)

    def _lay_out(self, portrait: bool) -> None:
        if portrait == self._portrait:
            return
        self._portrait = portrait
        columns = 2 if portrait else 4
        for index, service in enumerate(self._catalogue):
            self._grid.addWidget(self.tiles[service.code], index // columns, index % columns)

    def set_portrait(self, portrait: bool) -> None:
        self._lay_out(portrait)


class CardAnimation(QWidget):
    """A card sliding down onto the reader, drawn, so it needs no image files."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(theme.px(360), theme.px(300))
        self._timer_id = 0
        self._phase = 0.0

    def showEvent(self, event) -> None:
        self._timer_id = self.startTimer(40)
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        if self._timer_id:
            self.killTimer(self._timer_id)
            self._timer_id = 0
        super().hideEvent(event)

    def timerEvent(self, event) -> None:
        self._phase = (self._phase + 0.02) % 1.0
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        reader = QRect(int(w * 0.15), int(h * 0.70), int(w * 0.70), int(h * 0.22))
        painter.setBrush(QColor("#2B3A4A"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(reader, 16, 16)
        painter.setPen(QPen(QColor(theme.ON_DARK)))
        painter.setFont(theme.font(24))
        painter.drawText(reader, Qt.AlignmentFlag.AlignCenter, "读卡区  ▼  Reader")
        t = QEasingCurve(QEasingCurve.Type.OutCubic).valueForProgress(min(self._phase * 1.6, 1.0))
        card_w = int(min(w * 0.46, h * 0.36 * 85.6 / 54))  # an ID card is 85.6 x 54 mm
        card_h = int(card_w * 54 / 85.6)
        top = int(h * 0.02 + t * (reader.top() - card_h * 0.55 - h * 0.02))
        card = QRect(QPoint((w - card_w) // 2, top), QPoint((w + card_w) // 2, top + card_h))
        painter.setBrush(QColor("#F4E6B8"))
        painter.setPen(QPen(QColor("#8A6D1F"), 3))
        painter.drawRoundedRect(card, 14, 14)
        painter.setBrush(QColor("#C9B27A"))
        painter.setPen(Qt.PenStyle.NoPen)
        photo = QRect(card.right() - card_w // 3, card.top() + 14, card_w // 4, card_h - 28)
        painter.drawRoundedRect(photo, 6, 6)
        painter.setPen(QPen(QColor("#8A6D1F"), 4))
        for i in range(3):
            y = card.top() + 26 + i * (card_h - 40) // 3
            painter.drawLine(card.left() + 18, y, card.left() + card_w // 2, y)
        painter.end()
