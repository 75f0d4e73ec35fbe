"""A whole kiosk with fakes at the hardware edge, for UI tests and screenshot scripts.

Real SQLite file, real services, real widgets; the printer, the card reader and the
speaker are the fakes that ship next to the real devices.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from idreader.card import IdentityCard
from idreader.fake import FakeCardReader
from kiosk.app import Kiosk, build_kiosk, ensure_qapplication
from kiosk.config import (
    Config,
    GreenChannelSection,
    KioskSection,
    LoadedConfig,
    PrinterSection,
    ServerSection,
    StaffSection,
)
from kiosk.domain.clock import ManualClock
from kiosk.domain.eligibility import Category
from kiosk.domain.pin import hash_pin
from kiosk.services.speech import RecordingSpeaker
from kiosk.store import roster as roster_store
from kiosk.store.db import Database
from printer.fake import FakeTicketPrinter
from roster.format import keyed_hash

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 30)
STAFF_PIN = "246810"


@dataclass
class KioskRig:
    kiosk: Kiosk
    printer: FakeTicketPrinter | None  # None: the configured (preview) printer
    reader: FakeCardReader
    speaker: RecordingSpeaker
    clock: ManualClock

    @property
    def window(self):  # type: ignore[no-untyped-def]
        return self.kiosk.window

    @property
    def db(self) -> Database:
        return self.kiosk.db

    def put_on_roster(
        self,
        card: IdentityCard,
        category: Category = Category.SUBSISTENCE,
        valid_to: date | None = None,
    ) -> None:
        key = secrets.token_bytes(32)
        valid_to = valid_to if valid_to is not None else TODAY + timedelta(days=365)
        entry = (keyed_hash(key, card.id_number, today=TODAY), category, None, valid_to)
        roster_store.replace_roster(
            self.db, [entry], key=key, version_label="t", source="test", clock=self.clock
        )


_SCHEDULE_KEYS = ("hours", "last_issue", "extended", "daily_quota")


def _catalogue_without_hours(folder: Path) -> Path:
    import tomllib

    import tomlkit

    from kiosk.paths import assets_dir

    data = tomllib.loads((assets_dir() / "catalogue.toml").read_text("utf-8"))
    for service in data["service"]:
        for key in _SCHEDULE_KEYS:
            service.pop(key, None)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "catalogue-any-hour.toml"
    path.write_text(tomlkit.dumps(data), encoding="utf-8")
    return path


def build_rig(
    folder: Path,
    *,
    age_rule: bool = True,
    max_per_day: int = 3,
    pin_hash: str | None = None,
    fake_printer: bool = True,
    server: ServerSection | None = None,
    now: datetime | None = None,
) -> KioskRig:
    """``server``: a hall server to sync with; ``now``: the clock's start (default 9:00 on
    :data:`TODAY`; a hall server counts its queue by its own today)."""
    ensure_qapplication()
    catalogue = None
    if now is not None:
        # Real time (for a hall server) may fall outside the shipped catalogue's weekday
        # hours: the same services, open at any hour.
        catalogue = _catalogue_without_hours(folder)
    config = Config(
        kiosk=KioskSection(
            fullscreen=False,
            hide_pointer=False,
            data_dir=folder / "data",
            log_dir=folder / "logs",
            catalogue=catalogue,
        ),
        printer=PrinterSection(transport="preview", preview_dir=folder / "preview"),
        green_channel=GreenChannelSection(
            age_rule=age_rule, max_priority_tickets_per_day=max_per_day
        ),
        staff=StaffSection(pin_hash=pin_hash or hash_pin(STAFF_PIN)),
        server=server or ServerSection(),
    )
    loaded = LoadedConfig(config=config, source=None, demo=False, key_folder=folder / "keys")
    clock = ManualClock(now or datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))
    printer = FakeTicketPrinter() if fake_printer else None
    readers: list[FakeCardReader] = []

    def reader_factory(on_card, on_state, on_error):  # type: ignore[no-untyped-def]
        reader = FakeCardReader(on_card=on_card, on_state=on_state, on_card_error=on_error)
        readers.append(reader)
        return reader

    speaker = RecordingSpeaker()
    kiosk = build_kiosk(
        loaded, clock=clock, printer=printer, reader=reader_factory, speaker=speaker
    )
    return KioskRig(kiosk, printer, readers[0], speaker, clock)
