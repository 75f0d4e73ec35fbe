"""Events for the hall server that are not tickets (device status, ...).

Ticket events are written with the ticket itself (kiosk.store.tickets.issue_ticket).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, select

from kiosk.domain.clock import Clock
from kiosk.store.db import Database
from kiosk.store.models import OutboxEvent


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
