"""Demo mode: a simulated ID reader on a pseudo-terminal, demo cards and a demo roster.

The simulator speaks the real wire protocol, so demo mode exercises the same serial
reader code as a hall with a real reader. All people here are synthetic.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot

from idreader.card import IdentityCard
from idreader.fake import FakeCardReader
from idreader.testing import make_card
from kiosk.domain.clock import Clock
from kiosk.domain.eligibility import Category
from kiosk.services.devices import ReaderFactory
from kiosk.services.worker import ResourceWorker

if TYPE_CHECKING:
    from idreader.simulator import ReaderSimulator
from kiosk.store import roster as roster_store
from kiosk.store.db import Database
from roster.format import keyed_hash

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoCard:
    label_zh: str
    label_en: str
    card: IdentityCard


def demo_cards(today: date) -> list[DemoCard]:
    def born(years: int) -> date:
        return today.replace(year=today.year - years) - timedelta(days=40)

    return [
        DemoCard("低保对象 (45岁)", "Low income, 45", make_card(birth_date=born(45), seed=11)),
        DemoCard("老人 (72岁)", "Senior, 72", make_card(birth_date=born(72), seed=12)),
        DemoCard("普通市民 (35岁)", "Not eligible, 35", make_card(birth_date=born(35), seed=13)),
    ]


def install_demo_roster(db: Database, clock: Clock, cards: list[DemoCard]) -> None:
    """A roster with the first demo person on it (subsistence allowance, valid a year)."""
    key = secrets.token_bytes(32)
    today = clock.now().date()
    person = cards[0].card
    entries = [
        (keyed_hash(key, person.id_number), Category.SUBSISTENCE, None, today + timedelta(365))
    ]
    roster_store.replace_roster(
        db, entries, key=key, version_label="demo", source="demo mode", clock=clock
    )


class DemoService(QObject):
    """Owns the demo reader; ``lay_card`` puts a demo card on it, lifted again soon after.

    Where the OS has pseudo-terminals (Linux, macOS) the reader is the protocol simulator,
    read by the real serial reader code. Elsewhere (Windows) it falls back to the fake
    reader, so the demo still runs end to end above the serial layer.
    """

    def __init__(self, cards: list[DemoCard], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cards = cards
        self._worker = ResourceWorker("demo-reader", self)
        self.simulator: ReaderSimulator | None = None
        self.fake: FakeCardReader | None = None
        if hasattr(os, "openpty"):
            from idreader.simulator import ReaderSimulator  # Unix only (tty, termios)

            self.simulator = ReaderSimulator([c.card for c in cards])
        self._lift = QTimer(self)
        self._lift.setSingleShot(True)
        self._lift.setInterval(2500)
        self._lift.timeout.connect(self._lift_card)

    @property
    def port(self) -> str | None:
        return self.simulator.port if self.simulator is not None else None

    def fake_reader_factory(self) -> ReaderFactory:
        def make(on_card, on_state, on_error) -> FakeCardReader:  # type: ignore[no-untyped-def]
            self.fake = FakeCardReader(on_card=on_card, on_state=on_state, on_card_error=on_error)
            return self.fake

        return make

    def start(self) -> None:
        if self.simulator is not None:
            self.simulator.start()
            log.info("demo: simulated ID reader on %s", self.simulator.port)
        else:
            log.info("demo: no pseudo-terminals here; demo cards go to a fake reader")

    @Slot(int)
    def lay_card(self, index: int) -> None:
        card = self.cards[index].card
        if self.simulator is not None:
            simulator = self.simulator
            self._worker.submit(lambda: simulator.lay(index))
            self._lift.start()
        elif self.fake is not None:
            fake = self.fake
            self._worker.submit(lambda: fake.lay(card))

    def _lift_card(self) -> None:
        if self.simulator is not None:
            self._worker.submit(self.simulator.lift)

    def shutdown(self) -> None:
        self._lift.stop()
        self._worker.shutdown(wait=True)
        if self.simulator is not None:
            self.simulator.stop()
