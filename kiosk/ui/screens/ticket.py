"""The issued ticket: the number huge at once, then 'printing', then 'take your ticket'."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.ui import theme
from kiosk.ui.strings import tr
from kiosk.ui.widgets import big_button, label


class TicketScreen(QWidget):
    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        root = QVBoxLayout(self)
        root.setContentsMargins(theme.px(80), theme.px(32), theme.px(80), theme.px(32))
        root.setSpacing(theme.px(16))
        #: Why the visitor got this ticket and not another (refused priority, reprint):
        #: large, in its own panel, not a small line above the number.
        self.notice = QFrame()
        self.notice.setObjectName("NoticePanel")
        notice = QVBoxLayout(self.notice)
        notice.setContentsMargins(theme.px(32), theme.px(16), theme.px(32), theme.px(16))
        self.note = label(px=theme.NOTICE_PX, bold=True)
        self.note.setObjectName("TicketNote")
        notice.addWidget(self.note)
        root.addWidget(self.notice)
        card = QFrame()
        card.setObjectName("TicketCard")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(theme.px(40), theme.px(32), theme.px(40), theme.px(32))
        inner.setSpacing(theme.px(12))
        self.caption = label(px=theme.TITLE_PX)
        self.number = label(px=theme.NUMBER_PX, bold=True)
        self.number.setObjectName("TicketNumber")
        self._portrait = False
        self.number.setStyleSheet(f"color: {theme.ACCENT};")
        self.service = label(px=theme.TITLE_PX, bold=True)
        self.priority = label(px=theme.TEXT_PX + 6, bold=True)
        self.priority.setStyleSheet(f"color: {theme.GREEN};")
        self.location = label(px=theme.TITLE_PX - 4)
        self.ahead = label(px=theme.TEXT_PX + 6)
        self.take = label(px=theme.TITLE_PX, bold=True)
        self.take.setObjectName("TicketTake")
        for widget in (
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
        self.done_button.setObjectName("TicketDone")
        self.done_button.clicked.connect(self.done)
        root.addWidget(self.done_button)
        self._lang = "zh"
        self._outcome = None
        self._note = ""

    def show_outcome(self, outcome, lang: str, note: str = "") -> None:
        """``outcome.printing``: the number is allocated and the paper is on its way."""
        self._outcome = outcome
        self._note = note
        self.retranslate(lang)

    def set_portrait(self, portrait: bool) -> None:
        self._portrait = portrait
        self.retranslate(self._lang)

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        self.done_button.setText(tr("ticket.done", lang))
        outcome = self._outcome
        if outcome is None:
            return
        ticket, service = outcome.ticket, outcome.service
        self.notice.setVisible(bool(self._note))
        self.note.setText(self._note)
        # A landscape screen has no room for the full-size number under a notice: a
        # smaller one, never squeezed (a squeezed label clips the glyphs' tops).
        size = theme.NUMBER_PX if self._portrait or not self._note else theme.NUMBER_PX * 3 // 4
        self.number.setFont(theme.font(size, bold=True))
        self.number.setMinimumHeight(QFontMetrics(self.number.font()).height())
        self.caption.setText(tr("ticket.your_number", lang))
        self.number.setText(ticket.number)
        self.service.setText(f"{service.name_zh}  {service.name_en}")
        self.priority.setVisible(ticket.priority)
        self.priority.setText(tr("ticket.priority", lang))
        place = service.priority_place(lang) if ticket.priority else service.location(lang)
        self.location.setText(tr("ticket.go_to", lang, location=place))
        self.ahead.setVisible(ticket.waiting_ahead is not None)
        if ticket.waiting_ahead is not None:
            minutes = getattr(outcome, "estimate_minutes", None)
            if minutes is None:
                self.ahead.setText(tr("ticket.ahead", lang, count=ticket.waiting_ahead))
            else:
                self.ahead.setText(
                    tr("ticket.ahead_wait", lang, count=ticket.waiting_ahead, minutes=minutes)
                )
        colour = theme.INK
        if getattr(outcome, "printing", False):
            self.take.setText(tr("ticket.printing", lang))
            colour = theme.ACCENT
        elif not outcome.printed:
            self.take.setText(tr("ticket.not_printed", lang))
            colour = theme.WARNING
        else:
            self.take.setText(tr("ticket.reprint" if outcome.reprint else "ticket.take", lang))
        self.take.setStyleSheet(f"color: {colour};")
