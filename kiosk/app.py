"""The one place that wires config -> store -> devices -> services -> UI."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from idreader.base import CardReader
from kiosk import __version__, paths
from kiosk.config import LoadedConfig, load_catalogue
from kiosk.domain.catalogue import Catalogue
from kiosk.domain.clock import Clock, SystemClock
from kiosk.domain.eligibility import AgeRule
from kiosk.fileperm import private_dir
from kiosk.logsetup import setup_logging
from kiosk.services.devices import ReaderFactory, ReaderService, VoiceService
from kiosk.services.green_channel import SCANNABLE_CODE, GreenChannelRules, GreenChannelService
from kiosk.services.speech import NullSpeaker, Pyttsx3Speaker, Speaker, VoiceSettings
from kiosk.services.staff import DEMO_PIN_HASH, StaffService
from kiosk.services.sync import SyncService, SyncTimings
from kiosk.services.sync_engine import DeviceStates, open_engine, token_file_warning
from kiosk.services.tickets import TicketService, TicketSettings
from kiosk.storage import open_kiosk_database
from kiosk.store.db import Database
from kiosk.store.lockout import FILE_NAME as LOCKOUT_FILE
from kiosk.ui import theme
from kiosk.ui.main_window import KioskServices, KioskWindow, UiSettings, demo_geometry
from printer.base import TicketPrinter
from printer.factory import open_ticket_printer
from printer.settings import PrinterSettings
from printer.ticket import TicketFonts
from roster.priority_card import load_public_keys
from sync.errors import SyncError

log = logging.getLogger(__name__)


def printer_settings(loaded: LoadedConfig) -> PrinterSettings:
    return loaded.printer_settings


def ticket_fonts() -> TicketFonts:
    return TicketFonts.from_dir(paths.fonts_dir())


def build_printer(loaded: LoadedConfig, mode: str | None = None) -> TicketPrinter:
    """The configured printer; ``mode`` overrides printer.mode (the printer test)."""
    settings = printer_settings(loaded)
    if mode is not None:
        settings = replace(settings, mode=mode)
    return open_ticket_printer(settings, ticket_fonts())


def build_speaker(loaded: LoadedConfig) -> Speaker:
    voice = loaded.config.voice
    if not voice.enabled:
        return NullSpeaker("voice switched off in config")
    return Pyttsx3Speaker(
        VoiceSettings(
            enabled=True,
            volume=voice.volume,
            rate_wpm=voice.rate_wpm,
            voice_zh=voice.voice_zh,
            voice_en=voice.voice_en,
        )
    )


def reader_factory(loaded: LoadedConfig, simulator_port: str | None) -> ReaderFactory | None:
    reader = loaded.config.reader
    if reader.mode == "off":
        return None
    if reader.mode == "line":
        from idreader.line_reader import LineCardReader

        def make_line(on_card, on_state, on_error) -> CardReader:  # type: ignore[no-untyped-def]
            return LineCardReader(
                reader.port or None,
                on_card=on_card,
                on_state=on_state,
                on_card_error=on_error,
                baudrate=reader.baudrate or 9600,
                service_code_pattern=SCANNABLE_CODE,
            )

        return make_line
    from idreader.reader import SerialCardReader

    port = simulator_port if reader.mode == "simulator" else (reader.port or None)

    def make_serial(on_card, on_state, on_error) -> CardReader:  # type: ignore[no-untyped-def]
        return SerialCardReader(
            port,
            on_card=on_card,
            on_state=on_state,
            on_card_error=on_error,
            baudrate=reader.baudrate or 115200,
            poll_interval_s=reader.poll_interval_s,
        )

    return make_serial


def build_sync(
    loaded: LoadedConfig, db: Database, clock: Clock, catalogue: Catalogue
) -> SyncService | None:
    """The sync with the hall server, when ``server.url`` is set."""
    server = loaded.config.server
    if not server.url:
        return None
    warning = token_file_warning(loaded)
    if warning:
        log.warning(warning)
    try:
        engine = open_engine(loaded, db, clock, catalogue, __version__)
    except SyncError as e:
        log.error("no sync with the hall server: %s", e.message)
        return None
    return SyncService(
        engine,
        SyncTimings(
            push_interval_s=server.push_interval_s,
            heartbeat_s=server.heartbeat_s,
            pull_interval_s=server.pull_interval_s,
            queue_poll_s=server.queue_poll_s,
        ),
    )


def device_states(services: KioskServices) -> Callable[[], DeviceStates]:
    """What the heartbeat says about the devices (read from the sync thread)."""

    def states() -> DeviceStates:
        reader = services.reader
        return DeviceStates(
            printer=services.tickets.printer_status.value,
            reader=reader.state.value if reader.enabled else "absent",
            voice="ok" if services.voice.available else "failed",
        )

    return states


@dataclass
class Kiosk:
    """The running object graph; tests build it with fakes at the hardware edge."""

    loaded: LoadedConfig
    db: Database
    catalogue: Catalogue
    services: KioskServices
    window: KioskWindow
    extras: list = field(default_factory=list)  # e.g. the demo simulator

    @property
    def tickets(self) -> TicketService:
        return self.services.tickets

    def start(self) -> None:
        self.services.reader.start()
        self.services.tickets.start()
        if self.services.sync is not None:
            self.services.sync.start()

    def shutdown(self) -> None:
        if self.services.sync is not None:
            self.services.sync.shutdown()
        self.services.reader.shutdown()
        self.services.tickets.shutdown()
        self.services.green.shutdown()
        self.services.staff.shutdown()
        self.services.voice.shutdown()
        for extra in self.extras:
            extra.shutdown()
        self.db.close()


def build_kiosk(
    loaded: LoadedConfig,
    *,
    clock: Clock | None = None,
    printer: TicketPrinter | None = None,
    reader: ReaderFactory | str | None = "config",
    speaker: Speaker | None = None,
) -> Kiosk:
    """Build everything. ``printer``/``reader``/``speaker`` replace the configured devices."""
    config = loaded.config
    clock = clock or SystemClock(config.kiosk.timezone)
    db = open_kiosk_database(loaded)
    catalogue = load_catalogue(loaded)
    if loaded.demo and config.kiosk.catalogue is None and not catalogue.any_open(clock.now()):
        # A newcomer trying the demo at night must still be able to take a ticket.
        catalogue = catalogue.open_at_any_hour()
        print(
            "demo: outside the catalogue's opening hours now, so the demo opens every"
            " service; a real kiosk greys out closed services and says when they open",
            flush=True,
        )
    extras: list = []
    demo = None
    if reader == "config" and config.reader.mode == "simulator":
        from kiosk.services.demo import DemoService, demo_cards, install_demo_roster

        cards = demo_cards(clock.now().date())
        if loaded.demo and loaded.source is None:  # never over a configured kiosk's roster
            install_demo_roster(db, clock, cards)
        demo = DemoService(cards)
        demo.start()
        extras.append(demo)
    if reader != "config":
        factory = reader
    elif demo is not None and demo.port is None:
        factory = demo.fake_reader_factory()
    else:
        factory = reader_factory(loaded, demo.port if demo else None)
    assert not isinstance(factory, str)
    green_rules = GreenChannelRules(
        AgeRule(config.green_channel.age_rule, config.green_channel.age_threshold),
        trust_scanned_numbers=config.reader.line_source == "chip_reader",
        priority_card_keys=load_public_keys(config.green_channel.priority_card_keys),
        max_priority_tickets_per_day=config.green_channel.max_priority_tickets_per_day,
    )
    pin_hash = config.staff.pin_hash or (DEMO_PIN_HASH if loaded.demo else "")
    sync = build_sync(loaded, db, clock, catalogue)
    services = KioskServices(
        tickets=TicketService(
            db,
            clock,
            catalogue,
            printer or build_printer(loaded),
            TicketSettings(
                kiosk_id=config.kiosk.id,
                hall_name=config.kiosk.hall_name,
                number_width=config.kiosk.number_width,
                qr_url_prefix=config.printer.qr_url_prefix
                or (f"{config.server.url}/t/" if config.server.url else ""),
                footer=config.printer.footer,
                open_local_blocks=not config.server.url,  # with a hall: leased numbers only
                max_priority_tickets_per_day=config.green_channel.max_priority_tickets_per_day,
            ),
            queue_hint=sync.queue_hint if sync is not None else None,
        ),
        green=GreenChannelService(db, clock, green_rules),
        reader=ReaderService(factory),
        voice=VoiceService(speaker or build_speaker(loaded)),
        staff=StaffService(
            db,
            clock,
            pin_hash,
            lockout_file=loaded.data_dir / LOCKOUT_FILE,
            kiosk_id=config.kiosk.id,
        ),
        sync=sync,
    )
    if sync is not None:
        sync.devices = device_states(services)
    services.reader.card_read.connect(services.green.identify_card)
    window = KioskWindow(
        catalogue,
        services,
        UiSettings(
            hall_name=config.kiosk.hall_name,
            language=config.kiosk.language,
            idle_timeout_s=config.kiosk.idle_timeout_s,
            ticket_screen_s=config.kiosk.ticket_screen_s,
            fullscreen=config.kiosk.fullscreen,
            hide_pointer=config.kiosk.hide_pointer,
        ),
    )
    if demo is not None:
        window.add_demo_cards([(c.label_zh, c.label_en) for c in demo.cards], demo.lay_card)
    return Kiosk(loaded, db, catalogue, services, window, extras)


def ensure_qapplication(argv: Sequence[str] = ()) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) or [sys.argv[0]])
    assert isinstance(app, QApplication)
    theme.load_fonts(paths.fonts_dir())
    app.setFont(theme.font(theme.TEXT_PX))
    return app


def run(loaded: LoadedConfig, argv: Sequence[str] = ()) -> int:
    log_file = setup_logging(loaded.log_dir, console=loaded.demo)
    private_dir(loaded.data_dir)
    log.info(
        "lobby kiosk %s starting (%s, config %s, log %s)",
        __version__,
        "demo mode" if loaded.demo else "production",
        loaded.source or "none: defaults",
        log_file,
    )
    app = ensure_qapplication(argv)
    screen = app.primaryScreen()
    if screen is not None:  # fit the 1080p design to this screen (a laptop in demo mode)
        if loaded.config.kiosk.fullscreen:
            size = screen.geometry().size()
        else:
            size = demo_geometry().size()
        theme.set_scale(theme.scale_for(size.width(), size.height()))
    demo_hall = None
    if loaded.demo:
        from kiosk.demo_hall import with_demo_hall

        loaded, demo_hall = with_demo_hall(loaded)
    kiosk = build_kiosk(loaded)
    if demo_hall is not None:
        kiosk.extras.append(demo_hall)  # stops with the kiosk
    if loaded.demo:
        log.info("demo: ticket previews go to %s; staff PIN 000000", loaded.preview_dir)
    kiosk.window.show_kiosk()
    kiosk.start()
    if not loaded.demo:
        from kiosk.keepawake import keep_awake

        keep_awake()  # Windows: no sleep, no screen off (Linux: the session script)
    QTimer.singleShot(0, lambda: log.info("home screen shown"))
    try:
        return app.exec()
    finally:
        kiosk.shutdown()
        log.info("kiosk stopped")
