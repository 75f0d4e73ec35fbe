"""Home: the service tiles and the green-channel panel."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.domain.catalogue import Catalogue, Service
from kiosk.ui import theme
from kiosk.ui.strings import tr
from kiosk.ui.widgets import TwoLineButton, big_button, label


class HomeScreen(QWidget):
    service_chosen = Signal(object)  # Service
    language_toggled = Signal()
    green_channel_requested = Signal()

    def __init__(self, catalogue: Catalogue, hall_name: str) -> None:
        super().__init__()
        self._catalogue = catalogue
        self._lang = "zh"
        self._portrait = False

        root = QVBoxLayout(self)
        root.setContentsMargins(40, 24, 40, 32)
        root.setSpacing(20)

        header = QHBoxLayout()
        self.hall = label(hall_name, px=theme.TITLE_PX - 8, bold=True, center=False)
        self.language = big_button("", min_height=80)
        self.language.setObjectName("LanguageButton")
        self.language.setMinimumWidth(220)
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

        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setSpacing(20)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.tiles: dict[str, TwoLineButton] = {}
        for service in catalogue:
            tile = TwoLineButton()
            tile.setObjectName(f"tile_{service.code}")
            tile.clicked.connect(lambda _=False, s=service: self._tile_tapped(s))
            self.tiles[service.code] = tile
        root.addWidget(self._grid_host, 1)

        self.green = QFrame()
        self.green.setObjectName("GreenPanel")
        green_layout = QHBoxLayout(self.green)
        green_layout.setContentsMargins(32, 20, 32, 20)
        green_text = QVBoxLayout()
        self.green_title = label(px=theme.TITLE_PX, bold=True, center=False)
        self.green_body = label(px=theme.TEXT_PX, center=False)
        green_text.addWidget(self.green_title)
        green_text.addWidget(self.green_body)
        green_layout.addLayout(green_text, 1)
        self.green_button = big_button("", px=theme.TEXT_PX + 4, min_height=120)
        self.green_button.setObjectName("GreenButton")
        self.green_button.clicked.connect(self.green_channel_requested)
        green_layout.addWidget(self.green_button, 0, Qt.AlignmentFlag.AlignVCenter)
        root.addWidget(self.green)

        self._lay_out_tiles()
        self.retranslate("zh")

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        other = "en" if lang == "zh" else "zh"
        self.language.setText(tr("home.language", lang))
        self.title.setText(tr("home.title", lang))
        self.busy.setText(tr("busy.printing", lang))
        self.green_title.setText(tr("home.green.title", lang))
        self.green_body.setText(tr("home.green.body", lang))
        self.green_button.setText(tr("home.green.button", lang))
        for service in self._catalogue:
            self.tiles[service.code].set_lines(service.name(lang), service.name(other))

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.title.setVisible(not busy)
        for tile in self.tiles.values():
            tile.setEnabled(not busy)
        self.green_button.setEnabled(not busy)

    def _tile_tapped(self, service: Service) -> None:
        if self.busy.isVisible():
            return
        self.service_chosen.emit(service)

    def _lay_out_tiles(self) -> None:
        columns = 2 if self._portrait else 4
        for index, service in enumerate(self._catalogue):
            self._grid.addWidget(self.tiles[service.code], index // columns, index % columns)

    def resizeEvent(self, event) -> None:
        portrait = event.size().height() > event.size().width()
        if portrait != self._portrait:
            self._portrait = portrait
            self._lay_out_tiles()
        super().resizeEvent(event)
