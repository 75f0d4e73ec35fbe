"""The one place that wires config -> store -> devices -> services -> UI."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from printer.base import TicketPrinter
from printer.factory import open_ticket_printer
from printer.settings import PrinterSettings
from printer.ticket import TicketFonts
from PySide6.QtWidgets import QApplication

from kiosk import __version__, paths
from kiosk.config import LoadedConfig
from kiosk.domain.catalogue import Catalogue, CatalogueError, parse_catalogue
from kiosk.domain.clock import Clock, SystemClock
from kiosk.logsetup import setup_logging
from kiosk.services.tickets import TicketService, TicketSettings
from kiosk.store.db import Database, open_database
from kiosk.ui import theme
from kiosk.ui.main_window import KioskWindow, UiSettings

log = logging.getLogger(__name__)


def load_catalogue(loaded: LoadedConfig) -> Catalogue:
    path = loaded.catalogue_path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise CatalogueError(f"{path}: cannot read the service catalogue: {e}") from e
    return parse_catalogue(text, str(path))


def printer_settings(loaded: LoadedConfig) -> PrinterSettings:
    section = loaded.config.printer
    return PrinterSettings(
        transport=section.transport,
        paper_width_mm=section.paper_width_mm,
        profile=section.profile,
        usb_vendor_id=section.usb_vendor_id,
        usb_product_id=section.usb_product_id,
        serial_port=section.serial_port,
        serial_baudrate=section.serial_baudrate,
        host=section.host,
        port=section.port,
        timeout_s=section.timeout_s,
        device_path=section.device_path,
        printer_name=section.printer_name,
        preview_dir=loaded.preview_dir,
    )


def ticket_fonts() -> TicketFonts:
    return TicketFonts.from_dir(paths.fonts_dir())


def build_printer(loaded: LoadedConfig) -> TicketPrinter:
    return open_ticket_printer(printer_settings(loaded), ticket_fonts())


@dataclass
class Kiosk:
    """The running object graph; tests build it with fakes at the hardware edge."""

    loaded: LoadedConfig
    db: Database
    catalogue: Catalogue
    tickets: TicketService
    window: KioskWindow

    def shutdown(self) -> None:
        self.tickets.shutdown()
        self.db.close()


def build_kiosk(
    loaded: LoadedConfig,
    *,
    clock: Clock | None = None,
    printer: TicketPrinter | None = None,
) -> Kiosk:
    config = loaded.config
    clock = clock or SystemClock(config.kiosk.timezone)
    db = open_database(loaded.database_path, busy_timeout_s=config.database.busy_timeout_s)
    catalogue = load_catalogue(loaded)
    printer = printer or build_printer(loaded)
    tickets = TicketService(
        db,
        clock,
        catalogue,
        printer,
        TicketSettings(
            kiosk_id=config.kiosk.id,
            hall_name=config.kiosk.hall_name,
            number_width=config.kiosk.number_width,
            qr_url_prefix=config.printer.qr_url_prefix,
            footer=config.printer.footer,
        ),
    )
    window = KioskWindow(
        catalogue,
        tickets,
        UiSettings(
            hall_name=config.kiosk.hall_name,
            language=config.kiosk.language,
            idle_timeout_s=config.kiosk.idle_timeout_s,
            ticket_screen_s=config.kiosk.ticket_screen_s,
            fullscreen=config.kiosk.fullscreen,
            hide_pointer=config.kiosk.hide_pointer,
        ),
    )
    return Kiosk(loaded, db, catalogue, tickets, window)


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
    log.info(
        "lobby kiosk %s starting (%s, config %s, log %s)",
        __version__,
        "demo mode" if loaded.demo else "production",
        loaded.source or "none: defaults",
        log_file,
    )
    app = ensure_qapplication(argv)
    kiosk = build_kiosk(loaded)
    if loaded.demo:
        log.info("demo: ticket previews go to %s", loaded.preview_dir)
    kiosk.window.show_kiosk()
    kiosk.tickets.start()
    try:
        return app.exec()
    finally:
        kiosk.shutdown()
        log.info("kiosk stopped")
