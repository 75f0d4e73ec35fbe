"""After the card: who may use the green channel, then the service to queue for."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.domain.catalogue import Catalogue
from kiosk.ui import theme
from kiosk.ui.strings import category_name, tr
from kiosk.ui.widgets import ServiceGrid, big_button, label, notice_panel


def explain(decision: object, lang: str, name: str = "") -> str:
    """The plain sentence for an eligibility decision (duck-typed Decision)."""
    eligible = getattr(decision, "eligible", False)
    reason = getattr(decision, "reason", "")
    if eligible:
        if reason == "age":
            why = tr("why.age", lang, age=getattr(decision, "age", ""))
        elif reason == "staff":
            why = tr("why.staff", lang)
        else:
            why = category_name(getattr(decision, "category", None), lang)
        text = tr("result.eligible", lang, name=name, why=why)
    else:
        key = f"why.{reason}"
        why = tr(key if key in _KNOWN else "why.not_on_roster", lang)
        text = tr("result.not_eligible", lang, why=why)
    if getattr(decision, "card_expired", False):
        text += "\n" + tr("why.card_expired", lang)
    return text


def explain_with_next_step(decision: object, lang: str, name: str = "") -> str:
    """The decision and, when refused, what to do next."""
    text = explain(decision, lang, name)
    if not getattr(decision, "eligible", False):
        text += "\n" + tr("next.help", lang)
    return text


_KNOWN = {
    "why.not_on_roster",
    "why.roster_expired",
    "why.roster_not_yet_valid",
    "why.daily_limit",
}


class ResultScreen(QWidget):
    service_chosen = Signal(object)
    back_requested = Signal()

    def __init__(self, catalogue: Catalogue) -> None:
        super().__init__()
        self._identification: object | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(theme.px(40), theme.px(32), theme.px(40), theme.px(32))
        root.setSpacing(theme.px(20))
        self.banner = QFrame()
        self.banner.setObjectName("GreenPanel")
        banner = QVBoxLayout(self.banner)
        banner.setContentsMargins(theme.px(32), theme.px(24), theme.px(32), theme.px(24))
        self.message = label(px=theme.NOTICE_PX + 4, bold=True)
        self.message.setObjectName("ResultMessage")
        banner.addWidget(self.message)
        root.addWidget(self.banner)
        self.notice, self.notice_text = notice_panel()
        root.addWidget(self.notice)
        self.pick = label(px=theme.TITLE_PX, bold=True)
        root.addWidget(self.pick)
        self.grid = ServiceGrid(catalogue, object_prefix="result_tile")
        self.grid.chosen.connect(self.service_chosen)
        root.addWidget(self.grid, 1)
        self.back = big_button("", min_height=100)
        self.back.clicked.connect(self.back_requested)
        root.addWidget(self.back)

    def show_identification(self, identification: object, lang: str) -> None:
        self._identification = identification
        self.show_notice("")
        self.grid.set_enabled(True)
        self.retranslate(lang)

    def show_notice(self, text: str) -> None:
        self.notice_text.setText(text)
        self.notice.setVisible(bool(text))

    def set_busy(self, busy: bool) -> None:
        self.grid.set_enabled(not busy)

    def set_portrait(self, portrait: bool) -> None:
        self.grid.set_portrait(portrait)

    def retranslate(self, lang: str) -> None:
        ident = self._identification
        self.pick.setText(tr("result.pick", lang))
        self.back.setText(tr("common.back", lang))
        self.grid.retranslate(lang)
        if ident is None:
            return
        decision = getattr(ident, "decision", None)
        eligible = getattr(decision, "eligible", False)
        self.banner.setObjectName("GreenPanel" if eligible else "NoticePanel")
        self.banner.setStyleSheet(self.banner.styleSheet())  # re-polish for the new name
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        name = getattr(ident, "name_masked", "")
        self.message.setText(explain_with_next_step(decision, lang, name))
