"""SyncService: the sync with the hall server on its own thread; the screen never waits.

One background thread owns the network (and the engine's HTTP session). It loops:

- an urgent event in the outbox (an ``L`` ticket, a printer that needs staff) is pushed
  at once: the outbox is looked at every ``URGENT_POLL_S``, so a helper's screen shows a
  priority ticket well within 2 s of the tap when the server is reachable;
- everything else goes up in batches every ``push_interval_s``;
- number leases are topped up, the catalogue and roster pulled, the queue counts read and
  a heartbeat sent, each on its own interval;
- a step that fails is tried again after a backoff (2 s doubling to 60 s), and the kiosk
  goes on issuing tickets from its leased numbers meanwhile.

Staff commands (end-of-day sync, status) are queued to the same thread; results and
progress come back as Qt signals, delivered on the GUI thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from kiosk.services.sync_engine import DeviceStates, EndOfDay, QueueHint, SyncEngine, SyncStatus
from kiosk.services.threads import lower_this_thread_priority
from kiosk.store import sync_state
from kiosk.store.db import StoreError

log = logging.getLogger(__name__)

URGENT_POLL_S = 0.25
STATUS_EVERY_S = 2.0
BACKOFF_FIRST_S = 2.0
BACKOFF_MAX_S = 60.0


@dataclass(frozen=True)
class SyncTimings:
    push_interval_s: float = 5
    heartbeat_s: float = 60
    pull_interval_s: float = 600
    queue_poll_s: float = 10
    lease_check_s: float = 30


class SyncService(QObject):
    status_changed = Signal(object)  # SyncStatus
    progress = Signal(int, str)  # percent, what
    end_of_day_done = Signal(object)  # EndOfDay

    def __init__(
        self,
        engine: SyncEngine,
        timings: SyncTimings,
        devices: Callable[[], DeviceStates] = DeviceStates,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.timings = timings
        self.devices = devices
        self._commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self.last_status: SyncStatus | None = None
        self.running_end_of_day = False

    # -- GUI-thread API ----------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def shutdown(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=15)
        self.engine.client.close()

    def queue_hint(self, service_code: str, priority: bool) -> QueueHint | None:
        """Thread-safe: called by the ticket service's worker while it issues."""
        return self.engine.queue_hint(service_code, priority)

    @Slot()
    def push_now(self) -> None:
        self._wake.set()

    @Slot()
    def request_status(self) -> None:
        self._commands.put(self._emit_status)
        self._wake.set()

    @Slot()
    def request_end_of_day(self) -> None:
        if self.running_end_of_day:
            return
        self.running_end_of_day = True
        self._commands.put(self._end_of_day)
        self._wake.set()

    # -- the sync thread ---------------------------------------------------------------

    def _run(self) -> None:
        lower_this_thread_priority()
        t = self.timings
        steps: list[tuple[str, float, Callable[[], object]]] = [
            ("leases", t.lease_check_s, self.engine.ensure_leases),
            ("push", t.push_interval_s, self.engine.push),
            ("catalogue", t.pull_interval_s, self.engine.pull_catalogue),
            ("roster", t.pull_interval_s, self.engine.pull_roster),
            ("queue", t.queue_poll_s, self.engine.refresh_queue),
            ("heartbeat", t.heartbeat_s, lambda: self.engine.heartbeat(self.devices())),
        ]
        due = {name: 0.0 for name, _, _ in steps}
        backoff = {name: BACKOFF_FIRST_S for name, _, _ in steps}
        urgent_due = 0.0
        status_due = 0.0
        while not self._stop.is_set():
            self._run_commands()
            now = time.monotonic()
            try:
                if now >= urgent_due and sync_state.has_urgent(self.engine.db):
                    if self.engine.guarded(lambda: self.engine.push(urgent_only=True)):
                        urgent_due = 0.0
                    else:
                        urgent_due = now + backoff["push"]
                for name, interval, step in steps:
                    if self._stop.is_set() or not self._commands.empty():
                        break
                    if time.monotonic() < due[name]:
                        continue
                    if self.engine.guarded(step):
                        backoff[name] = BACKOFF_FIRST_S
                        due[name] = time.monotonic() + interval
                    else:
                        due[name] = time.monotonic() + min(interval, backoff[name])
                        backoff[name] = min(BACKOFF_MAX_S, backoff[name] * 2)
                if time.monotonic() >= status_due:
                    self._emit_status()
                    status_due = time.monotonic() + STATUS_EVERY_S
            except StoreError as e:  # the kiosk's own database: log, keep going
                log.error("sync step failed on the kiosk's database: %s", e)
            except Exception:  # never let the sync thread die silently
                log.exception("sync step failed")
            self._wake.wait(URGENT_POLL_S)
            self._wake.clear()

    def _run_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                command()
            except Exception:
                log.exception("sync command failed")

    def _emit_status(self) -> None:
        status = self.engine.status_snapshot()
        self.last_status = status
        self.status_changed.emit(status)

    def _end_of_day(self) -> None:
        log.info("end-of-day sync started")
        try:
            result = self.engine.end_of_day(lambda p, text: self.progress.emit(p, text))
        except StoreError as e:
            log.error("end-of-day sync failed: %s", e)
            report = sync_state.day_report(self.engine.db, self.engine.clock.now().date())
            result = EndOfDay(report, [str(e)])
        finally:
            self.running_end_of_day = False
        if result.complete:
            log.info("end-of-day sync complete: %d tickets today", result.report.total)
        else:
            log.warning("end-of-day sync incomplete: %s", "; ".join(result.problems))
        self.end_of_day_done.emit(result)
        self._emit_status()
