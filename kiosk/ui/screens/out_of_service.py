"""Shown when no ticket can be printed: visitors are sent to staff, staff see why."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.ui import theme
from kiosk.ui.strings import STAFF_REASONS, tr
from kiosk.ui.widgets import label


class OutOfServiceScreen(QWidget):
    def __init__(self) -> None:
        super().__init__()
        root = QVBoxLayout(self)
        root.setContentsMargins(theme.px(80), theme.px(80), theme.px(80), theme.px(80))
        panel = QFrame()
        panel.setObjectName("WarningPanel")
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(theme.px(48), theme.px(64), theme.px(48), theme.px(64))
        inner.setSpacing(theme.px(32))
        self.title = label(px=theme.TITLE_PX + 20, bold=True)
        self.body = label(px=theme.TITLE_PX - 4)
        self.reason = label(px=theme.TEXT_PX)
        for widget in (self.title, self.body, self.reason):
            inner.addWidget(widget)
        root.addWidget(panel, 1)
        self._reason_key = "error"

    def set_reason(self, reason_key: str, lang: str) -> None:
        self._reason_key = reason_key
        self.retranslate(lang)

    def retranslate(self, lang: str) -> None:
        self.title.setText(tr("out.title", lang))
        self.body.setText(tr("out.body", lang))
        reason = STAFF_REASONS.get(self._reason_key, STAFF_REASONS["error"])
        # Staff read the cause in both languages, small, under the visitor's message.
        self.reason.setText(f"{reason['zh']} / {reason['en']}")
