"""Ticket allocation and bookkeeping.

``issue_ticket`` draws the next number and records the ticket and its outbox event in one
``BEGIN IMMEDIATE`` transaction, before anything is printed: once it returns, the number
is durably used and will never be handed out again, whatever happens to the printer.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from kiosk.domain.clock import Clock, business_day
from kiosk.domain.numbering import format_number, ticket_prefix
from kiosk.domain.ticket import IssuedTicket, TicketRequest, visitor_reference
from kiosk.store.db import Database, StoreError
from kiosk.store.models import NumberBlock, OutboxEvent, PrintState, StaffAudit, Ticket
from kiosk.store.print_journal import PrintJournal


class NumbersExhausted(StoreError):
    """No number block is open for this prefix today and this kiosk may not open one."""


def draw_number(session: Session, day: date, prefix: str, *, open_local_blocks: bool) -> int:
    """Take the next number for ``prefix`` on ``day`` inside the caller's write transaction.

    Without ``open_local_blocks`` (a kiosk of a hall server) only leased, bounded blocks
    count: an unbounded local block left from stand-alone days would collide with them."""
    usable = (
        or_(NumberBlock.end.is_(None), NumberBlock.next <= NumberBlock.end)
        if open_local_blocks
        else NumberBlock.next <= NumberBlock.end
    )
    block = session.scalars(
        select(NumberBlock)
        .where(NumberBlock.day == day, NumberBlock.prefix == prefix, usable)
        .order_by(NumberBlock.start)
        .limit(1)
    ).first()
    if block is None:
        if not open_local_blocks:
            raise NumbersExhausted(f"no numbers left for prefix {prefix} on {day}")
        highest = session.scalar(
            select(func.max(Ticket.seq)).where(Ticket.day == day, Ticket.prefix == prefix)
        )
        start = (highest or 0) + 1
        block = NumberBlock(day=day, prefix=prefix, start=start, end=None, next=start)
        session.add(block)
    value = block.next
    block.next = value + 1
    return value


def _to_issued(ticket: Ticket) -> IssuedTicket:
    return IssuedTicket(
        id=ticket.id,
        number=ticket.number,
        day=ticket.day,
        service_code=ticket.service_code,
        priority=ticket.priority,
        issued_at=ticket.issued_at,
        kiosk_id=ticket.kiosk_id,
        waiting_ahead=ticket.waiting_ahead,
        print_state=ticket.print_state,
        reprint_count=ticket.reprint_count,
        category=ticket.category,
        reason=ticket.reason,
        visitor_ref=ticket.visitor_ref,
        voided=ticket.voided_at is not None,
    )


def issue_ticket(
    db: Database,
    clock: Clock,
    request: TicketRequest,
    *,
    kiosk_id: str,
    number_width: int = 3,
    open_local_blocks: bool = True,
) -> IssuedTicket:
    now = clock.now()
    day = business_day(now)
    prefix = ticket_prefix(request.service_prefix, request.priority)
    ref = visitor_reference(request.id_hash, day) if request.id_hash else None
    with db.write() as session:
        seq = draw_number(session, day, prefix, open_local_blocks=open_local_blocks)
        ticket = Ticket(
            id=str(uuid.uuid4()),
            day=day,
            prefix=prefix,
            seq=seq,
            number=format_number(prefix, seq, number_width),
            service_code=request.service_code,
            priority=request.priority,
            kiosk_id=kiosk_id,
            issued_at=now,
            print_state=PrintState.PENDING,
            reprint_count=0,
            category=request.category,
            reason=request.reason,
            id_hash=request.id_hash,
            visitor_ref=ref,
        )
        session.add(ticket)
        session.flush()
        session.add(
            OutboxEvent(
                id=str(uuid.uuid4()),
                kind="ticket.issued",
                ticket_id=ticket.id,
                payload=json.dumps(
                    {
                        "ticket_id": ticket.id,
                        "number": ticket.number,
                        "day": day.isoformat(),
                        "service_code": ticket.service_code,
                        "priority": ticket.priority,
                        "category": ticket.category,
                        "reason": ticket.reason,
                        "kiosk_id": kiosk_id,
                        "issued_at": now.isoformat(),
                    },
                    ensure_ascii=False,
                ),
                urgent=request.priority,
                created_at=now,
                attempts=0,
            )
        )
        if request.staff:
            session.add(
                StaffAudit(
                    at=now,
                    staff=request.staff[:64],
                    action="manual_priority",
                    reason=(request.staff_reason or "")[:200],
                    ticket_id=ticket.id,
                    visitor_ref=ref,
                )
            )
        return _to_issued(ticket)


def mark_printed(
    db: Database, clock: Clock, ticket_id: str, *, at: datetime | None = None, wait: bool = True
) -> None:
    """Record that the ticket is on paper (``at``: when it came out; default now).

    ``wait=False``: raise ``StoreError`` at once if the database is locked.
    """
    printed_at = at or clock.now()
    with db.write(wait=wait) as session:
        changed = session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.print_state != PrintState.PRINTED)
            .values(print_state=PrintState.PRINTED, print_error=None, printed_at=printed_at)
        )
        if _rows(changed):
            _ticket_event(
                session, "ticket.printed", ticket_id, printed_at,
                {"printed_at": printed_at.isoformat()},
            )  # fmt: skip


def mark_print_failed(db: Database, ticket_id: str, error: str) -> None:
    with db.write() as session:
        changed = session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(print_state=PrintState.FAILED, print_error=error[:200])
        )
        if _rows(changed):
            _ticket_event(
                session, "ticket.print_failed", ticket_id, datetime.now(UTC),
                {"error": error[:200]},
            )  # fmt: skip


def count_reprint(db: Database, ticket_id: str) -> IssuedTicket:
    with db.write() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise StoreError(f"no ticket {ticket_id}")
        ticket.reprint_count += 1
        _ticket_event(
            session, "ticket.reprinted", ticket_id, datetime.now(UTC),
            {"reprint_count": ticket.reprint_count},
        )  # fmt: skip
        return _to_issued(ticket)


def void_ticket(db: Database, clock: Clock, ticket_id: str) -> None:
    now = clock.now()
    with db.write() as session:
        changed = session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.voided_at.is_(None))
            .values(voided_at=now)
        )
        if _rows(changed):
            _ticket_event(session, "ticket.voided", ticket_id, now, {"voided_at": now.isoformat()})


def _rows(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _ticket_event(
    session: Session, kind: str, ticket_id: str, at: datetime, payload: dict[str, object]
) -> None:
    """What happened to a ticket after it was issued, for the hall server (print failures
    and reprints go into its day report), in the same transaction as the change."""
    session.add(
        OutboxEvent(
            id=str(uuid.uuid4()),
            kind=kind,
            ticket_id=ticket_id,
            payload=json.dumps({"ticket_id": ticket_id, **payload}, ensure_ascii=False),
            urgent=False,
            created_at=at,
            attempts=0,
        )
    )


def get_ticket(db: Database, ticket_id: str) -> IssuedTicket | None:
    with db.read() as session:
        ticket = session.get(Ticket, ticket_id)
        return None if ticket is None else _to_issued(ticket)


def recent_tickets(db: Database, day: date, limit: int = 20) -> list[IssuedTicket]:
    with db.read() as session:
        rows = session.scalars(
            select(Ticket).where(Ticket.day == day).order_by(Ticket.issued_at.desc()).limit(limit)
        )
        return [_to_issued(t) for t in rows]


def counts_by_service(db: Database, day: date) -> Counter[str]:
    with db.read() as session:
        rows = session.execute(
            select(Ticket.service_code, func.count())
            .where(Ticket.day == day, Ticket.voided_at.is_(None))
            .group_by(Ticket.service_code)
        )
        return Counter({code: n for code, n in rows})


def open_priority_ticket(
    db: Database, day: date, id_hash: str, service_code: str
) -> IssuedTicket | None:
    """This person's priority ticket for this service today, if it is still open."""
    with db.read() as session:
        ticket = session.scalars(
            select(Ticket)
            .where(
                Ticket.day == day,
                Ticket.id_hash == id_hash,
                Ticket.service_code == service_code,
                Ticket.priority.is_(True),
                Ticket.voided_at.is_(None),
            )
            .order_by(Ticket.issued_at.desc())
            .limit(1)
        ).first()
        return None if ticket is None else _to_issued(ticket)


def priority_tickets_today(db: Database, day: date, id_hash: str) -> int:
    with db.read() as session:
        return (
            session.scalar(
                select(func.count()).where(
                    Ticket.day == day,
                    Ticket.id_hash == id_hash,
                    Ticket.priority.is_(True),
                    Ticket.voided_at.is_(None),
                )
            )
            or 0
        )


def record_staff_action(
    db: Database,
    clock: Clock,
    *,
    staff: str,
    action: str,
    reason: str,
    ticket_id: str | None = None,
    visitor_ref: str | None = None,
) -> None:
    with db.write() as session:
        session.add(
            StaffAudit(
                at=clock.now(),
                staff=staff[:64],
                action=action,
                reason=reason[:200],
                ticket_id=ticket_id,
                visitor_ref=visitor_ref,
            )
        )


def counts_by_category(db: Database, day: date) -> Counter[str]:
    with db.read() as session:
        rows = session.execute(
            select(Ticket.category, func.count())
            .where(Ticket.day == day, Ticket.priority.is_(True), Ticket.voided_at.is_(None))
            .group_by(Ticket.category)
        )
        return Counter({category or "unknown": n for category, n in rows})


@dataclass(frozen=True)
class PrintRecovery:
    printed: list[str]  # numbers on paper (the journal says so) now marked printed
    failed: list[str]  # numbers cut off mid-print, now marked for a staff reprint


def recover_interrupted_prints(db: Database, journal: PrintJournal) -> PrintRecovery:
    """At start-up, settle every ticket left marked as printing.

    A ticket the printed journal names came out of the printer before the kiosk stopped
    (only ``mark_printed`` was missing): it is marked printed, never sent for a reprint.
    The others were cut off between allocation and the end of printing (crash, power
    cut): they are marked not printed so staff can reprint them.
    """
    on_paper = journal.entries()
    with db.write() as session:
        rows = session.scalars(
            select(Ticket).where(
                or_(Ticket.print_state == PrintState.PENDING, Ticket.id.in_(list(on_paper)))
            )
        ).all()
        printed, failed = [], []
        for ticket in rows:
            if ticket.id in on_paper:
                if ticket.print_state != PrintState.PRINTED:
                    ticket.print_state = PrintState.PRINTED
                    ticket.print_error = None
                    ticket.printed_at = on_paper[ticket.id]
                    printed.append(ticket.number)
                    _ticket_event(
                        session, "ticket.printed", ticket.id, on_paper[ticket.id],
                        {"printed_at": on_paper[ticket.id].isoformat()},
                    )  # fmt: skip
            else:
                ticket.print_state = PrintState.FAILED
                ticket.print_error = "kiosk stopped before the print finished"
                failed.append(ticket.number)
                _ticket_event(
                    session, "ticket.print_failed", ticket.id, datetime.now(UTC),
                    {"error": ticket.print_error},
                )  # fmt: skip
    journal.clear()
    return PrintRecovery(printed, failed)
