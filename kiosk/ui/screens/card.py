"""Lay your card: with a service already chosen (offer) or from the green-channel button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.domain.catalogue import Service
from kiosk.ui import theme
from kiosk.ui.strings import tr
from kiosk.ui.widgets import CardAnimation, big_button, label


class CardScreen(QWidget):
    normal_ticket_requested = Signal()
    back_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._service: Service | None = None
        self._reading = False
        self._lang = "zh"

        root = QVBoxLayout(self)
        root.setContentsMargins(theme.px(48), theme.px(32), theme.px(48), theme.px(32))
        root.setSpacing(theme.px(20))
        self.chosen = label(px=theme.TITLE_PX, bold=True)
        root.addWidget(self.chosen)

        body = QHBoxLayout()
        body.setSpacing(theme.px(32))
        self.green = QFrame()
        self.green.setObjectName("GreenPanel")
        green = QVBoxLayout(self.green)
        green.setContentsMargins(theme.px(32), theme.px(32), theme.px(32), theme.px(32))
        self.title = label(px=theme.TITLE_PX, bold=True)
        self.animation = CardAnimation()
        self.hint = label(px=theme.TEXT_PX + 2)
        green.addWidget(self.title)
        green.addWidget(self.animation, 1)
        green.addWidget(self.hint)
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
        self.set_reading(False)
        self.retranslate(lang)

    def set_reading(self, reading: bool) -> None:
        self._reading = reading
        self.normal.setEnabled(not reading)
        self.retranslate(self._lang)

    def set_portrait(self, portrait: bool) -> None:
        layout = self.layout().itemAt(1).layout()
        assert isinstance(layout, QHBoxLayout)
        layout.setDirection(
            QHBoxLayout.Direction.TopToBottom if portrait else QHBoxLayout.Direction.LeftToRight
        )

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        service = self._service
        self.chosen.setVisible(service is not None)
        self.normal.setVisible(service is not None)
        if service is not None:
            self.chosen.setText(tr("offer.chosen", lang, service=service.name(lang)))
            self.title.setText(tr("offer.green", lang))
        else:
            self.title.setText(tr("card.title", lang))
        self.hint.setText(tr("card.reading" if self._reading else "card.hint", lang))
        self.normal.setText(tr("offer.normal", lang))
        self.back.setText(tr("common.back", lang))
