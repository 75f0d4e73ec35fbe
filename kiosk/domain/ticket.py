"""What a ticket is, independent of how it is stored, printed or shown."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

#: Letters and digits that cannot be mistaken for one another when read out or written.
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REF_LENGTH = 4


def visitor_reference(id_hash: str, day: date) -> str:
    """A short per-day reference (``K7QD``) that lets staff tell visitors apart.

    It is derived from the keyed person hash and the day, so it says nothing about the ID
    number (not even to someone holding the database: the hash is already beside it) and
    the same person gets another reference on another day. 4 symbols of 32: two given
    visitors share one with a chance of one in a million (staff also see the number).
    """
    digest = hashlib.sha256(f"{id_hash}|{day.isoformat()}".encode("ascii")).digest()
    value = int.from_bytes(digest[:4], "big")
    symbols = []
    for _ in range(REF_LENGTH):
        value, index = divmod(value, len(_REF_ALPHABET))
        symbols.append(_REF_ALPHABET[index])
    return "".join(symbols)


@dataclass(frozen=True)
class TicketRequest:
    """What the kiosk asks the store for: a ticket for one service, maybe a priority one.

    Identity is only ever the keyed hash; the masked number stays on screen (in the
    visitor's :class:`Identification`) and never comes here, so it is never stored.
    """

    service_code: str
    service_prefix: str
    priority: bool = False
    category: str | None = None
    reason: str | None = None
    id_hash: str | None = None
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
    visitor_ref: str | None = None  # see visitor_reference(); never part of the ID number
    voided: bool = False
