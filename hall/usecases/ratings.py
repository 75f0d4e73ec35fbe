"""Visitors' ratings in the five levels of the national 好差评 scheme, one per ticket."""

from __future__ import annotations

from datetime import datetime

from hall.errors import Conflict, Invalid, NotFound
from hall.store.db import Database
from hall.store.models import Ticket, TicketState
from hall.store.page_models import Rating
from hall.store.sql import insert_ignore

#: Level -> (Chinese, English), best first, as the 好差评 scheme names them.
LEVELS: dict[int, tuple[str, str]] = {
    5: ("非常满意", "Very satisfied"),
    4: ("满意", "Satisfied"),
    3: ("基本满意", "Fairly satisfied"),
    2: ("不满意", "Dissatisfied"),
    1: ("非常不满意", "Very dissatisfied"),
}
MAX_COMMENT = 500


def rate_ticket(db: Database, ticket_id: str, level: int, comment: str, now: datetime) -> bool:
    """Store the rating of a served ticket. True: stored; False: it was rated already
    (the first rating stays)."""
    if level not in LEVELS:
        raise Invalid("a rating is a level from 1 to 5")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid(f"a comment has at most {MAX_COMMENT} characters")
    with db.write() as uow:
        ticket = uow.session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound("no such ticket")
        if ticket.state != TicketState.SERVED:
            raise Conflict("a ticket can be rated once it has been served")
        stored = insert_ignore(
            uow.session,
            Rating.__table__,  # type: ignore[arg-type]
            {
                "ticket_id": ticket.id,
                "hall_id": ticket.hall_id,
                "level": level,
                "comment": comment,
                "rated_at": now,
            },
            ["ticket_id"],
        )
        if stored:
            uow.notify(ticket.hall_id, "ticket.rated", level=level)
        return stored
