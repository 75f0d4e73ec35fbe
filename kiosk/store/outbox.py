"""Events for the hall server that are not tickets (device status, ...).

Ticket events are written with the ticket itself (kiosk.store.tickets.issue_ticket).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from kiosk.domain.clock import Clock
from kiosk.store.db import Database
from kiosk.store.models import OutboxEvent

#: A visitor pressed Help (urgent: the hall's helper page shows it at once).
HELP_REQUESTED = "kiosk.help_requested"
#: A staff member answered it at the kiosk's panel.
HELP_ANSWERED = "kiosk.help_answered"


def add_event(
    db: Database, clock: Clock, kind: str, payload: dict[str, Any], *, urgent: bool = False
) -> str:
    event_id = str(uuid.uuid4())
    with db.write() as session:
        session.add(
            OutboxEvent(
                id=event_id,
                kind=kind,
                payload=json.dumps(payload, ensure_ascii=False),
                urgent=urgent,
                created_at=clock.now(),
                attempts=0,
            )
        )
    return event_id


def unsent_count(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).where(OutboxEvent.sent_at.is_(None))) or 0


@dataclass(frozen=True)
class HelpRequest:
    id: str
    at: datetime
    screen: str


def open_help_requests(db: Database, since: datetime) -> list[HelpRequest]:
    """Help requests raised since ``since`` that no staff member has answered yet."""
    with db.read() as session:
        rows = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.kind.in_((HELP_REQUESTED, HELP_ANSWERED)))
            .where(OutboxEvent.created_at >= since)
            .order_by(OutboxEvent.created_at)
        ).all()
    answered = {
        json.loads(row.payload).get("request_id") for row in rows if row.kind == HELP_ANSWERED
    }
    return [
        HelpRequest(row.id, row.created_at, json.loads(row.payload).get("screen", ""))
        for row in rows
        if row.kind == HELP_REQUESTED and row.id not in answered
    ]
