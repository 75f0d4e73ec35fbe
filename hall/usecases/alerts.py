"""Helper alerts: every priority ticket is an alert until a helper acknowledges it;
one left unacknowledged longer than ``alert_escalate_after_s`` is escalated."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from hall.errors import Conflict, NotFound
from hall.settings import HallSettings
from hall.store.db import Database
from hall.store.models import Alert, Ticket
from roster.categories import Category
from sync.protocol import Alert as AlertOut


def category_words(category: str | None) -> str:
    if category is None:
        return "未注明 (not given)"
    try:
        known = Category(category)
    except ValueError:
        return category
    return f"{known.name_zh} ({known.value.replace('_', ' ')})"


def _out(alert: Alert, ticket: Ticket, escalate_after: timedelta, now: datetime) -> AlertOut:
    return AlertOut(
        id=alert.id,
        ticket_id=ticket.id,
        number=ticket.number,
        service_code=ticket.service_code,
        kiosk_id=ticket.kiosk,
        issued_at=ticket.issued_at,
        category=ticket.category,
        category_words=category_words(ticket.category),
        raised_at=alert.raised_at,
        acked_at=alert.acked_at,
        acked_by=alert.acked_by,
        escalated=alert.acked_at is None and now - alert.raised_at > escalate_after,
    )


def list_alerts(
    db: Database, hall_id: int, settings: HallSettings, now: datetime, *, open_only: bool
) -> list[AlertOut]:
    escalate_after = timedelta(seconds=settings.alert_escalate_after_s)
    with db.read() as session:
        query = (
            select(Alert, Ticket)
            .join(Ticket, Ticket.id == Alert.ticket_id)
            .where(Alert.hall_id == hall_id)
            .order_by(Alert.raised_at, Alert.id)
        )
        if open_only:
            query = query.where(Alert.acked_at.is_(None))
        return [_out(a, t, escalate_after, now) for a, t in session.execute(query).all()]


def ack_alert(
    db: Database, hall_id: int, alert_id: int, helper: str, settings: HallSettings, now: datetime
) -> AlertOut:
    with db.write() as uow:
        alert = uow.session.scalars(
            select(Alert).where(Alert.id == alert_id, Alert.hall_id == hall_id).with_for_update()
        ).first()
        if alert is None:
            raise NotFound(f"no alert {alert_id} in this hall")
        if alert.acked_at is not None and alert.acked_by != helper:
            raise Conflict(f"alert {alert_id} was taken by {alert.acked_by} already")
        if alert.acked_at is None:
            alert.acked_at = now
            alert.acked_by = helper
            uow.notify(hall_id, "alert.acked", alert_id=alert.id, helper=helper)
        ticket = uow.session.get(Ticket, alert.ticket_id)
        assert ticket is not None
        return _out(alert, ticket, timedelta(seconds=settings.alert_escalate_after_s), now)
