"""Event ingest: a kiosk's outbox batch, stored once per UUID and applied in one transaction.

Each event runs in a savepoint: it is inserted with ``ON CONFLICT DO NOTHING`` on its UUID
(a replay inserts nothing and is answered ``duplicate``), then applied to the queue. An
event that cannot be used (unknown kind, bad payload, unknown ticket, a number already
taken) is rolled back alone and answered ``rejected``; the rest of the batch goes in.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hall.errors import Conflict
from hall.store.db import Database, UnitOfWork
from hall.store.models import Alert, Event, KioskState, PrinterIncident, Ticket, TicketState
from hall.store.sql import insert_ignore
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
    results: list[EventResult] = []
    with db.write() as uow:
        for envelope in events:
            results.append(_one(uow, client, envelope, now))
    return results


def _one(uow: UnitOfWork, client: ClientRef, envelope: EventEnvelope, now: datetime) -> EventResult:
    try:
        payload = parse_event_payload(envelope.kind, envelope.payload)
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
        uow.notify(client.hall_id, "alert.raised", alert_id=alert.id, number=p.number)
    uow.notify(client.hall_id, "queue.changed", service_code=p.service_code)
