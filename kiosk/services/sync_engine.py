"""The kiosk's side of the sync, as plain blocking calls (no Qt).

:class:`SyncEngine` does one step at a time: push the outbox, lease numbers, pull the
catalogue and the roster, read the queue, send a heartbeat, run the end-of-day sync. The
:class:`~kiosk.services.sync.SyncService` runs these steps on its own thread for the
running kiosk; ``kiosk sync`` runs them in the foreground. Every network problem comes in
as a :class:`~sync.errors.SyncError`; the engine records it (status, state file) and
leaves every event in the outbox, so nothing is lost and the next step tries again.

Numbers (the policy for a server that stays away): with a hall server the kiosk issues
numbers only from blocks the server leased to it. It keeps at least ``lease_low_water``
numbers of every prefix for today and leases ``lease_size`` more in the background when
fewer remain; it also leases ``reserve_size`` numbers of every prefix for each of the next
``reserve_days`` days, so it can start tomorrow without the server. When the server stays
away until all of a prefix's leased numbers are used, that prefix stops: the kiosk says
so and sends the visitor to staff. It never makes up a number, so no number is ever
issued twice in the hall.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

from kiosk.config import LoadedConfig
from kiosk.domain.catalogue import Catalogue
from kiosk.domain.clock import Clock, business_day
from kiosk.domain.numbering import PRIORITY_PREFIX
from kiosk.store import sync_state
from kiosk.store.db import Database, StoreError
from kiosk.store.roster import (
    DeleteKey,
    Entry,
    RosterChangedError,
    RosterStoreError,
    apply_roster_delta,
    replace_roster,
    roster_info,
)
from roster.categories import Category
from sync.client import ClientSettings, HallClient
from sync.errors import BadResponse, ServerError, ServerUnreachable, SyncError
from sync.protocol import EventEnvelope, EventStatus, Heartbeat, RosterChange

log = logging.getLogger(__name__)

Progress = Callable[[int, str], None]
_Step = TypeVar("_Step", bound=Callable[..., Any])
ROSTER_LABEL_PREFIX = "hall:"
#: Pause between batches of a long drain, so the GUI thread gets the interpreter lock.
BATCH_PAUSE_S = 0.005


@dataclass(frozen=True)
class SyncSettings:
    kiosk_id: str
    batch_size: int = 200
    queue_max_age_s: float = 60
    lease_size: int = 100
    lease_low_water: int = 30
    reserve_days: int = 1
    reserve_size: int = 200
    app_version: str = ""


@dataclass(frozen=True)
class QueueHint:
    """What the ticket says about the queue: people ahead and about how long."""

    ahead: int
    minutes: int | None


@dataclass(frozen=True)
class DeviceStates:
    printer: str = "unknown"
    reader: str = "unknown"
    voice: str = "unknown"


@dataclass(frozen=True)
class PushResult:
    sent: int = 0
    duplicates: int = 0
    rejected: int = 0
    remaining: int = 0


@dataclass(frozen=True)
class SyncStatus:
    """What the staff panel and ``kiosk sync --status`` show."""

    online: bool | None  # None: not tried yet
    pending: int
    urgent: int
    oldest_pending: datetime | None
    rejected: int
    last_success: str | None
    last_error: str | None
    numbers_left: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        state = {None: "not tried yet", True: "reachable", False: "unreachable"}[self.online]
        out = [
            f"hall server:        {state}",
            f"waiting to go up:   {self.pending} event(s)"
            + (f", {self.urgent} urgent" if self.urgent else ""),
        ]
        if self.oldest_pending is not None:
            out.append(f"oldest waiting:     {self.oldest_pending.isoformat(timespec='seconds')}")
        out.append(f"last success:       {self.last_success or 'never'}")
        if self.last_error:
            out.append(f"last problem:       {self.last_error}")
        if self.rejected:
            out.append(f"refused by server:  {self.rejected} event(s) (see the log)")
        if self.numbers_left:
            left = ", ".join(f"{p} {n}" for p, n in sorted(self.numbers_left.items()))
            out.append(f"numbers left today: {left}")
        return out


def client_settings(loaded: LoadedConfig) -> ClientSettings:
    server = loaded.config.server
    return ClientSettings(
        url=server.url,
        token=server.token,
        read_timeout_s=server.timeout_s,
        connect_timeout_s=min(server.timeout_s, 5.0),
        retries=server.retries,
        ca_bundle=server.ca_bundle,
    )


def sync_settings(loaded: LoadedConfig, app_version: str = "") -> SyncSettings:
    server = loaded.config.server
    return SyncSettings(
        kiosk_id=loaded.config.kiosk.id,
        batch_size=server.batch_size,
        queue_max_age_s=server.queue_max_age_s,
        lease_size=server.lease_size,
        lease_low_water=server.lease_low_water,
        reserve_days=server.reserve_days,
        reserve_size=server.reserve_size,
        app_version=app_version,
    )


def token_file_warning(loaded: LoadedConfig) -> str | None:
    """A warning when the config file holding the kiosk's token is readable by others."""
    source = loaded.source
    if source is None or not loaded.config.server.token or os.name == "nt":
        return None
    try:
        mode = source.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        return (
            f"{source} holds the hall server token and is readable by other users "
            f"(mode {stat.filemode(mode)}); run: chmod 600 {source}"
        )
    return None


def roster_label(version: int, key_id: str) -> str:
    return f"{ROSTER_LABEL_PREFIX}{version}:{key_id}"


def parse_roster_label(label: str) -> tuple[int, str] | None:
    if not label.startswith(ROSTER_LABEL_PREFIX):
        return None
    version, _, key_id = label[len(ROSTER_LABEL_PREFIX) :].partition(":")
    try:
        return int(version), key_id
    except ValueError:
        return None


def _recorded(step: _Step) -> _Step:
    """A step's SyncError goes into the status (and the state file), then on to the caller."""

    @wraps(step)
    def run(self: SyncEngine, *args: Any, **kwargs: Any) -> Any:
        try:
            return step(self, *args, **kwargs)
        except SyncError as e:
            self._failed(e)
            raise

    return cast(_Step, run)


class SyncEngine:
    """One kiosk's sync steps. Call from one thread at a time (the sync thread, or the
    CLI); :meth:`queue_hint` and :meth:`status_snapshot` may be called from any thread."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        client: HallClient,
        settings: SyncSettings,
        prefixes: list[str],
        *,
        state_file: Path | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.client = client
        self.settings = settings
        self.prefixes = sorted(set(prefixes) | {PRIORITY_PREFIX})
        self.state_file = state_file or sync_state.state_path(db)
        self.state = sync_state.load_state(self.state_file)
        self.online: bool | None = None
        self._lock = threading.Lock()
        self._queue: dict[str, tuple[int, int, int | None]] = {}
        self._queue_at: float | None = None

    # -- bookkeeping -------------------------------------------------------------------

    def _succeeded(self) -> None:
        self.online = True
        self.state.last_success = self.clock.now().isoformat(timespec="seconds")
        self.state.last_error = None
        self._save()

    def _failed(self, error: SyncError) -> None:
        if isinstance(error, ServerUnreachable):
            self.online = False
            with self._lock:
                self._queue_at = None  # never show stale counts as if current
        was = self.state.last_error
        self.state.last_error = error.message[:300]
        self.state.last_error_at = self.clock.now().isoformat(timespec="seconds")
        if was != self.state.last_error:
            log.warning("sync: %s", error.message)
        self._save()

    def _save(self) -> None:
        try:
            sync_state.save_state(self.state_file, self.state)
        except StoreError as e:
            log.error("sync state not saved: %s", e)

    def guarded(self, step: Callable[[], object]) -> bool:
        """Run one step; a SyncError is recorded, not raised. True when it worked."""
        try:
            step()
        except SyncError:
            return False
        return True

    # -- outbox ------------------------------------------------------------------------

    def _envelope(self, event: sync_state.PendingEvent) -> EventEnvelope:
        return EventEnvelope(
            id=event.id,
            kind=event.kind,
            kiosk_id=self.settings.kiosk_id,
            kiosk_time=event.created_at,
            urgent=event.urgent,
            payload=event.payload,
        )

    @_recorded
    def push(
        self,
        *,
        urgent_only: bool = False,
        max_batches: int | None = None,
        progress: Progress | None = None,
    ) -> PushResult:
        """Send unsent events in batches until none are left (or ``max_batches``).

        Raises :class:`SyncError` when the server cannot be reached or answers badly;
        what was acknowledged before stays marked, the rest stays in the outbox.
        """
        sent = duplicates = rejected = batches = 0
        total = sync_state.outbox_status(self.db).pending if progress else 0
        while max_batches is None or batches < max_batches:
            # Urgent events (an L ticket) go in a batch of their own, ahead of the backlog,
            # so a helper hears of one within a batch's time even during a long drain.
            events = sync_state.pending_events(self.db, self.settings.batch_size, urgent_only=True)
            if not events and not urgent_only:
                events = sync_state.pending_events(self.db, self.settings.batch_size)
            if not events:
                break
            batches += 1
            try:
                result = self.client.post_events([self._envelope(e) for e in events])
            except SyncError as e:
                sync_state.note_failure(self.db, [e.id for e in events], e.message)
                raise
            acked: list[str] = []
            refused: dict[str, str] = {}
            by_id = {e.id.lower(): e.id for e in events}
            for answer in result.results:
                event_id = by_id.get(answer.id.lower())
                if event_id is None:
                    raise BadResponse(f"server answered for an event it was not sent: {answer.id}")
                if answer.status == EventStatus.REJECTED:
                    refused[event_id] = f"{answer.code} {answer.message}"
                    log.error("hall server refused event %s: %s", event_id, refused[event_id])
                else:
                    acked.append(event_id)
                    if answer.status == EventStatus.DUPLICATE:
                        duplicates += 1
            sync_state.mark_sent(self.db, self.clock, acked, refused)
            time.sleep(BATCH_PAUSE_S)  # let the GUI thread have the interpreter lock
            sent += len(acked)
            rejected += len(refused)
            if progress is not None and total:
                progress(min(100, round(100 * (sent + rejected) / total)), f"{sent} sent")
        remaining = sync_state.outbox_status(self.db).pending
        self._succeeded()
        return PushResult(sent, duplicates, rejected, remaining)

    # -- numbers -----------------------------------------------------------------------

    def lease_days(self) -> Iterator[tuple[date, int]]:
        today = business_day(self.clock.now())
        yield today, self.settings.lease_low_water
        for ahead in range(1, self.settings.reserve_days + 1):
            yield today + timedelta(days=ahead), self.settings.reserve_size

    @_recorded
    def ensure_leases(self) -> int:
        """Lease blocks wherever fewer numbers remain than wanted. Returns numbers leased."""
        leased = 0
        for day, wanted in self.lease_days():
            for prefix in self.prefixes:
                left = sync_state.numbers_left(self.db, day, prefix)
                if left >= wanted:
                    continue
                count = max(self.settings.lease_size, wanted - left)
                lease = self.client.lease(day, prefix, count)
                sync_state.add_lease(self.db, day, prefix, lease.start, lease.end, lease.source)
                log.info("leased %s%d..%d for %s", prefix, lease.start, lease.end, day)
                leased += lease.end - lease.start + 1
        self._succeeded()
        return leased

    def numbers_left_today(self) -> dict[str, int]:
        today = business_day(self.clock.now())
        return {p: sync_state.numbers_left(self.db, today, p) for p in self.prefixes}

    # -- catalogue ---------------------------------------------------------------------

    @_recorded
    def pull_catalogue(self) -> bool:
        """Fetch the hall's catalogue when it changed; its prefixes get leases. The file
        is kept beside the database (``kiosk-catalogue.json``) for the next start."""
        catalogue, etag = self.client.catalogue(self.state.catalogue_etag)
        if catalogue is not None:
            path = self.db.path.with_name(self.db.path.stem + "-catalogue.json")
            try:
                temp = path.with_suffix(".tmp")
                temp.write_text(catalogue.model_dump_json(indent=1), encoding="utf-8")
                os.replace(temp, path)
            except OSError as e:
                raise StoreError(f"cannot write {path}: {e}") from e
            self.prefixes = sorted(
                set(self.prefixes) | {s.prefix for s in catalogue.services} | {PRIORITY_PREFIX}
            )
            self.state.catalogue_etag = etag
            log.info("hall catalogue %s: %d services", catalogue.version, len(catalogue.services))
        self._succeeded()
        return catalogue is not None

    # -- roster ------------------------------------------------------------------------

    @_recorded
    def pull_roster(self, progress: Progress | None = None) -> str:
        """Bring the roster up to the hall's latest version: the changes since ours when
        the key is the same, else the whole snapshot with its key. Everything is checked
        (key id, count, checksum, each line) before the store's swap; a bad or cut-short
        download raises :class:`BadResponse` and the roster in use stays."""
        try:
            meta = self.client.roster_meta()
        except ServerError as e:
            if e.status == 404:
                self._succeeded()
                return "the hall has published no roster"
            raise
        info = roster_info(self.db)
        ours = parse_roster_label(info.label) if info is not None else None
        if ours == (meta.version, meta.key_id):
            self._succeeded()
            return f"roster version {meta.version} is current"
        if info is not None and ours is not None and ours[1] == meta.key_id:
            try:
                message = self._apply_delta(ours[0], info.label, meta.key_id, meta.count)
                self._succeeded()
                return message
            except ServerError as e:
                if e.code != "snapshot_required":
                    raise
                log.info("roster delta not possible (%s): fetching the snapshot", e.message)
            except RosterChangedError as e:
                log.info("roster delta not applicable (%s): fetching the snapshot", e)
        if progress:
            progress(10, "roster key")
        key = self.client.roster_key()
        if key.key_id != meta.key_id:
            raise BadResponse("the roster key changed during the download; will try again")
        try:
            key_bytes = base64.b64decode(key.key_b64, validate=True)
        except (binascii.Error, ValueError) as e:
            raise BadResponse("the roster key is not base64") from e
        if progress:
            progress(20, "roster download")
        download = self.client.roster_snapshot()
        if download.key_id != key.key_id:
            raise BadResponse(
                f"roster snapshot hashed with key {download.key_id}, expected {key.key_id}"
            )
        if progress:
            progress(50, f"roster install ({len(download.changes)} entries)")
        entries = _entries(download.changes, snapshot=True)
        try:
            new = replace_roster(
                self.db,
                entries,
                key=key_bytes,
                version_label=roster_label(download.version, download.key_id),
                source=f"hall server {self.client.settings.url}",
                clock=self.clock,
            )
        except _BadEntry as e:
            raise BadResponse(f"roster snapshot refused: {e}") from e
        self._succeeded()
        return f"roster version {download.version} installed: {new.entries} entries"

    def _apply_delta(self, since: int, base_label: str, key_id: str, expected: int) -> str:
        download = self.client.roster_delta(since)
        if download.key_id != key_id:
            raise ServerError("roster key changed", status=409, code="snapshot_required")
        upserts = list(_entries([c for c in download.changes if c.op == "+"], snapshot=False))
        deletes: list[DeleteKey] = []
        try:
            for change in download.changes:
                if change.op == "-":
                    category = Category(change.category) if change.category else None
                    deletes.append((change.id_hash, category))
        except ValueError as e:
            raise BadResponse(f"roster delta refused: {e}") from e
        info = apply_roster_delta(
            self.db,
            upserts,
            deletes,
            version_label=roster_label(download.version, key_id),
            base_label=base_label,
            clock=self.clock,
        )
        if info.entries != expected:
            # The delta went in but the count differs from the hall's: start afresh.
            log.error("roster after delta has %d entries, hall says %d", info.entries, expected)
            raise ServerError("count mismatch", status=409, code="snapshot_required")
        return f"roster version {download.version}: {len(download.changes)} changes applied"

    # -- queue -------------------------------------------------------------------------

    @_recorded
    def refresh_queue(self) -> None:
        status = self.client.queue()
        with self._lock:
            self._queue = {
                s.service_code: (s.waiting, s.priority_waiting, s.estimate_minutes)
                for s in status.services
            }
            self._queue_at = time.monotonic()
        self._succeeded()

    def queue_hint(self, service_code: str, priority: bool) -> QueueHint | None:
        """People ahead of a ticket issued now and about how long, from counts no older
        than ``queue_max_age_s``; None when there are none (server unreachable)."""
        with self._lock:
            at = self._queue_at
            entry = self._queue.get(service_code)
        if at is None or time.monotonic() - at > self.settings.queue_max_age_s:
            return None
        if entry is None:
            return QueueHint(0, 0)
        waiting, priority_waiting, minutes = entry
        if not priority:
            return QueueHint(waiting, minutes)
        if minutes is None:
            return QueueHint(priority_waiting, None)
        share = math.ceil(minutes * priority_waiting / max(waiting, 1))
        return QueueHint(priority_waiting, share)

    # -- heartbeat ---------------------------------------------------------------------

    @_recorded
    def heartbeat(self, devices: DeviceStates) -> None:
        status = sync_state.outbox_status(self.db)
        info = roster_info(self.db)
        ours = parse_roster_label(info.label) if info is not None else None
        reply = self.client.heartbeat(
            Heartbeat(
                kiosk_time=self.clock.now(),
                printer=devices.printer[:32] or "unknown",
                reader=devices.reader[:32] or "unknown",
                voice=devices.voice[:32] or "unknown",
                outbox_pending=status.pending,
                oldest_pending_at=status.oldest,
                app_version=self.settings.app_version[:32],
                roster_version=ours[0] if ours else None,
                catalogue_etag=(self.state.catalogue_etag or None),
            )
        )
        if abs(reply.clock_skew_s) > 60:
            log.warning("kiosk clock is %.0f s off the hall server's", reply.clock_skew_s)
        self._succeeded()

    # -- status and the end of the day ---------------------------------------------------

    def status_snapshot(self) -> SyncStatus:
        outbox = sync_state.outbox_status(self.db)
        return SyncStatus(
            online=self.online,
            pending=outbox.pending,
            urgent=outbox.urgent,
            oldest_pending=outbox.oldest,
            rejected=outbox.rejected,
            last_success=self.state.last_success,
            last_error=self.state.last_error,
            numbers_left=self.numbers_left_today(),
        )

    def end_of_day(self, progress: Progress) -> EndOfDay:
        """Flush the outbox, pull catalogue and roster, lease tomorrow's numbers, then the
        day report. A step that fails is reported and the others still run; everything
        not sent stays for next time."""
        problems: list[str] = []
        progress(0, "上传 / uploading tickets")
        try:
            self.push(progress=lambda p, text: progress(p * 60 // 100, text))
        except SyncError as e:
            problems.append(e.message)
        if not problems:
            progress(60, "服务目录 / catalogue")
            try:
                self.pull_catalogue()
            except SyncError as e:
                problems.append(e.message)
            progress(65, "名单 / roster")
            try:
                log.info("end of day: %s", self.pull_roster(lambda p, t: progress(65 + p // 4, t)))
            except SyncError as e:
                problems.append(e.message)
            except RosterStoreError as e:
                self._failed(SyncError(f"roster not installed: {e}"))
                problems.append(str(e))
            progress(92, "号段 / numbers")
            try:
                self.ensure_leases()
            except SyncError as e:
                problems.append(e.message)
        progress(96, "日结报告 / day report")
        report = sync_state.day_report(self.db, business_day(self.clock.now()))
        progress(100, "完成 / done" if not problems else "未完成 / not complete")
        return EndOfDay(report, problems)


@dataclass(frozen=True)
class EndOfDay:
    report: sync_state.DayReport
    problems: list[str]

    @property
    def complete(self) -> bool:
        return not self.problems


class _BadEntry(ValueError):
    pass


def _entries(changes: list[RosterChange], *, snapshot: bool) -> Iterator[Entry]:
    for number, change in enumerate(changes, start=1):
        if snapshot and change.op != "+":
            raise _BadEntry(f"line {number}: a snapshot line must be '+'")
        try:
            category = Category(change.category)
            valid_from = date.fromisoformat(change.valid_from) if change.valid_from else None
            valid_to = date.fromisoformat(change.valid_to) if change.valid_to else None
        except ValueError as e:
            raise _BadEntry(f"line {number}: {e}") from e
        yield change.id_hash, category, valid_from, valid_to


def open_engine(
    loaded: LoadedConfig, db: Database, clock: Clock, catalogue: Catalogue, app_version: str = ""
) -> SyncEngine:
    """The engine for a configured kiosk (``server.url`` set). Raises SyncError when the
    server settings cannot be used (no token, missing CA bundle)."""
    client = HallClient(client_settings(loaded))
    return SyncEngine(
        db,
        clock,
        client,
        sync_settings(loaded, app_version),
        [s.prefix for s in catalogue.services],
    )


__all__ = [
    "DeviceStates",
    "EndOfDay",
    "PushResult",
    "QueueHint",
    "SyncEngine",
    "SyncSettings",
    "SyncStatus",
    "open_engine",
    "token_file_warning",
]
