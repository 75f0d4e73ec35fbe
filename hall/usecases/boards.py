"""What the hall pages show, read in one transaction each: the display board, the
counter's desk, the visitor's own ticket. Nothing here writes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hall.errors import NotFound
from hall.store.db import Database
from hall.store.models import Ticket, TicketState
from hall.store.page_models import Rating
from hall.usecases.alerts import category_words
from hall.usecases.halls import get_catalogue
from hall.usecases.queue import queue_status

RECENT_CALLS = 8
DESK_QUEUE = 60


@dataclass(frozen=True)
class ServiceName:
    code: str
    zh: str
    en: str


def service_names(db: Database, hall_id: int) -> dict[str, ServiceName]:
    """The catalogue's names by service code; empty when the hall has no catalogue."""
    try:
        catalogue, _ = get_catalogue(db, hall_id)
    except NotFound:
        return {}
    return {s.code: ServiceName(s.code, s.name_zh, s.name_en) for s in catalogue.services}


def _name(names: dict[str, ServiceName], code: str) -> ServiceName:
    return names.get(code) or ServiceName(code, code, code)


@dataclass(frozen=True)
class Call:
    number: str
    window: str
    service: ServiceName
    called_at: datetime


@dataclass(frozen=True)
class Waiting:
    service: ServiceName
    waiting: int
    priority_waiting: int
    estimate_minutes: int | None


@dataclass
class Board:
    now_serving: list[Call] = field(default_factory=list)
    recent: list[Call] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)


def _waiting(db: Database, hall_id: int, day: date, now: datetime) -> list[Waiting]:
    names = service_names(db, hall_id)
    status = {s.service_code: s for s in queue_status(db, hall_id, day, now).services}
    codes = list(names) + [c for c in status if c not in names]
    rows = []
    for code in codes:
        s = status.get(code)
        rows.append(
            Waiting(
                _name(names, code),
                s.waiting if s else 0,
                s.priority_waiting if s else 0,
                s.estimate_minutes if s else None,
            )
        )
    return rows


def display_board(db: Database, hall_id: int, day: date, now: datetime) -> Board:
    names = service_names(db, hall_id)
    with db.read() as session:
        called = session.scalars(
            select(Ticket)
            .where(Ticket.hall_id == hall_id, Ticket.day == day)
            .where(Ticket.called_at.is_not(None), Ticket.window.is_not(None))
            .order_by(Ticket.called_at.desc())
            .limit(RECENT_CALLS * 3)
        ).all()
    board = Board(waiting=_waiting(db, hall_id, day, now))
    windows: set[str] = set()
    for t in called:
        assert t.window is not None and t.called_at is not None
        call = Call(t.number, t.window, _name(names, t.service_code), t.called_at)
        if t.state == TicketState.CALLED and t.window not in windows:
            windows.add(t.window)
            board.now_serving.append(call)
        if len(board.recent) < RECENT_CALLS:
            board.recent.append(call)
    return board


@dataclass(frozen=True)
class DeskTicket:
    id: str
    number: str
    service: ServiceName
    priority: bool
    category_words: str | None
    kiosk: str
    issued_at: datetime
    calls: int


@dataclass
class Desk:
    current: DeskTicket | None
    queue: list[DeskTicket]
    waiting_total: int
    services: list[ServiceName]


def _desk_ticket(t: Ticket, names: dict[str, ServiceName]) -> DeskTicket:
    return DeskTicket(
        t.id,
        t.number,
        _name(names, t.service_code),
        t.priority,
        category_words(t.category) if t.priority else None,
        t.kiosk,
        t.issued_at,
        t.calls,
    )


def counter_desk(
    db: Database, hall_id: int, day: date, window: str, services: tuple[str, ...]
) -> Desk:
    """The window's current ticket and the queue it calls from (call order: L first)."""
    names = service_names(db, hall_id)
    with db.read() as session:
        current = session.scalars(
            select(Ticket).where(
                Ticket.hall_id == hall_id,
                Ticket.window == window,
                Ticket.state == TicketState.CALLED,
            )
        ).first()
        query = select(Ticket).where(
            Ticket.hall_id == hall_id, Ticket.day == day, Ticket.state == TicketState.WAITING
        )
        count = select(func.count()).select_from(Ticket)
        count = count.where(
            Ticket.hall_id == hall_id, Ticket.day == day, Ticket.state == TicketState.WAITING
        )
        if services:
            query = query.where(Ticket.service_code.in_(services))
            count = count.where(Ticket.service_code.in_(services))
        waiting = session.scalars(
            query.order_by(Ticket.priority.desc(), Ticket.issued_at, Ticket.number).limit(
                DESK_QUEUE
            )
        ).all()
        total = int(session.scalar(count) or 0)
    return Desk(
        _desk_ticket(current, names) if current is not None else None,
        [_desk_ticket(t, names) for t in waiting],
        total,
        list(names.values()),
    )


@dataclass(frozen=True)
class VisitorTicket:
    """One visitor's own ticket: nothing about any other ticket but a count."""

    id: str
    hall_id: int
    number: str
    day: date
    service: ServiceName
    state: str
    priority: bool
    window: str | None
    ahead: int
    estimate_minutes: int | None
    rating: int | None
    today: bool


def _ahead(session: Session, t: Ticket) -> int:
    before = Ticket.issued_at < t.issued_at
    query = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.hall_id == t.hall_id, Ticket.day == t.day)
        .where(Ticket.service_code == t.service_code, Ticket.state == TicketState.WAITING)
        .where(Ticket.id != t.id)
    )
    if t.priority:
        query = query.where(Ticket.priority.is_(True), before)
    else:
        query = query.where(or_(Ticket.priority.is_(True), before))
    return int(session.scalar(query) or 0)


def visitor_ticket(db: Database, ticket_id: str, day: date, now: datetime) -> VisitorTicket | None:
    with db.read() as session:
        t = session.get(Ticket, ticket_id)
        if t is None:
            return None
        ahead = _ahead(session, t) if t.state == TicketState.WAITING else 0
        rating = session.scalar(select(Rating.level).where(Rating.ticket_id == t.id))
    names = service_names(db, t.hall_id)
    estimate = None
    if t.state == TicketState.WAITING and t.day == day:
        for s in queue_status(db, t.hall_id, day, now).services:
            if s.service_code == t.service_code and s.estimate_minutes is not None and s.waiting:
                estimate = math.ceil(s.estimate_minutes * (ahead + 1) / s.waiting)
    return VisitorTicket(
        t.id,
        t.hall_id,
        t.number,
        t.day,
        _name(names, t.service_code),
        t.state,
        t.priority,
        t.window,
        ahead,
        estimate,
        rating,
        t.day == day,
    )
