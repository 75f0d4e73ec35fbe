"""The queue: waiting counts and estimates, and the counter's calls.

Call order (``call_next``), for the services a window serves:

1. Priority (``L``) tickets first, oldest issue time first;
2. but after ``max_priority_in_row`` priority calls in a row at that window, one normal
   ticket (when one waits) before the next priority one;
3. normal tickets by issue time (then number), whatever kiosk printed them: with leased
   blocks a number is a label, the order is the time.

A window that calls next finishes its current ticket (it becomes ``served``). The ticket
to call is locked as it is chosen (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; a ``BEGIN
IMMEDIATE`` transaction on SQLite), so two windows calling at once get two tickets.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hall.errors import Conflict, NotFound
from hall.settings import HallSettings
from hall.store.db import Database, UnitOfWork
from hall.store.models import Ticket, TicketState, Window
from hall.store.sql import insert_ignore
from sync.protocol import CalledTicket, QueueStatus, ServiceQueue

#: The service rate behind an estimate is measured over this much of the recent past.
RATE_WINDOW = timedelta(minutes=60)


def _called(ticket: Ticket) -> CalledTicket:
    return CalledTicket(
        ticket_id=ticket.id,
        number=ticket.number,
        service_code=ticket.service_code,
        priority=ticket.priority,
        state=ticket.state,  # type: ignore[arg-type]
        window=ticket.window,
        issued_at=ticket.issued_at,
        called_at=ticket.called_at,
        calls=ticket.calls,
    )


def queue_status(db: Database, hall_id: int, day: date, now: datetime) -> QueueStatus:
    with db.read() as session:
        waiting = session.execute(
            select(Ticket.service_code, Ticket.priority, func.count())
            .where(Ticket.hall_id == hall_id, Ticket.day == day)
            .where(Ticket.state == TicketState.WAITING)
            .group_by(Ticket.service_code, Ticket.priority)
        ).all()
        since = now - RATE_WINDOW
        calls = session.execute(
            select(Ticket.service_code, func.count(), func.min(Ticket.first_called_at))
            .where(Ticket.hall_id == hall_id, Ticket.day == day)
            .where(Ticket.first_called_at.is_not(None), Ticket.first_called_at >= since)
            .group_by(Ticket.service_code)
        ).all()
    counts: dict[str, list[int]] = {}
    for code, is_priority, n in waiting:
        entry = counts.setdefault(code, [0, 0])
        entry[0] += n
        if is_priority:
            entry[1] += n
    rates: dict[str, float] = {}
    for code, n, first in calls:
        if first is not None and first.tzinfo is None:
            first = first.replace(tzinfo=now.tzinfo)
        minutes = max((now - first).total_seconds() / 60.0, 5.0) if first else 60.0
        rates[code] = n / minutes
    services = []
    for code in sorted(set(counts) | set(rates)):
        total, priority_total = counts.get(code, [0, 0])
        rate = rates.get(code)
        estimate = math.ceil(total / rate) if rate else None
        services.append(
            ServiceQueue(
                service_code=code,
                waiting=total,
                priority_waiting=priority_total,
                estimate_minutes=estimate,
            )
        )
    return QueueStatus(day=day, as_of=now, services=services)


def _candidates(hall_id: int, day: date, services: list[str], priority: bool) -> Select[Ticket]:
    query: Select[Ticket] = (
        select(Ticket)
        .where(Ticket.hall_id == hall_id, Ticket.day == day)
        .where(Ticket.state == TicketState.WAITING, Ticket.priority == priority)
        .order_by(Ticket.issued_at, Ticket.number)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if services:
        query = query.where(Ticket.service_code.in_(services))
    return query


def _window(session: Session, hall_id: int, name: str) -> Window:
    insert_ignore(
        session,
        Window.__table__,  # type: ignore[arg-type]
        {"hall_id": hall_id, "name": name, "priority_in_row": 0},
        ["hall_id", "name"],
    )
    return session.scalars(
        select(Window).where(Window.hall_id == hall_id, Window.name == name).with_for_update()
    ).one()


def call_next(
    db: Database,
    hall_id: int,
    settings: HallSettings,
    day: date,
    window_name: str,
    services: list[str],
    now: datetime,
) -> CalledTicket | None:
    """Finish the window's current ticket and call the next one; None when nobody waits."""
    with db.write() as uow:
        session = uow.session
        window = _window(session, hall_id, window_name)
        for current in session.scalars(
            select(Ticket).where(
                Ticket.hall_id == hall_id,
                Ticket.window == window_name,
                Ticket.state == TicketState.CALLED,
            )
        ):
            current.state = TicketState.SERVED
            current.done_at = now
        priority_first = window.priority_in_row < settings.max_priority_in_row
        order = (True, False) if priority_first else (False, True)
        ticket = None
        for priority in order:
            ticket = session.scalars(_candidates(hall_id, day, services, priority)).first()
            if ticket is not None:
                break
        if ticket is None:
            return None
        window.priority_in_row = window.priority_in_row + 1 if ticket.priority else 0
        ticket.state = TicketState.CALLED
        ticket.window = window_name
        ticket.called_at = now
        ticket.first_called_at = ticket.first_called_at or now
        ticket.calls += 1
        _announce(uow, hall_id, ticket)
        return _called(ticket)


def _announce(uow: UnitOfWork, hall_id: int, ticket: Ticket) -> None:
    uow.notify(
        hall_id,
        "ticket.called",
        ticket_id=ticket.id,
        number=ticket.number,
        window=ticket.window,
        service_code=ticket.service_code,
    )
    uow.notify(hall_id, "queue.changed", service_code=ticket.service_code)


def _held(session: Session, hall_id: int, ticket_id: str, window: str) -> Ticket:
    ticket = session.scalars(
        select(Ticket).where(Ticket.id == ticket_id, Ticket.hall_id == hall_id).with_for_update()
    ).first()
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id} in this hall")
    if ticket.state != TicketState.CALLED or ticket.window != window:
        raise Conflict(f"ticket {ticket.number} is not called at window {window} ({ticket.state})")
    return ticket


def recall(db: Database, hall_id: int, ticket_id: str, window: str, now: datetime) -> CalledTicket:
    with db.write() as uow:
        ticket = _held(uow.session, hall_id, ticket_id, window)
        ticket.calls += 1
        ticket.called_at = now
        _announce(uow, hall_id, ticket)
        return _called(ticket)


def finish(
    db: Database, hall_id: int, ticket_id: str, window: str, state: str, now: datetime
) -> CalledTicket:
    """Mark the window's ticket ``served`` or ``skipped`` (did not come)."""
    assert state in (TicketState.SERVED, TicketState.SKIPPED)
    with db.write() as uow:
        ticket = _held(uow.session, hall_id, ticket_id, window)
        ticket.state = state
        ticket.done_at = now
        uow.notify(hall_id, "queue.changed", service_code=ticket.service_code)
        return _called(ticket)


def transfer(
    db: Database, hall_id: int, ticket_id: str, window: str, service_code: str, now: datetime
) -> CalledTicket:
    """Send the window's ticket to another service; it waits there by its issue time."""
    with db.write() as uow:
        ticket = _held(uow.session, hall_id, ticket_id, window)
        ticket.transferred_from = ticket.service_code
        ticket.service_code = service_code
        ticket.state = TicketState.WAITING
        ticket.window = None
        uow.notify(hall_id, "queue.changed", service_code=service_code)
        return _called(ticket)
