"""Home: the service tiles and the green-channel panel."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.domain.catalogue import Catalogue
from kiosk.ui import theme
from kiosk.ui.strings import tr
from kiosk.ui.widgets import ServiceGrid, TappablePanel, big_button, label, notice_panel


class HomeScreen(QWidget):
    service_chosen = Signal(object)  # Service
    language_toggled = Signal()
    green_channel_requested = Signal()

    def __init__(self, catalogue: Catalogue, hall_name: str) -> None:
        super().__init__()
        self._lang = "zh"
        self._reader_available = True

        root = QVBoxLayout(self)
        root.setContentsMargins(theme.px(40), theme.px(24), theme.px(40), theme.px(32))
        root.setSpacing(theme.px(20))

        header = QHBoxLayout()
        self.hall = label(hall_name, px=theme.TITLE_PX - 8, bold=True, center=False)
        self.hall.setObjectName("HallName")
        self.language = big_button("", min_height=80)
        self.language.setObjectName("LanguageButton")
        self.language.setMinimumWidth(theme.px(220))
        self.language.clicked.connect(self.language_toggled)
        header.addWidget(self.hall, 1)
        header.addWidget(self.language)
        root.addLayout(header)

        self.title = label(px=theme.TITLE_PX, bold=True)
        root.addWidget(self.title)
        self.busy = label(px=theme.TITLE_PX - 6, bold=True)
        self.busy.setStyleSheet(f"color: {theme.ACCENT};")
        self.busy.hide()
        root.addWidget(self.busy)
        self.notice, self.notice_text = notice_panel()
        self.notice_text.setObjectName("HomeNotice")
        root.addWidget(self.notice)

        self.grid = ServiceGrid(catalogue)
        self.grid.chosen.connect(self.service_chosen)
        self.tiles = self.grid.tiles
        root.addWidget(self.grid, 1)

        self.green = TappablePanel()  # the whole panel starts the lay-card step
        self.green.setObjectName("GreenPanel")
        self.green.tapped.connect(self._green_tapped)
        green_layout = QHBoxLayout(self.green)
        green_layout.setContentsMargins(theme.px(32), theme.px(20), theme.px(32), theme.px(20))
        green_text = QVBoxLayout()
        self.green_title = label(px=theme.TITLE_PX, bold=True, center=False)
        self.green_body = label(px=theme.TEXT_PX + 2, center=False)
        green_text.addWidget(self.green_title)
        green_text.addWidget(self.green_body)
        green_layout.addLayout(green_text, 1)
        self.green_button = big_button("", px=theme.TEXT_PX + 4, min_height=140)
        self.green_button.setObjectName("GreenButton")
        self.green_button.setMinimumWidth(theme.px(300))
        self.green_button.clicked.connect(self.green_channel_requested)
        green_layout.addWidget(self.green_button, 0, Qt.AlignmentFlag.AlignVCenter)
        root.addWidget(self.green)
        self.retranslate("zh")

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        self.language.setText(tr("home.language", lang))
        self.title.setText(tr("home.title", lang))
        self.busy.setText(tr("busy.printing", lang))
        self.green_title.setText(tr("home.green.title", lang))
        body = "home.green.body" if self._reader_available else "home.green.unavailable"
        self.green_body.setText(tr(body, lang))
        self.green_button.setText(tr("home.green.button", lang))
        self.grid.retranslate(lang)

    def _green_tapped(self) -> None:
        if self._reader_available and self.green_button.isEnabled():
            self.green_channel_requested.emit()

    def show_notice(self, text: str) -> None:
        """An outcome with its next step, large, above the tiles ("" hides it)."""
        self.notice_text.setText(text)
        self.notice.setVisible(bool(text))
        # The notice stands where the title was: the tiles keep their room.
        self.title.setVisible(not text and not self.busy.isVisibleTo(self))

    def set_reader_available(self, available: bool) -> None:
        self._reader_available = available
        self.green_button.setVisible(available)
        self.retranslate(self._lang)

    def set_busy(self, busy: bool) -> None:
        if busy == self.busy.isVisibleTo(self):
            return
        self.busy.setVisible(busy)
        self.title.setVisible(not busy and self.notice.isHidden())
        self.grid.set_enabled(not busy)
        self.green_button.setEnabled(not busy)

    def set_portrait(self, portrait: bool) -> None:
        self.grid.set_portrait(portrait)
