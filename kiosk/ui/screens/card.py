"""Lay your card: with a service already chosen (offer) or from the green-channel button.

Three ways on, each its own colour and shape: the green panel (lay the card), the white
rounded "normal ticket" button, and the dark square "back". A visitor without their card
taps "没带身份证" and hears where staff can identify them by hand.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.domain.catalogue import Service
from kiosk.ui import theme
from kiosk.ui.strings import tr
from kiosk.ui.widgets import CardAnimation, big_button, label, notice_panel


class CardScreen(QWidget):
    normal_ticket_requested = Signal()
    back_requested = Signal()
    no_card_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._service: Service | None = None
        self._reading = False
        self._no_card = False
        self._lang = "zh"

        root = QVBoxLayout(self)
        root.setContentsMargins(theme.px(48), theme.px(32), theme.px(48), theme.px(24))
        root.setSpacing(theme.px(20))
        self.chosen = label(px=theme.TITLE_PX, bold=True)
        root.addWidget(self.chosen)
        self.notice, self.notice_text = notice_panel()
        self.notice_text.setObjectName("CardNotice")
        root.addWidget(self.notice)

        body = QHBoxLayout()
        body.setSpacing(theme.px(32))
        self.green = QFrame()
        self.green.setObjectName("GreenPanel")
        green = QVBoxLayout(self.green)
        green.setContentsMargins(theme.px(32), theme.px(24), theme.px(32), theme.px(24))
        self.title = label(px=theme.TITLE_PX, bold=True)
        self.animation = CardAnimation()
        self.hint = label(px=theme.NOTICE_PX - 2)
        self.no_card = big_button("", px=theme.TEXT_PX + 2, min_height=96)
        self.no_card.setObjectName("NoCardButton")
        self.no_card.clicked.connect(self.no_card_requested)
        green.addWidget(self.title)
        green.addWidget(self.animation, 1)
        green.addWidget(self.hint)
        green.addWidget(self.no_card)
        body.addWidget(self.green, 3)
        self.normal = big_button("", px=theme.TITLE_PX - 6, min_height=240)
        self.normal.setObjectName("NormalTicketButton")
        self.normal.clicked.connect(self.normal_ticket_requested)
        body.addWidget(self.normal, 2)
        root.addLayout(body, 1)

        self.back = big_button("", min_height=100)
        self.back.setObjectName("BackButton")
        self.back.clicked.connect(self.back_requested)
        root.addWidget(self.back)

    def show_for(self, service: Service | None, lang: str) -> None:
        self._service = service
        self._no_card = False
        self.notice.hide()
        self.set_reading(False)
        self.retranslate(lang)

    def show_no_card(self) -> None:
        """No ID card: where staff identify by hand, or a normal ticket."""
        self._no_card = True
        self.retranslate(self._lang)

    def show_notice(self, text: str) -> None:
        self.notice_text.setText(text)
        self.notice.setVisible(bool(text))

    def set_reading(self, reading: bool) -> None:
        self._reading = reading
        self.normal.setEnabled(not reading)
        self.no_card.setEnabled(not reading)
        self.retranslate(self._lang)

    def set_portrait(self, portrait: bool) -> None:
        layout = self.layout().itemAt(2).layout()
        assert isinstance(layout, QHBoxLayout)
        layout.setDirection(
            QHBoxLayout.Direction.TopToBottom if portrait else QHBoxLayout.Direction.LeftToRight
        )

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        service = self._service
        self.chosen.setVisible(service is not None)
        # Without a chosen service the normal ticket needs one first: it goes home.
        self.normal.setVisible(service is not None or self._no_card)
        if service is not None:
            self.chosen.setText(tr("offer.chosen", lang, service=service.name(lang)))
            self.title.setText(tr("offer.green", lang))
        else:
            self.title.setText(tr("card.title", lang))
        if self._no_card:
            self.show_notice(tr("card.no_card_help", lang))
        # Without a card the drawing of one gives way to the way on (room on any screen).
        self.animation.setVisible(not self._no_card)
        self.hint.setVisible(not self._no_card)
        self.hint.setText(tr("card.reading" if self._reading else "card.hint", lang))
        self.no_card.setText(tr("card.no_card", lang))
        key = "offer.normal" if service is not None else "card.take_normal"
        self.normal.setText(tr(key, lang))
        self.back.setText(tr("common.back", lang))
