"""What a ticket is, independent of how it is stored, printed or shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class TicketRequest:
    """What the kiosk asks the store for: a ticket for one service, maybe a priority one.

    Identity fields are only ever the keyed hash and the masked number, never the ID.
    """

    service_code: str
    service_prefix: str
    priority: bool = False
    category: str | None = None
    reason: str | None = None
    id_hash: str | None = None
    id_masked: str | None = None
    staff: str | None = None  # set when staff identified the visitor by hand (audited)
    staff_reason: str | None = None


@dataclass(frozen=True)
class IssuedTicket:
    id: str
    number: str
    day: date
    service_code: str
    priority: bool
    issued_at: datetime
    kiosk_id: str
    waiting_ahead: int | None = None
    print_state: str = "pending"
    reprint_count: int = 0
    category: str | None = None
    reason: str | None = None
    id_masked: str | None = None
    voided: bool = False
