"""Number leases: blocks of ticket numbers per prefix per day, never overlapping.

The hall keeps one counter row per (hall, day, prefix). A lease locks that row (``SELECT
... FOR UPDATE`` on PostgreSQL; on SQLite the whole write transaction is ``BEGIN
IMMEDIATE``), takes ``count`` numbers from it and records who has them, in one
transaction: two kiosks, two workers or two hosts can never be handed the same number.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from hall.store.db import Database
from hall.store.models import Lease, NumberCounter
from hall.store.sql import insert_ignore
from hall.usecases import ClientRef
from sync.protocol import LeaseRequest, LeaseResponse


def lease_numbers(
    db: Database, client: ClientRef, request: LeaseRequest, now: datetime
) -> LeaseResponse:
    with db.write() as uow:
        session = uow.session
        insert_ignore(
            session,
            NumberCounter.__table__,  # type: ignore[arg-type]
            {"hall_id": client.hall_id, "day": request.day, "prefix": request.prefix, "next": 1},
            ["hall_id", "day", "prefix"],
        )
        counter = session.scalars(
            select(NumberCounter)
            .where(
                NumberCounter.hall_id == client.hall_id,
                NumberCounter.day == request.day,
                NumberCounter.prefix == request.prefix,
            )
            .with_for_update()
        ).one()
        start = counter.next
        end = start + request.count - 1
        counter.next = end + 1
        lease = Lease(
            hall_id=client.hall_id,
            client_id=client.id,
            day=request.day,
            prefix=request.prefix,
            start=start,
            end=end,
            leased_at=now,
        )
        session.add(lease)
        session.flush()
        return LeaseResponse(
            lease_id=lease.id,
            day=request.day,
            prefix=request.prefix,
            start=start,
            end=end,
            source=f"hall:{client.hall_name[:40]}:lease:{lease.id}",
        )
