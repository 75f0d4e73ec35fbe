"""StaffService: PIN checks, today's figures, reprint and void, all off the GUI thread."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from kiosk.domain.clock import Clock, business_day
from kiosk.domain.pin import LockoutState, PinAttempt, PinGuard, valid_pin_hash
from kiosk.domain.ticket import IssuedTicket
from kiosk.services.worker import ResourceWorker
from kiosk.store import outbox
from kiosk.store import tickets as ticket_store
from kiosk.store.db import Database
from kiosk.store.lockout import load_lockout, save_lockout

log = logging.getLogger(__name__)

DEMO_PIN_HASH = (  # PIN 000000, only ever used in demo mode
    "scrypt$16384$8$1$ZGVtby1raW9zay1zYWx0$5DyVkIaJckmOukf73/3LISdutIYbQdW8jXA26tMzBL8="
)


@dataclass(frozen=True)
class StaffSummary:
    by_service: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    recent: tuple[IssuedTicket, ...] = ()
    total: int = 0
    not_printed: int = 0
    zone: tzinfo | None = None  # the hall's time zone, for showing times
    help_requests: tuple[outbox.HelpRequest, ...] = ()


def _start_of(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


class StaffService(QObject):
    pin_checked = Signal(object)  # PinAttempt
    summary_loaded = Signal(object)  # StaffSummary
    action_done = Signal(str)  # message for the panel
    help_raised = Signal()  # the help request is in the outbox

    def __init__(
        self,
        db: Database,
        clock: Clock,
        pin_hash: str,
        parent: QObject | None = None,
        *,
        lockout_file: Path | None = None,
        now_s: Callable[[], float] = time.time,
        kiosk_id: str = "",
    ) -> None:
        """``lockout_file`` keeps the wrong-PIN count and lockout across restarts (None:
        in memory only, for tests)."""
        super().__init__(parent)
        self._db = db
        self._clock = clock
        self._kiosk_id = kiosk_id
        self.pin_configured = valid_pin_hash(pin_hash)
        self._guard: PinGuard | None = None
        if self.pin_configured:
            state = load_lockout(lockout_file) if lockout_file else LockoutState()
            save = partial(save_lockout, lockout_file) if lockout_file else None
            self._guard = PinGuard(pin_hash, now_s=now_s, state=state, on_change=save)
        self._worker = ResourceWorker("staff", self)

    def shutdown(self) -> None:
        self._worker.shutdown(wait=True)

    @Slot(str)
    def check_pin(self, pin: str) -> None:
        guard = self._guard
        if guard is None:
            self.pin_checked.emit(PinAttempt(False, 0, 0.0))
            return
        self._worker.submit(lambda: guard.check(pin), self._pin_result)

    def _pin_result(self, attempt: PinAttempt) -> None:
        if attempt.ok:
            log.info("staff panel unlocked")
        elif attempt.locked_for_s:
            log.warning("staff panel locked for %.0f s after wrong PINs", attempt.locked_for_s)
        else:
            log.warning("wrong staff PIN (%d tries left)", attempt.tries_left)
        self.pin_checked.emit(attempt)

    @Slot()
    def load_summary(self) -> None:
        self._worker.submit(self._summary_job, self.summary_loaded.emit)

    def _summary_job(self) -> StaffSummary:
        now = self._clock.now()
        day = business_day(now)
        recent = ticket_store.recent_tickets(self._db, day, limit=30)
        by_service = ticket_store.counts_by_service(self._db, day)
        return StaffSummary(
            by_service=by_service,
            by_category=ticket_store.counts_by_category(self._db, day),
            recent=tuple(recent),
            total=sum(by_service.values()),
            not_printed=sum(1 for t in recent if t.print_state == "failed"),
            zone=now.tzinfo,
            help_requests=tuple(outbox.open_help_requests(self._db, _start_of(now))),
        )

    @Slot(str)
    def request_help(self, screen: str) -> None:
        """A visitor pressed Help: an urgent event for the hall, shown in this panel."""

        def job() -> None:
            payload = {"kiosk_id": self._kiosk_id, "screen": screen}
            outbox.add_event(self._db, self._clock, outbox.HELP_REQUESTED, payload, urgent=True)

        log.warning("visitor asked for help at the %s screen", screen)
        self._worker.submit(job, lambda _r: self.help_raised.emit())

    @Slot(str)
    def answer_help(self, request_id: str, staff: str = "staff panel") -> None:
        def job() -> str:
            payload = {"kiosk_id": self._kiosk_id, "request_id": request_id, "staff": staff}
            outbox.add_event(self._db, self._clock, outbox.HELP_ANSWERED, payload)
            return "help answered"

        self._worker.submit(job, self._after_action)

    @Slot(str, str)
    def void(self, ticket_id: str, reason: str, staff: str = "staff panel") -> None:
        def job() -> str:
            ticket_store.void_ticket(self._db, self._clock, ticket_id)
            ticket_store.record_staff_action(
                self._db,
                self._clock,
                staff=staff,
                action="void",
                reason=reason,
                ticket_id=ticket_id,
            )
            return "voided"

        self._worker.submit(job, self._after_action)

    def _after_action(self, message: str) -> None:
        self.action_done.emit(message)
        self.load_summary()
