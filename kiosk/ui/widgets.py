"""Small building blocks shared by the screens."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEasingCurve, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.catalogue import Catalogue, Service
from kiosk.ui import theme
from kiosk.ui.strings import tr


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


class TappablePanel(QFrame):
    """A panel the whole of which is a button (the green-channel panel on home)."""

    tapped = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event) -> None:
        if self.isEnabled() and self.rect().contains(event.position().toPoint()):
            self.tapped.emit()
        super().mouseReleaseEvent(event)


def notice_panel() -> tuple[QFrame, QLabel]:
    """A dark panel with one large message (an outcome and the next step), hidden."""
    panel = QFrame()
    panel.setObjectName("NoticePanel")
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(theme.px(32), theme.px(16), theme.px(32), theme.px(16))
    text = label(px=theme.NOTICE_PX, bold=True)
    layout.addWidget(text)
    panel.hide()
    return panel, text


class ServiceGrid(QWidget):
    """The bilingual service tiles; four columns in landscape, two in portrait.

    A closed service's tile stays, greyed, saying when it opens; tapping it still
    emits ``chosen`` so the kiosk can say so. In listen mode the first tap on a tile
    emits ``announced`` (read it out) and only a second tap on the same tile chooses.
    """

    chosen = Signal(object)  # Service
    announced = Signal(object)  # Service, listen mode

    def __init__(self, catalogue: Catalogue, object_prefix: str = "tile") -> None:
        super().__init__()
        self._catalogue = catalogue
        self._portrait: bool | None = None
        self._grid = QGridLayout(self)
        self._grid.setSpacing(theme.px(20))
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.tiles: dict[str, TwoLineButton] = {}
        self._closed: dict[str, str] = {}
        self._listen = False
        self._armed: str | None = None
        self._lang = "zh"
        for service in catalogue:
            tile = TwoLineButton()
            tile.setObjectName(f"{object_prefix}_{service.code}")
            tile.clicked.connect(lambda _=False, s=service: self._tapped(s))
            self.tiles[service.code] = tile
        self._lay_out(portrait=False)

    def services(self) -> tuple[Service, ...]:
        return self._catalogue.services

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        other = "en" if lang == "zh" else "zh"
        for service in self._catalogue:
            note = self._closed.get(service.code, "")
            self.tiles[service.code].set_lines(service.name(lang), note or service.name(other))

    def set_closed(self, code: str, note: str) -> None:
        """``note`` (when it opens) greys the tile; an empty note opens it again."""
        if self._closed.get(code, "") == note:
            return
        if note:
            self._closed[code] = note
        else:
            self._closed.pop(code, None)
        tile = self.tiles[code]
        tile.setProperty("closed", bool(note))
        tile.style().unpolish(tile)
        tile.style().polish(tile)
        self.retranslate(self._lang)

    def is_closed(self, code: str) -> bool:
        return code in self._closed

    def set_listen(self, on: bool) -> None:
        self._listen = on
        self._armed = None

    def set_enabled(self, enabled: bool) -> None:
        for tile in self.tiles.values():
            tile.setEnabled(enabled)

    def _tapped(self, service: Service) -> None:
        if not self.tiles[service.code].isEnabled():
            return
        if self._listen and self._armed != service.code:
            self._armed = service.code
            self.announced.emit(service)
            return
        self._armed = None
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
        t = QEasingCurve(QEasingCurve.Type.OutCubic).valueForProgress(min(self._phase * 1.6, 1.0))
        card_w = int(min(w * 0.46, h * 0.36 * 85.6 / 54))  # an ID card is 85.6 x 54 mm
        card_h = int(card_w * 54 / 85.6)
        # The card comes to rest over the top third of the reader: the label below it
        # ("读卡区 Reader") is never covered.
        rest = reader.top() + reader.height() // 3 - card_h
        top = int(h * 0.02 + t * (rest - h * 0.02))
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
        caption = QRect(reader.left(), reader.top() + reader.height() // 3, reader.width(), 0)
        caption.setBottom(reader.bottom())
        painter.setPen(QPen(QColor(theme.ON_DARK)))
        painter.setFont(theme.font(28, bold=True))
        painter.drawText(caption, Qt.AlignmentFlag.AlignCenter, "读卡区  ▼  Reader")
        painter.end()


class HelpBar(QFrame):
    """The strip under every visitor screen: read-aloud mode and the Help button."""

    help_requested = Signal()
    listen_toggled = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("HelpBar")
        row = QHBoxLayout(self)
        row.setContentsMargins(theme.px(40), theme.px(10), theme.px(40), theme.px(14))
        row.setSpacing(theme.px(24))
        self.listen = big_button("", px=theme.TEXT_PX + 2, min_height=96)
        self.listen.setObjectName("ListenButton")
        self.listen.setCheckable(True)
        self.listen.toggled.connect(self.listen_toggled)
        self.help = big_button("", px=theme.TEXT_PX + 4, min_height=96)
        self.help.setObjectName("HelpButton")
        self.help.clicked.connect(self.help_requested)
        row.addWidget(self.listen, 2)
        row.addStretch(1)
        row.addWidget(self.help, 3)

    def retranslate(self, lang: str) -> None:
        key = "listen.button_on" if self.listen.isChecked() else "listen.button"
        self.listen.setText(tr(key, lang))
        self.help.setText(tr("help.button", lang))


class IdleWarning(QFrame):
    """'Still there?' over the whole window, with one big Continue button."""

    continued = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("IdleVeil")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(theme.px(160), theme.px(160), theme.px(160), theme.px(160))
        panel = QFrame()
        panel.setObjectName("IdlePanel")
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(theme.px(48), theme.px(48), theme.px(48), theme.px(48))
        inner.setSpacing(theme.px(32))
        self.question = label(px=theme.TITLE_PX + 12, bold=True)
        self.detail = label(px=theme.TEXT_PX + 6)
        self.button = big_button("", px=theme.TITLE_PX + 8, min_height=180)
        self.button.setObjectName("IdleContinue")
        self.button.clicked.connect(self.continued)
        inner.addWidget(self.question)
        inner.addWidget(self.detail)
        inner.addWidget(self.button)
        outer.addStretch(1)
        outer.addWidget(panel)
        outer.addStretch(1)
        self.hide()

    def retranslate(self, lang: str) -> None:
        self.question.setText(tr("idle.question", lang))
        self.detail.setText(tr("idle.detail", lang))
        self.button.setText(tr("idle.continue", lang))

    def cover(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.raise_()
        self.show()


def spoken_text(
    screen: QWidget, lang: str, number_reader: Callable[[str, str], str] | None = None
) -> str:
    """Everything a visitor can read on ``screen``, top to bottom, as one text to say.

    Buttons are read as "button: ..." so a listener knows what can be tapped; a ticket
    number (object name ``TicketNumber``) is spelled out by ``number_reader``.
    """
    parts: list[tuple[int, int, str]] = []
    button_word = "按钮" if lang == "zh" else "button"
    for widget in screen.findChildren(QWidget):
        if not widget.isVisibleTo(screen):
            continue
        if isinstance(widget, QLabel) and not isinstance(widget.parentWidget(), QPushButton):
            text = widget.text()
            if widget.objectName() == "TicketNumber" and number_reader is not None and text:
                text = number_reader(text, lang)
        elif isinstance(widget, QPushButton):
            text = widget.accessibleName() or widget.text()
            text = f"{button_word}：{text}" if lang == "zh" else f"{button_word}: {text}"
        else:
            continue
        text = " ".join(text.split())
        if text:
            where = widget.mapTo(screen, QPoint(0, 0))
            parts.append((where.y(), where.x(), text))
    stop = "。" if lang == "zh" else ". "
    return stop.join(text for _, _, text in sorted(parts))
