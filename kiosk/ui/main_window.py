"""The kiosk window: a stack of screens driven by service signals.

The window never touches a device, the database or the network: it calls service slots
and reacts to their signals, so the GUI thread never waits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from kiosk.domain.catalogue import Catalogue, Service
from kiosk.domain.ticket import TicketRequest
from kiosk.services.tickets import IssueOutcome, OutOfService, TicketService
from kiosk.ui import theme
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screens.out_of_service import OutOfServiceScreen
from kiosk.ui.screens.ticket import TicketScreen

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UiSettings:
    hall_name: str
    language: str = "zh"
    idle_timeout_s: float = 60
    ticket_screen_s: float = 8
    fullscreen: bool = True
    hide_pointer: bool = True


def reason_key(status: object) -> str:
    name = getattr(status, "name", "")
    return {"PAPER_OUT": "paper_out", "OFFLINE": "offline"}.get(name, "error")


class KioskWindow(QWidget):
    def __init__(self, catalogue: Catalogue, tickets: TicketService, settings: UiSettings) -> None:
        super().__init__()
        self.setObjectName("KioskRoot")
        self.setWindowTitle(settings.hall_name)
        self.setStyleSheet(theme.stylesheet())
        self.settings = settings
        self.lang = settings.language
        self.tickets = tickets
        self._allow_close = not settings.fullscreen

        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.home = HomeScreen(catalogue, settings.hall_name)
        self.ticket_screen = TicketScreen()
        self.out_of_service = OutOfServiceScreen()
        for screen in (self.home, self.ticket_screen, self.out_of_service):
            self.stack.addWidget(screen)

        self.home.service_chosen.connect(self.choose_service)
        self.home.language_toggled.connect(self.toggle_language)
        self.ticket_screen.done.connect(self.go_home)
        tickets.ticket_issued.connect(self._on_ticket_issued)
        tickets.issue_refused.connect(self._on_refused)
        tickets.issue_failed.connect(self._on_failed)
        tickets.printer_status_changed.connect(self._on_printer_status)

        self._back_home = QTimer(self)
        self._back_home.setSingleShot(True)
        self._back_home.timeout.connect(self.go_home)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(int(settings.idle_timeout_s * 1000))
        self._idle.timeout.connect(self.go_home)
        app = QGuiApplication.instance()
        if app is not None:  # every tap anywhere restarts the idle timer
            app.installEventFilter(self)
        self.retranslate()

    # -- navigation ----------------------------------------------------------------

    def show_kiosk(self) -> None:
        if self.settings.fullscreen:
            self.setWindowFlags(
                Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
            )
            screen = QGuiApplication.primaryScreen()
            if screen is not None:  # with no window manager showFullScreen alone is not enough
                self.setGeometry(screen.geometry())
            self.showFullScreen()
        else:
            self.resize(1280, 800)
            self.show()
        if self.settings.hide_pointer:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.BlankCursor)

    def go_home(self) -> None:
        self._back_home.stop()
        self.lang = self.settings.language
        self.retranslate()
        self.home.set_busy(self.tickets.busy)
        if self.stack.currentWidget() is not self.out_of_service:
            self.stack.setCurrentWidget(self.home)

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"
        self.retranslate()

    def retranslate(self) -> None:
        self.home.retranslate(self.lang)
        self.ticket_screen.retranslate(self.lang)
        self.out_of_service.retranslate(self.lang)

    # -- visitor actions -----------------------------------------------------------

    def choose_service(self, service: Service) -> None:
        if self.tickets.busy:
            return
        self.home.set_busy(True)
        self.tickets.issue(TicketRequest(service.code, service.prefix))

    # -- service results -----------------------------------------------------------

    def _on_ticket_issued(self, outcome: IssueOutcome) -> None:
        self.home.set_busy(False)
        self.ticket_screen.show_outcome(outcome, self.lang)
        self.stack.setCurrentWidget(self.ticket_screen)
        self._back_home.start(int(self.settings.ticket_screen_s * 1000))

    def _on_refused(self, error: OutOfService) -> None:
        self.home.set_busy(False)
        self.out_of_service.set_reason(reason_key(error.status), self.lang)
        self.stack.setCurrentWidget(self.out_of_service)

    def _on_failed(self, _message: str) -> None:
        self.home.set_busy(False)
        self.out_of_service.set_reason("error", self.lang)
        self.stack.setCurrentWidget(self.out_of_service)
        self._back_home.start(int(self.settings.ticket_screen_s * 1000))

    def _on_printer_status(self, status: object) -> None:
        can_print = getattr(status, "can_print", lambda: True)()
        if can_print and self.stack.currentWidget() is self.out_of_service:
            self.stack.setCurrentWidget(self.home)
        elif not can_print and self.stack.currentWidget() is self.home and not self.tickets.busy:
            self.out_of_service.set_reason(reason_key(status), self.lang)
            self.stack.setCurrentWidget(self.out_of_service)

    # -- lockdown and idle -----------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self._idle.start()
        return super().eventFilter(watched, event)

    def allow_close(self) -> None:
        self._allow_close = True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._allow_close:
            event.accept()
        else:
            log.info("close request ignored: kiosk is locked down")
            event.ignore()
