"""The issued ticket: the number huge, where to go, and 'take your ticket'."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.ui import theme
from kiosk.ui.strings import tr
from kiosk.ui.widgets import big_button, label


class TicketScreen(QWidget):
    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        root = QVBoxLayout(self)
        root.setContentsMargins(theme.px(80), theme.px(40), theme.px(80), theme.px(40))
        card = QFrame()
        card.setObjectName("TicketCard")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(theme.px(40), theme.px(40), theme.px(40), theme.px(40))
        inner.setSpacing(theme.px(16))
        self.caption = label(px=theme.TITLE_PX)
        self.number = label(px=theme.NUMBER_PX, bold=True)
        self.number.setObjectName("TicketNumber")
        self.number.setStyleSheet(f"color: {theme.ACCENT};")
        self.service = label(px=theme.TITLE_PX, bold=True)
        self.priority = label(px=theme.TEXT_PX + 4, bold=True)
        self.priority.setStyleSheet(f"color: {theme.GREEN};")
        self.location = label(px=theme.TITLE_PX - 4)
        self.ahead = label(px=theme.TEXT_PX + 4)
        self.take = label(px=theme.TITLE_PX, bold=True)
        self.note = label(px=theme.TEXT_PX)
        self.note.setObjectName("TicketNote")
        for widget in (
            self.note,
            self.caption,
            self.number,
            self.service,
            self.priority,
            self.location,
            self.ahead,
            self.take,
        ):
            inner.addWidget(widget)
        root.addWidget(card, 1)
        self.done_button = big_button("", min_height=110)
        self.done_button.clicked.connect(self.done)
        root.addWidget(self.done_button)
        self._lang = "zh"
        self._outcome = None
        self._note = ""

    def show_outcome(self, outcome, lang: str, note: str = "") -> None:
        self._outcome = outcome
        self._note = note
        self.retranslate(lang)

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        self.done_button.setText(tr("ticket.done", lang))
        outcome = self._outcome
        if outcome is None:
            return
        ticket, service = outcome.ticket, outcome.service
        self.note.setVisible(bool(self._note))
        self.note.setText(self._note)
        self.caption.setText(tr("ticket.your_number", lang))
        self.number.setText(ticket.number)
        self.service.setText(f"{service.name_zh}  {service.name_en}")
        self.priority.setVisible(ticket.priority)
        self.priority.setText(tr("ticket.priority", lang))
        self.location.setText(tr("ticket.go_to", lang, location=service.location(lang)))
        self.ahead.setVisible(ticket.waiting_ahead is not None)
        if ticket.waiting_ahead is not None:
            minutes = getattr(outcome, "estimate_minutes", None)
            if minutes is None:
                self.ahead.setText(tr("ticket.ahead", lang, count=ticket.waiting_ahead))
            else:
                self.ahead.setText(
                    tr("ticket.ahead_wait", lang, count=ticket.waiting_ahead, minutes=minutes)
                )
        if not outcome.printed:
            self.take.setText(tr("ticket.not_printed", lang))
            self.take.setStyleSheet(f"color: {theme.WARNING};")
        else:
            key = "ticket.reprint" if outcome.reprint else "ticket.take"
            self.take.setText(tr(key, lang))
            self.take.setStyleSheet(f"color: {theme.INK};")
