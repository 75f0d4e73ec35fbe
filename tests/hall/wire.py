"""Builders of protocol bodies for the hall tests (what a kiosk's outbox would send)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hall.settings import HallSettings

ZONE = HallSettings().zone


def hall_today() -> date:
    return datetime.now(ZONE).date()


def issued(
    number: str,
    *,
    service: str = "medical_insurance",
    priority: bool = False,
    category: str | None = None,
    kiosk: str = "k1",
    at: datetime | None = None,
    day: date | None = None,
) -> dict[str, Any]:
    """An envelope of a ``ticket.issued`` event, as kiosk.store.tickets writes it."""
    at = at or datetime.now(UTC)
    ticket_id = str(uuid.uuid4())
    return envelope(
        "ticket.issued",
        {
            "ticket_id": ticket_id,
            "number": number,
            "day": (day or hall_today()).isoformat(),
            "service_code": service,
            "priority": priority,
            "category": category,
            "reason": "roster" if priority else None,
            "kiosk_id": kiosk,
            "issued_at": at.isoformat(),
        },
        kiosk=kiosk,
        urgent=priority,
    )


def envelope(
    kind: str, payload: dict[str, Any], *, kiosk: str = "k1", urgent: bool = False
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "kiosk_id": kiosk,
        "kiosk_time": datetime.now(UTC).isoformat(),
        "urgent": urgent,
        "payload": payload,
    }


def minutes_ago(n: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=n)


CATALOGUE = {
    "version": "test-1",
    "services": [
        {
            "code": "medical_insurance",
            "prefix": "A",
            "name_zh": "医疗保险",
            "name_en": "Medical Insurance",
            "location_zh": "1-3号窗口",
            "location_en": "Windows 1-3",
            "opening_hours": [{"weekdays": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:00"}],
            "daily_quota": 300,
        },
        {
            "code": "social_security_card",
            "prefix": "B",
            "name_zh": "社会保障卡",
            "name_en": "Social Security Card",
            "location_zh": "4-5号窗口",
            "location_en": "Windows 4-5",
        },
    ],
}
