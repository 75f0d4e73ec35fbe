"""What the sync with the hall server reads and writes in the kiosk's own store.

- The outbox (rows written with each ticket, see :mod:`kiosk.store.tickets`): the oldest
  unsent events in batches, urgent ones first; an event is marked sent only once the
  server answered ``accepted`` or ``duplicate`` for it, so a crash anywhere in between
  sends it again and the server, which keys events by UUID, counts it once. An event the
  server ``rejected`` is set aside (``sent_at`` set, ``last_error`` says why) for staff.
- Number leases: each lease the server grants becomes a bounded ``number_blocks`` row;
  tickets are drawn from those rows only, so no two kiosks of a hall ever print the same
  number, online or off.
- The day report, from the ticket table.
- A small state file (last success, last error, catalogue ETag) beside the database.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from kiosk.domain.clock import Clock
from kiosk.store.db import Database, StoreError
from kiosk.store.models import NumberBlock, OutboxEvent, PrintState, Ticket

REJECTED = "rejected: "


@dataclass(frozen=True)
class PendingEvent:
    id: str
    kind: str
    payload: dict[str, Any]
    urgent: bool
    created_at: datetime


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    urgent: int
    oldest: datetime | None
    rejected: int
    last_error: str | None


def pending_events(db: Database, limit: int, *, urgent_only: bool = False) -> list[PendingEvent]:
    """The next unsent events: urgent first, then in the order they were written."""
    table = OutboxEvent.__table__
    query = select(table.c.id, table.c.kind, table.c.payload, table.c.urgent, table.c.created_at)
    query = query.where(table.c.sent_at.is_(None))
    if urgent_only:
        query = query.where(table.c.urgent.is_(True))
    query = query.order_by(table.c.urgent.desc(), table.c.created_at, table.c.id).limit(limit)
    with db.read() as session:
        rows = session.execute(query).all()
    events = []
    for event_id, kind, text, urgent, created_at in rows:
        try:
            payload = json.loads(text)
        except ValueError:
            payload = {"unreadable": True}  # the server rejects it; staff see why
        events.append(PendingEvent(event_id, kind, payload, bool(urgent), created_at))
    return events


def has_urgent(db: Database) -> bool:
    with db.read() as session:
        found = session.scalar(
            select(OutboxEvent.id)
            .where(OutboxEvent.sent_at.is_(None), OutboxEvent.urgent.is_(True))
            .limit(1)
        )
        return found is not None


def mark_sent(db: Database, clock: Clock, acked: list[str], rejected: dict[str, str]) -> None:
    """Events the server acknowledged (stored now or before) and the ones it refused."""
    now = clock.now()
    with db.write() as session:
        if acked:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(acked), OutboxEvent.sent_at.is_(None))
                .values(sent_at=now, attempts=OutboxEvent.attempts + 1, last_error=None)
            )
        for event_id, why in rejected.items():
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event_id, OutboxEvent.sent_at.is_(None))
                .values(
                    sent_at=now,
                    attempts=OutboxEvent.attempts + 1,
                    last_error=(REJECTED + why)[:200],
                )
            )


def note_failure(db: Database, ids: list[str], error: str) -> None:
    """A push that got no usable answer: the events stay unsent, with the reason."""
    if not ids:
        return
    with db.write() as session:
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(ids), OutboxEvent.sent_at.is_(None))
            .values(attempts=OutboxEvent.attempts + 1, last_error=error[:200])
        )


def outbox_status(db: Database) -> OutboxStatus:
    with db.read() as session:
        unsent = OutboxEvent.sent_at.is_(None)
        pending = session.scalar(select(func.count()).where(unsent)) or 0
        urgent = (
            session.scalar(select(func.count()).where(unsent, OutboxEvent.urgent.is_(True))) or 0
        )
        oldest = session.scalar(select(func.min(OutboxEvent.created_at)).where(unsent))
        rejected = (
            session.scalar(select(func.count()).where(OutboxEvent.last_error.startswith(REJECTED)))
            or 0
        )
        last_error = session.scalar(
            select(OutboxEvent.last_error)
            .where(unsent, OutboxEvent.last_error.is_not(None))
            .order_by(OutboxEvent.created_at.desc())
            .limit(1)
        )
        return OutboxStatus(pending, urgent, oldest, rejected, last_error)


# --- number leases ------------------------------------------------------------------------


def numbers_left(db: Database, day: date, prefix: str) -> int:
    """Numbers of leased (bounded) blocks not yet issued for ``prefix`` on ``day``."""
    with db.read() as session:
        left = session.scalar(
            select(func.sum(NumberBlock.end - NumberBlock.next + 1)).where(
                NumberBlock.day == day,
                NumberBlock.prefix == prefix,
                NumberBlock.end.is_not(None),
                NumberBlock.next <= NumberBlock.end,
            )
        )
        return int(left or 0)


def add_lease(db: Database, day: date, prefix: str, start: int, end: int, source: str) -> None:
    """Record numbers ``start``..``end`` the server leased to this kiosk alone."""
    if end < start or start < 1:
        raise StoreError(f"lease {start}..{end} is not a range of numbers")
    with db.write() as session:
        session.add(
            NumberBlock(
                day=day, prefix=prefix, start=start, end=end, next=start, source=source[:64]
            )
        )


# --- the day report -----------------------------------------------------------------------


@dataclass(frozen=True)
class DayReport:
    day: date
    total: int
    by_service: dict[str, int]
    priority_by_category: dict[str, int]
    print_failures: int
    reprints: int
    voided: int
    pending_events: int = 0
    rejected_events: int = 0

    def lines(self, service_names: dict[str, str] | None = None) -> list[str]:
        names = service_names or {}
        out = [f"日结报告 / Day report {self.day.isoformat()}", f"合计 / Tickets: {self.total}"]
        for code, count in sorted(self.by_service.items()):
            out.append(f"  {names.get(code, code)}: {count}")
        priority = sum(self.priority_by_category.values())
        out.append(f"绿色通道 / Priority: {priority}")
        for category, count in sorted(self.priority_by_category.items()):
            out.append(f"  {category}: {count}")
        out.append(f"打印失败 / Print failures: {self.print_failures}")
        out.append(f"补打 / Reprints: {self.reprints}")
        if self.voided:
            out.append(f"作废 / Voided: {self.voided}")
        out.append(f"待上传 / Waiting to go up: {self.pending_events}")
        if self.rejected_events:
            out.append(f"被拒 / Refused by the server: {self.rejected_events}")
        return out


def day_report(db: Database, day: date) -> DayReport:
    with db.read() as session:
        live = (Ticket.day == day, Ticket.voided_at.is_(None))
        by_service = Counter(
            {
                code: n
                for code, n in session.execute(
                    select(Ticket.service_code, func.count())
                    .where(*live)
                    .group_by(Ticket.service_code)
                )
            }
        )
        by_category = Counter(
            {
                (category or "unknown"): n
                for category, n in session.execute(
                    select(Ticket.category, func.count())
                    .where(*live, Ticket.priority.is_(True))
                    .group_by(Ticket.category)
                )
            }
        )
        failures = session.scalar(
            select(func.count()).where(Ticket.day == day, Ticket.print_state == PrintState.FAILED)
        )
        reprints = session.scalar(select(func.sum(Ticket.reprint_count)).where(Ticket.day == day))
        voided = session.scalar(
            select(func.count()).where(Ticket.day == day, Ticket.voided_at.is_not(None))
        )
    status = outbox_status(db)
    return DayReport(
        day=day,
        total=sum(by_service.values()),
        by_service=dict(by_service),
        priority_by_category=dict(by_category),
        print_failures=int(failures or 0),
        reprints=int(reprints or 0),
        voided=int(voided or 0),
        pending_events=status.pending,
        rejected_events=status.rejected,
    )


# --- the state file -----------------------------------------------------------------------


@dataclass
class SyncState:
    """Remembered between runs: when the last sync worked, the last problem, ETags."""

    last_success: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    catalogue_etag: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def state_path(db: Database) -> Path:
    return db.path.with_name(db.path.stem + "-sync.json")


def load_state(path: Path) -> SyncState:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SyncState(**{k: v for k, v in data.items() if k in SyncState.__dataclass_fields__})
    except FileNotFoundError:
        return SyncState()
    except (OSError, ValueError, TypeError):
        return SyncState()  # a damaged state file only loses "last success"; rebuilt


def save_state(path: Path, state: SyncState) -> None:
    """Write the whole file to a temporary name, then rename it into place."""
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".sync-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(asdict(state), file, ensure_ascii=False)
        os.replace(temp, path)
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e}") from e
