"""The visitor's ticket page (the QR code on the ticket): no login. Its address holds the
ticket's id, a random UUID (122 random bits) that cannot be worked out from the number.
It shows this ticket only: number, service, people ahead, estimated wait, the window
when called, and after service a rating in the five 好差评 levels, one per ticket."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from hall.api.deps import State, now, today
from hall.errors import HallError
from hall.usecases.boards import VisitorTicket, visitor_ticket
from hall.usecases.ratings import LEVELS, MAX_COMMENT, rate_ticket
from hall.web.deps import Csrf, PageError, render, see_other
from hall.web.live import event_stream, refresh_on

router = APIRouter(include_in_schema=False)

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
TicketId = Annotated[str, Path(pattern=UUID_PATTERN)]


def _ticket(app: State, ticket_id: str) -> VisitorTicket:
    moment = now()
    ticket = visitor_ticket(app.db, ticket_id, today(app, moment), moment)
    if ticket is None:
        raise PageError(404, "没有这张票 / no such ticket")
    return ticket


def _context(ticket: VisitorTicket, **extra: object) -> dict[str, object]:
    return {"t": ticket, "levels": LEVELS, "max_comment": MAX_COMMENT, **extra}


@router.get("/t/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, app: State, ticket_id: TicketId, rated: int = 0) -> Response:
    return render(request, "visitor.html", _context(_ticket(app, ticket_id), rated=rated))


@router.get("/t/{ticket_id}/card", response_class=HTMLResponse)
def ticket_card(request: Request, app: State, ticket_id: TicketId) -> Response:
    return render(request, "visitor_card.html", _context(_ticket(app, ticket_id), rated=0))


@router.post("/t/{ticket_id}/rating", dependencies=[Csrf])
def rate(
    app: State,
    ticket_id: TicketId,
    level: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=MAX_COMMENT)] = "",
) -> Response:
    try:
        stored = rate_ticket(app.db, ticket_id, level, comment, now())
    except HallError as e:
        raise PageError(e.status, e.message) from e
    return see_other(f"/t/{ticket_id}?rated={1 if stored else 2}")


@router.get("/t/{ticket_id}/events")
def ticket_events(request: Request, app: State, ticket_id: TicketId) -> Response:
    hall_id = _ticket(app, ticket_id).hall_id
    return event_stream(request, app.bus, hall_id, refresh_on("queue.changed", "ticket.called"))
