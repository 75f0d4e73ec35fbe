"""The queue and the counter: waiting counts, estimates, call next, recall, skip,
transfer, served."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from hall.api.deps import AnyClient, Counter, State, now, today
from hall.store.models import TicketState
from hall.usecases import queue
from sync.protocol import (
    CalledTicket,
    CallNextRequest,
    QueueStatus,
    TransferRequest,
    WindowAction,
)

router = APIRouter(tags=["queue"])

TicketId = Annotated[str, Path(max_length=36, pattern=r"^[0-9a-fA-F-]{36}$")]


@router.get("/queue", response_model=QueueStatus)
def get_queue(app: State, client: AnyClient) -> QueueStatus:
    moment = now()
    return queue.queue_status(app.db, client.hall_id, today(app, moment), moment)


@router.post(
    "/counter/call-next",
    response_model=CalledTicket,
    responses={204: {"description": "Nobody is waiting for these services"}},
)
def call_next(body: CallNextRequest, app: State, client: Counter) -> CalledTicket | Response:
    """Finish this window's current ticket and call the next one (L first; see docs)."""
    moment = now()
    called = queue.call_next(
        app.db,
        client.hall_id,
        app.settings,
        today(app, moment),
        body.window,
        body.services,
        moment,
    )
    return Response(status_code=204) if called is None else called


@router.post("/counter/tickets/{ticket_id}/recall", response_model=CalledTicket)
def recall(ticket_id: TicketId, body: WindowAction, app: State, client: Counter) -> CalledTicket:
    return queue.recall(app.db, client.hall_id, ticket_id, body.window, now())


@router.post("/counter/tickets/{ticket_id}/skip", response_model=CalledTicket)
def skip(ticket_id: TicketId, body: WindowAction, app: State, client: Counter) -> CalledTicket:
    return queue.finish(app.db, client.hall_id, ticket_id, body.window, TicketState.SKIPPED, now())


@router.post("/counter/tickets/{ticket_id}/served", response_model=CalledTicket)
def served(ticket_id: TicketId, body: WindowAction, app: State, client: Counter) -> CalledTicket:
    return queue.finish(app.db, client.hall_id, ticket_id, body.window, TicketState.SERVED, now())


@router.post("/counter/tickets/{ticket_id}/transfer", response_model=CalledTicket)
def transfer(
    ticket_id: TicketId, body: TransferRequest, app: State, client: Counter
) -> CalledTicket:
    return queue.transfer(app.db, client.hall_id, ticket_id, body.window, body.service_code, now())
