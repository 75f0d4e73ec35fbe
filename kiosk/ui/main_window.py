"""The kiosk window: a stack of screens driven by service signals.

The window never touches a device, the database or the network: it calls service slots
and reacts to their signals, so the GUI thread never waits. Cards go from the reader
straight to the green-channel service; the window only learns the masked result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.catalogue import Availability, Catalogue, Service
from kiosk.domain.spoken import spoken_ticket_number
from kiosk.domain.ticket import TicketRequest
from kiosk.services.devices import ReaderService, VoiceService
from kiosk.services.green_channel import GreenChannelService, Identification
from kiosk.services.staff import StaffService, StaffSummary
from kiosk.services.sync import SyncService
from kiosk.services.sync_engine import EndOfDay, SyncStatus
from kiosk.services.tickets import (
    QUOTA_USED,
    IssueOutcome,
    OutOfNumbers,
    OutOfService,
    ServiceUnavailable,
    TicketService,
)
from kiosk.ui import theme
from kiosk.ui.screens.card import CardScreen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screens.out_of_service import OutOfServiceScreen
from kiosk.ui.screens.result import ResultScreen, explain
from kiosk.ui.screens.staff import ManualIdScreen, PinScreen, StaffPanel
from kiosk.ui.screens.ticket import TicketScreen
from kiosk.ui.strings import WEEKDAY_NAMES, tr
from kiosk.ui.widgets import HelpBar, IdleWarning, big_button, label, spoken_text
from printer.diagnostics import STATUS_ADVICE
from printer.status import PrinterStatus

log = logging.getLogger(__name__)

STAFF_CORNER_PX = 160
MANUAL_ERRORS = {
    "invalid_id_number": "身份证号有误，请核对 / The ID number is not valid, please check it",
    "staff_details_missing": "请填写工号并选择原因 / Staff number and reason are required",
    "error": "无法核实，请重试 / Could not verify, please try again",
}
STAFF_PRESS_MS = 2000
#: The idle warning ("还需要办理吗？") comes this long before the reset.
IDLE_WARNING_MS = 10_000
#: How often the tiles look at the clock (opening hours).
HOURS_REFRESH_MS = 30_000
#: Identification failures that mean "a scanned code is no proof" (not a misread).
SCAN_NOT_PROOF = frozenset({"unsigned_scan", "bad_priority_card"})


@dataclass(frozen=True)
class UiSettings:
    hall_name: str
    language: str = "zh"
    idle_timeout_s: float = 60
    ticket_screen_s: float = 8
    fullscreen: bool = True
    hide_pointer: bool = True
    offer_green_after_service: bool = True


@dataclass
class KioskServices:
    tickets: TicketService
    green: GreenChannelService
    reader: ReaderService
    voice: VoiceService
    staff: StaffService
    sync: SyncService | None = None  # None: stand-alone (no hall server configured)


def demo_geometry() -> QRect:
    """A windowed kiosk: the largest 16:9 window that fits in 90% of the desktop."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return QRect(0, 0, 1280, 720)
    free = screen.availableGeometry()
    width = min(int(free.width() * 0.9), int(free.height() * 0.9 * 16 / 9))
    height = width * 9 // 16
    return QRect(free.x() + (free.width() - width) // 2, free.y(), width, height)


def reason_key(status: object) -> str:
    name = getattr(status, "name", "")
    return {"PAPER_OUT": "paper_out", "OFFLINE": "offline"}.get(name, "error")


class KioskWindow(QWidget):
    def __init__(self, catalogue: Catalogue, services: KioskServices, settings: UiSettings) -> None:
        super().__init__()
        self.setObjectName("KioskRoot")
        self.setWindowTitle(settings.hall_name)
        self.setStyleSheet(theme.stylesheet())
        self.settings = settings
        self.lang = settings.language
        self.services = services
        self.catalogue = catalogue
        self.tickets = services.tickets
        self._allow_close = not settings.fullscreen
        self._service: Service | None = None  # chosen, waiting for a card
        self._ident: Identification | None = None  # this visitor, masked
        self._note = ""  # why this visitor's ticket is what it is (shown with the number)
        self._staff_mode = False
        self._portrait = False

        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.stack, 1)
        #: Help and read-aloud, under every visitor screen.
        self.help_bar = HelpBar()
        layout.addWidget(self.help_bar)
        self.listen_mode = False

        self.home = HomeScreen(catalogue, settings.hall_name)
        self.card_screen = CardScreen()
        self.result_screen = ResultScreen(catalogue)
        self.ticket_screen = TicketScreen()
        self.out_of_service = OutOfServiceScreen()
        self.pin_screen = PinScreen()
        self.staff_panel = StaffPanel(catalogue)
        self.manual_screen = ManualIdScreen()
        #: The screens a visitor sees: they follow the language switch.
        self.visitor_screens = (
            self.home,
            self.card_screen,
            self.result_screen,
            self.ticket_screen,
            self.out_of_service,
        )
        for screen in (
            *self.visitor_screens,
            self.pin_screen,
            self.staff_panel,
            self.manual_screen,
        ):
            # Pages do not constrain each other: each lays itself out for the screen size
            # (portrait or landscape) instead of the widest page setting a minimum width.
            screen.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            self.stack.addWidget(screen)
        self.stack.currentChanged.connect(self._screen_changed)
        self.idle_warning = IdleWarning(self)
        self.idle_warning.continued.connect(self._continue_after_idle_warning)
        self.help_bar.help_requested.connect(self.request_help)
        self.help_bar.listen_toggled.connect(self.set_listen_mode)
        for grid in (self.home.grid, self.result_screen.grid):
            grid.announced.connect(self._announce_service)

        self.home.service_chosen.connect(self.choose_service)
        self.home.language_toggled.connect(self.toggle_language)
        self.home.green_channel_requested.connect(self.start_green_channel)
        self.card_screen.normal_ticket_requested.connect(self._normal_for_chosen)
        self.card_screen.back_requested.connect(self.go_home)
        self.card_screen.no_card_requested.connect(self._no_card)
        self.result_screen.service_chosen.connect(self._issue_for_identified)
        self.result_screen.back_requested.connect(self.go_home)
        self.ticket_screen.done.connect(self.go_home)
        self.pin_screen.pin_entered.connect(services.staff.check_pin)
        self.pin_screen.cancelled.connect(self.go_home)
        self.staff_panel.closed.connect(self.go_home)
        self.staff_panel.reprint_requested.connect(self.tickets.reprint)
        self.staff_panel.void_requested.connect(services.staff.void)
        self.staff_panel.manual_requested.connect(self._open_manual)
        self.staff_panel.exit_requested.connect(self.exit_to_desktop)
        self.manual_screen.identify.connect(services.green.identify_manual)
        self.manual_screen.preview.connect(services.green.preview_manual)
        services.green.manual_previewed.connect(self.manual_screen.show_preview)
        self.manual_screen.cancelled.connect(self._open_staff_panel)

        self.tickets.ticket_allocated.connect(self._on_ticket_allocated)
        self.tickets.ticket_issued.connect(self._on_ticket_issued)
        self.tickets.issue_declined.connect(self._on_declined)
        self.tickets.issue_refused.connect(self._on_refused)
        self.tickets.issue_failed.connect(self._on_failed)
        self.tickets.printer_status_changed.connect(self._on_printer_status)
        self.tickets.busy_changed.connect(self._on_busy)
        services.green.identifying.connect(self._on_identifying)
        services.green.identified.connect(self._on_identified)
        services.green.identification_failed.connect(self._on_identification_failed)
        services.reader.card_failed.connect(lambda _m: self._on_identification_failed("read"))
        services.reader.state_changed.connect(self._on_reader_state)
        services.staff.pin_checked.connect(self._on_pin_checked)
        services.staff.summary_loaded.connect(self._on_summary)
        services.staff.help_raised.connect(self._on_help_raised)
        self.staff_panel.help_answered.connect(services.staff.answer_help)
        if services.sync is not None:
            self.staff_panel.enable_sync(True)
            self.staff_panel.sync_requested.connect(services.sync.request_end_of_day)
            self.staff_panel.print_report_requested.connect(self._print_report)
            services.sync.progress.connect(self.staff_panel.show_sync_progress)
            services.sync.end_of_day_done.connect(self._on_end_of_day)
            services.sync.status_changed.connect(self._on_sync_status)

        self._back_home = QTimer(self)
        self._back_home.setSingleShot(True)
        self._back_home.timeout.connect(self.go_home)
        # Idle: first a warning with a big Continue button, then (no tap) the reset.
        self._idle_warning_ms = IDLE_WARNING_MS
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._on_idle_warning)
        self._idle_reset = QTimer(self)
        self._idle_reset.setSingleShot(True)
        self._idle_reset.timeout.connect(self._on_idle)
        self.set_idle_timeout_ms(int(settings.idle_timeout_s * 1000))
        self._hours = QTimer(self)
        self._hours.setInterval(HOURS_REFRESH_MS)
        self._hours.timeout.connect(self.refresh_hours)
        self._hours.start()
        self._staff_press = QTimer(self)
        self._staff_press.setSingleShot(True)
        self._staff_press.setInterval(STAFF_PRESS_MS)
        self._staff_press.timeout.connect(self.open_staff_login)
        # Taps are watched on the native window, which sees every input event before the
        # widgets do. (Not on the QApplication: a Python filter there would run, and need
        # the GIL, for every paint and layout event of every widget.)
        self.winId()
        window = self.windowHandle()
        if window is not None:
            window.installEventFilter(self)
        self.home.set_reader_available(services.reader.available)
        self.retranslate()
        self.refresh_hours()

    # -- helpers -----------------------------------------------------------------------

    def current(self) -> QWidget:
        return self.stack.currentWidget()

    def _say(self, key: str, **params: object) -> None:
        self.services.voice.say_prompt(key, self.lang, **params)

    def _show(self, screen: QWidget) -> None:
        self.stack.setCurrentWidget(screen)

    def _screen_changed(self, _index: int) -> None:
        # A laid card means something only where the visitor can be waiting for one.
        accepting = self.current() in (self.home, self.card_screen, self.result_screen)
        self.services.green.set_accepting_cards(accepting and not self.tickets.busy)
        self.help_bar.setVisible(self.current() in self.visitor_screens)
        if self.listen_mode:
            self.read_screen()

    # -- navigation ----------------------------------------------------------------------

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
            self.setGeometry(demo_geometry())
            self.show()
        if self.settings.hide_pointer:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.BlankCursor)
        self._say("welcome")
        QTimer.singleShot(0, self.warm_up)

    def warm_up(self) -> None:
        """Paint every screen once at start-up, off screen, so the first visitor does not
        wait while Qt lays out pages and rasterises the big glyphs (ticket numbers)."""
        self.ticket_screen.number.setText("ABCDEFGHL0123456789")
        for index in range(self.stack.count()):
            page = self.stack.widget(index)
            page.resize(self.stack.size())
            page.grab()
        self.ticket_screen.number.setText("")

    def go_home(self) -> None:
        """Back to the start; the visitor's choices and identity are forgotten."""
        self._back_home.stop()
        self._idle_reset.stop()
        self.idle_warning.hide()
        self._service = None
        self._ident = None
        self._staff_mode = False
        self.home.show_notice("")
        if self.help_bar.listen.isChecked():
            self.help_bar.listen.setChecked(False)  # the next visitor starts with the screen
        if self.lang != self.settings.language:
            self.lang = self.settings.language
            self.retranslate()
        self.home.set_busy(self.tickets.busy)
        self.refresh_hours()
        if self.current() is not self.out_of_service or self.tickets.printer_status.can_print():
            self._show(self.home)

    def set_idle_timeout_ms(self, milliseconds: int, warning_ms: int | None = None) -> None:
        """Reset after ``milliseconds`` without a tap; the warning comes ``warning_ms``
        (default 10 s, at most half the timeout) before."""
        warning = IDLE_WARNING_MS if warning_ms is None else warning_ms
        self._idle_warning_ms = min(warning, milliseconds // 2)
        self._idle.setInterval(milliseconds - self._idle_warning_ms)
        self._idle_reset.setInterval(self._idle_warning_ms)

    def _on_idle_warning(self) -> None:
        if self.current() not in self.visitor_screens or self.current() is self.home:
            return
        if self.current() is self.ticket_screen and self._back_home.isActive():
            return  # the ticket screen goes home by itself
        log.info("idle: asking whether the visitor is still there")
        self.idle_warning.retranslate(self.lang)
        self.idle_warning.cover()
        self._idle_reset.start()
        self._say("still_there")

    def _continue_after_idle_warning(self) -> None:
        self._idle_reset.stop()
        self.idle_warning.hide()
        self._idle.start()

    def _on_idle(self) -> None:
        self.idle_warning.hide()
        if self.current() is not self.home and self.current() in self.visitor_screens:
            log.info("idle timeout: back to the home screen")
            self.go_home()

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"
        self.retranslate()
        self._say("choose_service")

    def retranslate(self) -> None:
        for screen in self.visitor_screens:
            screen.retranslate(self.lang)
        self.help_bar.retranslate(self.lang)
        self.idle_warning.retranslate(self.lang)
        self.refresh_hours()

    # -- opening hours ---------------------------------------------------------------------

    def availability_text(self, availability: Availability) -> str:
        """When a closed service issues tickets again, in the visitor's language."""
        if availability.reason == QUOTA_USED:
            return tr("hours.quota_used", self.lang)
        opens = availability.opens_at
        if opens is None:
            return tr("hours.closed", self.lang)
        at = f"{opens.hour}:{opens.minute:02d}"
        days = (opens.date() - self.tickets.today()).days
        if days == 0:
            return tr("hours.opens_today", self.lang, time=at)
        if days == 1:
            return tr("hours.opens_tomorrow", self.lang, time=at)
        day = WEEKDAY_NAMES[self.lang][opens.weekday()]
        return tr("hours.opens_on", self.lang, day=day, time=at)

    def refresh_hours(self) -> None:
        """Grey the tiles of services that issue no ticket now, saying when they open."""
        for grid in (self.home.grid, self.result_screen.grid):
            for service in grid.services():
                availability = self.tickets.availability(service)
                note = "" if availability.open else self.availability_text(availability)
                grid.set_closed(service.code, note)

    # -- visitor actions -------------------------------------------------------------------

    def choose_service(self, service: Service) -> None:
        if self.tickets.busy:
            return
        if not self._service_open(service):
            return
        reader = self.services.reader
        if self.settings.offer_green_after_service and reader.available:
            self._service = service
            self.card_screen.show_for(service, self.lang)
            self._show(self.card_screen)
            self._say("offer_green_channel")
        else:
            self._issue(TicketRequest(service.code, service.prefix))

    def _service_open(self, service: Service) -> bool:
        """A closed service is explained (shown and spoken) instead of chosen."""
        availability = self.tickets.availability(service)
        if availability.open:
            return True
        self._explain_closed(service, availability)
        return False

    def _explain_closed(self, service: Service, availability: Availability) -> None:
        why = self.availability_text(availability)
        text = tr("declined.title", self.lang, service=service.name(self.lang), why=why)
        if self.current() is self.result_screen:
            self.result_screen.show_notice(text)
        else:
            self.home.show_notice(text)
            self._show(self.home)
        self.refresh_hours()
        self._say("service_closed", reason=f"{service.name(self.lang)} {why}")

    def _no_card(self) -> None:
        self.card_screen.show_no_card()
        self._say("no_id_card")

    def request_help(self) -> None:
        """A visitor pressed Help: say where help comes from and raise the event."""
        screen = self.current().objectName() or type(self.current()).__name__
        self.services.staff.request_help(screen)
        self.home.show_notice(tr("help.called", self.lang))
        for target in (self.card_screen, self.result_screen):
            target.show_notice(tr("help.called", self.lang))
        self._say("help_called")

    # -- listen mode ------------------------------------------------------------------------

    def set_listen_mode(self, on: bool) -> None:
        self.listen_mode = on
        for grid in (self.home.grid, self.result_screen.grid):
            grid.set_listen(on)
        self.help_bar.retranslate(self.lang)
        if on:
            self._say("listen_mode")

    def _announce_service(self, service: Service) -> None:
        """Listen mode: the first tap on a tile reads it out (the second chooses it)."""
        availability = self.tickets.availability(service)
        text = service.name(self.lang)
        if not availability.open:
            text += "。" if self.lang == "zh" else ". "
            text += self.availability_text(availability)
        self.services.voice.say_text(text, self.lang)

    def read_screen(self) -> None:
        """Listen mode: read the whole current screen aloud (after its own prompt)."""
        screen = self.current()
        QTimer.singleShot(0, self, lambda: self._read(screen))

    def _read(self, screen: QWidget) -> None:
        if screen is not self.current() or not self.listen_mode:
            return
        text = spoken_text(screen, self.lang, number_reader=spoken_ticket_number)
        self.services.voice.say_text(text, self.lang)

    def start_green_channel(self) -> None:
        self._service = None
        self.card_screen.show_for(None, self.lang)
        self._show(self.card_screen)
        self._say("lay_id_card")

    def _normal_for_chosen(self) -> None:
        if self._service is None:  # came by the green panel: choose the service first
            self.go_home()
            self._say("choose_service")
            return
        service = self._service
        self._issue(TicketRequest(service.code, service.prefix))

    def _issue_for_identified(self, service: Service) -> None:
        if not self._service_open(service):
            return
        if self._ident is None:
            self._issue(TicketRequest(service.code, service.prefix))
        else:
            self._issue(self._ident.ticket_request(service))

    def _issue(self, request: TicketRequest) -> None:
        if self.tickets.busy:
            return
        self.home.set_busy(True)
        self.result_screen.set_busy(True)
        self.card_screen.normal.setEnabled(False)
        self.tickets.issue(request)
        # No prompt here: the number comes within a few ms and is said then (synthesis
        # of a prompt that is cut off at once would only take CPU from the allocation).

    # -- identification ----------------------------------------------------------------------

    def _on_identifying(self) -> None:
        if self.current() is self.home:
            self._service = None
            self.card_screen.show_for(None, self.lang)
            self._show(self.card_screen)
        self.card_screen.set_reading(True)
        self._say("reading_card")

    def _on_identified(self, ident: Identification) -> None:
        self._ident = ident
        self.card_screen.set_reading(False)
        if self._service is not None and not self._staff_mode:
            self._issue(ident.ticket_request(self._service))
            return
        self.result_screen.show_identification(ident, self.lang)
        self._show(self.result_screen)
        if ident.eligible:
            self._say("eligible")
        else:
            why = explain(ident.decision, self.lang).splitlines()[0]
            self._say("not_eligible", reason=why.split("，")[0].split(".")[0])

    def _on_identification_failed(self, key: str) -> None:
        if self.current() is self.manual_screen:
            self.manual_screen.show_error(MANUAL_ERRORS.get(key, MANUAL_ERRORS["error"]))
            return
        if self.current() not in (self.home, self.card_screen, self.result_screen):
            return
        self.card_screen.set_reading(False)
        if self.current() is not self.card_screen:
            self.card_screen.show_for(self._service, self.lang)
            self._show(self.card_screen)
        if key in SCAN_NOT_PROOF:
            self.card_screen.hint.setText(tr("result.scan_not_proof", self.lang))
            self._say("scan_not_proof")
            return
        self.card_screen.hint.setText(tr("result.failed", self.lang))
        self._say("card_read_failed")

    def _on_reader_state(self, _state: object, _message: str) -> None:
        # The service recorded the new state first (its own slot was connected first).
        self.home.set_reader_available(self.services.reader.available)
        if self._staff_mode:
            self._refresh_staff_status()

    # -- service results ----------------------------------------------------------------------

    def _on_busy(self, busy: bool) -> None:
        self._screen_changed(self.stack.currentIndex())
        if not busy:
            self.home.set_busy(False)
            self.result_screen.set_busy(False)
            self.card_screen.normal.setEnabled(True)

    def _place(self, outcome: IssueOutcome) -> str:
        service = outcome.service
        return (
            service.priority_place(self.lang)
            if outcome.ticket.priority
            else (service.location(self.lang))
        )

    def _ticket_note(self, outcome: IssueOutcome) -> str:
        ident = self._ident
        if outcome.downgraded:
            why = tr("result.not_eligible", self.lang, why=tr("why.daily_limit", self.lang))
            return why + "\n" + tr("next.desk", self.lang)
        if ident is not None and not ident.eligible and not outcome.reprint:
            return explain(ident.decision, self.lang) + "\n" + tr("next.desk", self.lang)
        return ""

    def _on_ticket_allocated(self, outcome: IssueOutcome) -> None:
        """The number is committed: show it now; the printer may take seconds."""
        if self._staff_mode:
            return
        self._note = self._ticket_note(outcome)
        self.ticket_screen.show_outcome(outcome, self.lang, self._note)
        self._show(self.ticket_screen)
        if outcome.reprint:
            self._say("ticket_reprinted", number=outcome.ticket.number)
        else:
            self._say("ticket_number", number=outcome.ticket.number, place=self._place(outcome))

    def _on_ticket_issued(self, outcome: IssueOutcome) -> None:
        if self._staff_mode and self.current() is self.staff_panel:
            self.services.staff.load_summary()  # a staff reprint: stay on the panel
            return
        if self.current() is not self.ticket_screen:  # (no allocation seen: show it now)
            self._note = self._ticket_note(outcome)
        self.ticket_screen.show_outcome(outcome, self.lang, self._note)
        self._show(self.ticket_screen)
        self._back_home.start(int(self.settings.ticket_screen_s * 1000))
        self._ident = None
        self._service = None
        if not outcome.printed:
            self._say("number_not_printed", number=outcome.ticket.number)
        elif outcome.reprint:
            self._say("ticket_reprinted", number=outcome.ticket.number)
        elif outcome.ticket.waiting_ahead is not None and outcome.estimate_minutes is not None:
            self._say(
                "ticket_issued_wait",
                number=outcome.ticket.number,
                place=self._place(outcome),
                ahead=outcome.ticket.waiting_ahead,
                minutes=outcome.estimate_minutes,
            )
        else:
            self._say("ticket_printed", number=outcome.ticket.number, place=self._place(outcome))
        if self.listen_mode:
            self.read_screen()

    def _on_declined(self, error: ServiceUnavailable) -> None:
        """Outside the hours, or today's quota used: no number used; say when, and go on."""
        self._explain_closed(error.service, error.availability)

    def _on_refused(self, error: OutOfService) -> None:
        key = "no_numbers" if isinstance(error, OutOfNumbers) else reason_key(error.status)
        self.out_of_service.set_reason(key, self.lang)
        if key == "no_numbers":  # other services may still have numbers
            self._back_home.start(int(self.settings.ticket_screen_s * 1000))
        self._show(self.out_of_service)
        self._say("out_of_service")

    def _on_failed(self, _message: str) -> None:
        self.out_of_service.set_reason("error", self.lang)
        self._show(self.out_of_service)
        self._back_home.start(int(self.settings.ticket_screen_s * 1000))
        self._say("out_of_service")

    def _on_printer_status(self, status: object) -> None:
        can_print = status.can_print()  # type: ignore[attr-defined]
        if can_print and self.current() is self.out_of_service:
            self._show(self.home)
        elif not can_print and self.current() is self.home and not self.tickets.busy:
            self.out_of_service.set_reason(reason_key(status), self.lang)
            self._show(self.out_of_service)
        if self._staff_mode:
            self._refresh_staff_status()

    # -- staff --------------------------------------------------------------------------

    def open_staff_login(self) -> None:
        log.info("staff gesture: PIN requested")
        self._back_home.stop()
        if not self.services.staff.pin_configured:
            self.pin_screen.reset(self.lang, tr("pin.not_set", self.lang))
            self.pin_screen.keypad.setEnabled(False)
        else:
            self.pin_screen.reset(self.lang)
        self._show(self.pin_screen)

    def _on_pin_checked(self, attempt: object) -> None:
        if getattr(attempt, "ok", False):
            self._open_staff_panel()
            return
        locked_for = getattr(attempt, "locked_for_s", 0.0)
        if locked_for:
            minutes = max(1, round(locked_for / 60))
            self.pin_screen.show_message(tr("pin.locked", self.lang, minutes=minutes), locked=True)
        else:
            left = getattr(attempt, "tries_left", 0)
            self.pin_screen.show_message(tr("pin.wrong", self.lang, left=left))

    def _open_staff_panel(self) -> None:
        self._staff_mode = True
        self._ident = None
        self._refresh_staff_status()
        self._show(self.staff_panel)
        self.services.staff.load_summary()

    def _open_manual(self) -> None:
        self.manual_screen.reset()
        self._show(self.manual_screen)

    def _on_help_raised(self) -> None:
        if self._staff_mode:
            self.services.staff.load_summary()

    def _on_summary(self, summary: StaffSummary) -> None:
        self.staff_panel.show_summary(summary)

    def _refresh_staff_status(self) -> None:
        status = self.tickets.printer_status
        advice_zh, _advice_en = STATUS_ADVICE[status]
        if status is PrinterStatus.UNKNOWN:
            level = "unknown"
        elif not status.can_print():
            level = "error"
        else:
            level = "warn" if status.needs_attention() else "ok"
        self.staff_panel.set_status("printer", f"{advice_zh} ({status.value})", level)
        reader = self.services.reader
        reader_text = reader.state.value + (f" ({reader.message})" if reader.message else "")
        self.staff_panel.set_status("reader", reader_text, "ok" if reader.available else "error")
        self.staff_panel.set_status(*self._server_status())
        voice = self.services.voice
        self.staff_panel.set_status(
            "voice",
            "ok" if voice.available else str(voice.unavailable_reason),
            "ok" if voice.available else "error",
        )

    def _server_status(self) -> tuple[str, str, str]:
        """The hall server's line in the staff panel: key, words, level."""
        sync = self.services.sync
        if sync is None:
            return "server", "not configured (stand-alone)", "unknown"
        status = sync.last_status
        if status is None:
            return "server", "连接中 / connecting", "unknown"
        last = "从未 / never"
        if status.last_success:  # written in the hall's time zone
            last = status.last_success[11:16]
        state = {True: "在线 / online", False: "离线 / offline", None: "连接中 / connecting"}
        text = (
            f"{state[status.online]} · 待传 / waiting {status.pending} · 上次成功 / last ok {last}"
        )
        if status.online is False and status.last_error:
            text += f"\n{status.last_error[:90]}"
        low = [f"{p}:{n}" for p, n in sorted(status.numbers_left.items()) if n < 10]
        if low:
            text += f"\n号段将尽 / numbers low: {' '.join(low)}"
        if status.online is False or status.rejected:
            return "server", text, "error"
        return "server", text, "unknown" if status.online is None else "ok"

    def _on_sync_status(self, _status: SyncStatus) -> None:
        if self._staff_mode and self.current() is self.staff_panel:
            self.staff_panel.set_status(*self._server_status())

    def _on_end_of_day(self, result: EndOfDay) -> None:
        names = {s.code: s.name_zh for s in self.catalogue}
        self.staff_panel.show_end_of_day(result.report.lines(names), result.problems, result.report)
        self.services.staff.load_summary()

    def _print_report(self, report: object) -> None:
        lines = getattr(report, "lines", None)
        if lines is not None:
            self.tickets.print_report(lines({s.code: s.name_zh for s in self.catalogue}))

    def exit_to_desktop(self) -> None:
        log.info("staff exit to desktop")
        self._allow_close = True
        QGuiApplication.restoreOverrideCursor()
        self.close()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def show_screen_for_docs(self, screen: QWidget, lang: str) -> None:
        """Show one screen in one language (screenshot script); no flow state changes."""
        self.lang = lang
        self.retranslate()
        self._show(screen)

    # -- demo ---------------------------------------------------------------------------

    def add_demo_cards(self, labels: list[tuple[str, str]], lay: Callable[[int], None]) -> None:
        """Demo mode only: a tray of simulated ID cards under the screen."""
        tray = QFrame()
        tray.setObjectName("DemoTray")
        row = QHBoxLayout(tray)
        row.setContentsMargins(theme.px(16), theme.px(8), theme.px(16), theme.px(8))
        hint = label("演示：放身份证\nDemo: lay a card", px=24, center=False)
        hint.setWordWrap(False)
        row.addWidget(hint)
        self.demo_buttons: list[QPushButton] = []
        for index, (zh, en) in enumerate(labels):
            button = big_button(f"{zh}\n{en}", px=24, min_height=96)
            button.setObjectName(f"DemoCard{index}")
            button.clicked.connect(lambda _=False, i=index: lay(i))
            row.addWidget(button)
            self.demo_buttons.append(button)
        self.layout().addWidget(tray)

    # -- events ---------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self._idle.start()
            if self.idle_warning.isVisible():  # any tap means "still here"
                self._idle_reset.stop()
                QTimer.singleShot(0, self.idle_warning.hide)
            if isinstance(event, QMouseEvent) and self._in_staff_corner(event):
                self._staff_press.start()
        elif kind in (QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd):
            self._staff_press.stop()
        return super().eventFilter(watched, event)

    def _in_staff_corner(self, event: QMouseEvent) -> bool:
        local = self.mapFromGlobal(event.globalPosition().toPoint())
        return 0 <= local.x() < STAFF_CORNER_PX and 0 <= local.y() < STAFF_CORNER_PX

    def resizeEvent(self, event) -> None:
        if self.idle_warning.isVisible():
            self.idle_warning.setGeometry(self.rect())
        portrait = event.size().height() > event.size().width()
        if portrait != self._portrait:
            self._portrait = portrait
            for screen in (
                self.home,
                self.result_screen,
                self.card_screen,
                self.manual_screen,
                self.ticket_screen,
            ):
                screen.set_portrait(portrait)
        super().resizeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._allow_close:
            event.accept()
        else:
            log.info("close request ignored: kiosk is locked down")
            event.ignore()
