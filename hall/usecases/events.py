"""Event ingest: a kiosk's outbox batch, stored once per UUID and applied in one transaction.

Every event is inserted with ``INSERT ... ON CONFLICT DO NOTHING`` on its UUID (one
statement for the batch): an event whose row was there already is a replay, answered
``duplicate`` and not applied again. The new ones are applied to the queue in batch order.
An event that cannot be used (unknown kind, bad payload, unknown ticket, a number already
taken) is answered ``rejected`` and its row removed again; the rest of the batch goes in.
Checks come before writes, so a rejected event has written nothing.

Should the database still refuse a write (another worker inserted the same ticket number
between our check and our insert), the batch is rolled back and redone one event at a
time, each in its own savepoint.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

from pydantic import ValidationError
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hall.errors import Conflict
from hall.store.db import Database, StoreError, UnitOfWork
from hall.store.models import Alert, Event, KioskState, PrinterIncident, Ticket, TicketState
from hall.store.sql import insert_ignore, insert_ignore_many
from hall.usecases import ClientRef
from sync.protocol import (
    EventEnvelope,
    EventKind,
    EventResult,
    EventStatus,
    PrinterStatusPayload,
    TicketIssuedPayload,
    TicketPrintedPayload,
    TicketPrintFailedPayload,
    TicketReprintedPayload,
    TicketVoidedPayload,
    WireModel,
    parse_event_payload,
    validation_details,
)

log = logging.getLogger(__name__)


def ingest_events(
    db: Database, client: ClientRef, events: list[EventEnvelope], now: datetime
) -> list[EventResult]:
    parsed = [_parse(envelope) for envelope in events]
    try:
        with db.write() as uow:
            return _batch(uow, client, events, parsed, now)
    except StoreError as e:
        if not isinstance(e.__cause__, IntegrityError):
            raise
        log.warning(
            "event batch of %s hit a concurrent write; redoing it event by event", client.name
        )
    with db.write() as uow:
        return [
            payload
            if isinstance(payload, EventResult)
            else _one(uow, client, envelope, payload, now)
            for envelope, payload in zip(events, parsed, strict=True)
        ]


def _parse(envelope: EventEnvelope) -> WireModel | EventResult:
    try:
        return parse_event_payload(envelope.kind, envelope.payload)
    except KeyError:
        return EventResult(
            id=envelope.id,
            status=EventStatus.REJECTED,
            code=422,
            message=f"unknown event kind {envelope.kind!r}",
        )
    except ValidationError as e:
        details = [d.model_copy(update={"loc": ["payload", *d.loc]}) for d in validation_details(e)]
        return EventResult(
            id=envelope.id,
            status=EventStatus.REJECTED,
            code=422,
            message=f"payload does not fit kind {envelope.kind}",
            details=details,
        )


def _event_row(client: ClientRef, envelope: EventEnvelope, now: datetime) -> dict[str, object]:
    return {
        "id": envelope.id.lower(),
        "hall_id": client.hall_id,
        "client_id": client.id,
        "kind": envelope.kind,
        "kiosk_time": envelope.kiosk_time,
        "received_at": now,
        "payload": json.dumps(envelope.payload, ensure_ascii=False),
    }


def _batch(
    uow: UnitOfWork,
    client: ClientRef,
    events: list[EventEnvelope],
    parsed: list[WireModel | EventResult],
    now: datetime,
) -> list[EventResult]:
    session = uow.session
    rows: dict[str, dict[str, object]] = {}
    for envelope, payload in zip(events, parsed, strict=True):
        if not isinstance(payload, EventResult):
            rows.setdefault(envelope.id.lower(), _event_row(client, envelope, now))
    inserted = insert_ignore_many(session, Event.__table__, list(rows.values()), "id")  # type: ignore[arg-type]
    issued = [p for p in parsed if isinstance(p, TicketIssuedPayload)]
    known_ids = set(
        session.scalars(select(Ticket.id).where(Ticket.id.in_([p.ticket_id for p in issued])))
    ) if issued else set()  # fmt: skip
    taken: set[tuple[date, str]] = set()
    if issued:
        taken = {
            (day, number)
            for day, number in session.execute(
                select(Ticket.day, Ticket.number).where(
                    Ticket.hall_id == client.hall_id,
                    Ticket.day.in_({p.day for p in issued}),
                    Ticket.number.in_({p.number for p in issued}),
                )
            )
        }
    pending: list[TicketIssuedPayload] = []
    refused: list[str] = []
    results: list[EventResult] = []
    for envelope, payload in zip(events, parsed, strict=True):
        if isinstance(payload, EventResult):
            results.append(payload)
            continue
        key = envelope.id.lower()
        if key not in inserted:
            results.append(EventResult(id=envelope.id, status=EventStatus.DUPLICATE))
            continue
        inserted.discard(key)  # a second copy in this batch is a duplicate
        try:
            if isinstance(payload, TicketIssuedPayload):
                _check_issue(client, payload, known_ids, taken)
                known_ids.add(payload.ticket_id)
                taken.add((payload.day, payload.number))
                pending.append(payload)
            else:
                _flush_tickets(uow, client, pending, now)
                _apply(uow, client, payload, now)
        except Conflict as e:
            refused.append(key)
            results.append(
                EventResult(
                    id=envelope.id, status=EventStatus.REJECTED, code=409, message=e.message
                )
            )
            continue
        results.append(EventResult(id=envelope.id, status=EventStatus.ACCEPTED))
    _flush_tickets(uow, client, pending, now)
    if refused:
        session.execute(delete(Event).where(Event.id.in_(refused)))
    return results


def _check_issue(
    client: ClientRef,
    p: TicketIssuedPayload,
    known_ids: set[str],
    taken: set[tuple[date, str]],
) -> None:
    if p.ticket_id in known_ids:
        raise Conflict(f"ticket {p.ticket_id} was issued already (under another event id)")
    if (p.day, p.number) in taken:
        log.error("kiosk %s sent number %s on %s, already issued", client.name, p.number, p.day)
        raise Conflict(f"number {p.number} was issued already in this hall on {p.day}")


def _ticket_row(client: ClientRef, p: TicketIssuedPayload) -> dict[str, object]:
    return {
        "id": p.ticket_id,
        "hall_id": client.hall_id,
        "day": p.day,
        "number": p.number,
        "service_code": p.service_code,
        "priority": p.priority,
        "category": p.category,
        "reason": p.reason,
        "kiosk": client.name,
        "issued_at": p.issued_at,
        "state": TicketState.WAITING,
        "calls": 0,
        "printed": False,
        "print_failures": 0,
        "reprints": 0,
    }


def _flush_tickets(
    uow: UnitOfWork, client: ClientRef, pending: list[TicketIssuedPayload], now: datetime
) -> None:
    """Insert the tickets gathered so far (one statement), with their helper alerts."""
    if not pending:
        return
    session = uow.session
    session.flush()
    session.execute(insert(Ticket), [_ticket_row(client, p) for p in pending])
    priority = [p for p in pending if p.priority]
    if priority:
        session.execute(
            insert(Alert),
            [
                {"hall_id": client.hall_id, "ticket_id": p.ticket_id, "raised_at": now}
                for p in priority
            ],
        )
        for p in priority:
            uow.notify(client.hall_id, "alert.raised", ticket_id=p.ticket_id, number=p.number)
    for code in sorted({p.service_code for p in pending}):
        uow.notify(client.hall_id, "queue.changed", service_code=code)
    pending.clear()


def _one(
    uow: UnitOfWork,
    client: ClientRef,
    envelope: EventEnvelope,
    payload: WireModel,
    now: datetime,
) -> EventResult:
    """The careful path: one event in its own savepoint."""
    session = uow.session
    savepoint = session.begin_nested()
    try:
        inserted = insert_ignore(
            session,
            Event.__table__,  # type: ignore[arg-type]
            {
                "id": envelope.id.lower(),
                "hall_id": client.hall_id,
                "client_id": client.id,
                "kind": envelope.kind,
                "kiosk_time": envelope.kiosk_time,
                "received_at": now,
                "payload": json.dumps(envelope.payload, ensure_ascii=False),
            },
            ["id"],
        )
        if not inserted:
            savepoint.commit()
            return EventResult(id=envelope.id, status=EventStatus.DUPLICATE)
        _apply(uow, client, payload, now)
        savepoint.commit()
    except Conflict as e:
        savepoint.rollback()
        return EventResult(id=envelope.id, status=EventStatus.REJECTED, code=409, message=e.message)
    return EventResult(id=envelope.id, status=EventStatus.ACCEPTED)


def _ticket(session: Session, client: ClientRef, ticket_id: str) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.hall_id != client.hall_id:
        raise Conflict(f"no ticket {ticket_id} in this hall (send its ticket.issued first)")
    return ticket


def _apply(uow: UnitOfWork, client: ClientRef, payload: WireModel, now: datetime) -> None:
    session = uow.session
    if isinstance(payload, TicketIssuedPayload):
        _issued(uow, client, payload, now)
    elif isinstance(payload, TicketPrintedPayload):
        _ticket(session, client, payload.ticket_id).printed = True
    elif isinstance(payload, TicketPrintFailedPayload):
        _ticket(session, client, payload.ticket_id).print_failures += 1
    elif isinstance(payload, TicketReprintedPayload):
        ticket = _ticket(session, client, payload.ticket_id)
        ticket.reprints = max(ticket.reprints + 1, payload.reprint_count)
    elif isinstance(payload, TicketVoidedPayload):
        ticket = _ticket(session, client, payload.ticket_id)
        if ticket.state in (TicketState.WAITING, TicketState.CALLED):
            ticket.state = TicketState.VOIDED
            ticket.done_at = payload.voided_at
            uow.notify(client.hall_id, "queue.changed", service_code=ticket.service_code)
    elif isinstance(payload, PrinterStatusPayload):
        session.add(
            PrinterIncident(
                hall_id=client.hall_id, client_id=client.id, status=payload.status, at=now
            )
        )
        state = session.get(KioskState, client.id)
        if state is not None:
            state.printer = payload.status
        uow.notify(
            client.hall_id, EventKind.PRINTER_STATUS, kiosk=client.name, status=payload.status
        )
    else:  # pragma: no cover - parse_event_payload only returns the kinds above
        raise AssertionError(type(payload))


def _issued(uow: UnitOfWork, client: ClientRef, p: TicketIssuedPayload, now: datetime) -> None:
    session = uow.session
    if session.get(Ticket, p.ticket_id) is not None:
        raise Conflict(f"ticket {p.ticket_id} was issued already (under another event id)")
    taken = session.scalar(
        select(Ticket.id).where(
            Ticket.hall_id == client.hall_id, Ticket.day == p.day, Ticket.number == p.number
        )
    )
    if taken is not None:
        log.error("kiosk %s sent number %s on %s, already issued", client.name, p.number, p.day)
        raise Conflict(f"number {p.number} was issued already in this hall on {p.day}")
    ticket = Ticket(
        id=p.ticket_id,
        hall_id=client.hall_id,
        day=p.day,
        number=p.number,
        service_code=p.service_code,
        priority=p.priority,
        category=p.category,
        reason=p.reason,
        kiosk=client.name,
        issued_at=p.issued_at,
        state=TicketState.WAITING,
        calls=0,
        printed=False,
        print_failures=0,
        reprints=0,
    )
    session.add(ticket)
    session.flush()
    if p.priority:
        alert = Alert(hall_id=client.hall_id, ticket_id=ticket.id, raised_at=now)
        session.add(alert)
        session.flush()
        uow.notify(client.hall_id, "alert.raised", ticket_id=ticket.id, number=p.number)
    uow.notify(client.hall_id, "queue.changed", service_code=p.service_code)
