"""The counter's page: pick the window once per session, then call next, recall, skip,
transfer and mark served; the current ticket and the window's queue update live."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from hall.api.deps import State, now, today
from hall.errors import HallError
from hall.store.models import TicketState
from hall.usecases import queue
from hall.usecases.alerts import list_alerts
from hall.usecases.boards import counter_desk, service_names
from hall.usecases.users import Staff, set_window
from hall.web.deps import CounterStaff, Csrf, PageError, render, see_other
from hall.web.live import event_stream, refresh_on

router = APIRouter(include_in_schema=False)

TicketField = Annotated[str, Form(max_length=36, pattern=r"^[0-9a-fA-F-]{36}$")]


def _hall(staff: Staff) -> int:
    if staff.hall_id is None:
        raise PageError(400, "此账号不属于任何大厅 / this account belongs to no hall")
    return staff.hall_id


def _desk_context(app: State, staff: Staff) -> dict[str, object]:
    hall_id = _hall(staff)
    assert staff.window is not None
    moment = now()
    desk = counter_desk(app.db, hall_id, today(app, moment), staff.window, staff.services)
    escalated = [
        a for a in list_alerts(app.db, hall_id, app.settings, moment, open_only=True)
        if a.escalated
    ]  # fmt: skip
    return {"staff": staff, "desk": desk, "escalated": escalated}


@router.get("/counter", response_class=HTMLResponse)
def counter_page(request: Request, app: State, staff: CounterStaff) -> Response:
    if staff.window is None:
        names = service_names(app.db, _hall(staff))
        return render(request, "counter_setup.html", {"staff": staff, "services": names.values()})
    return render(request, "counter.html", _desk_context(app, staff))


@router.get("/counter/desk", response_class=HTMLResponse)
def counter_desk_part(request: Request, app: State, staff: CounterStaff) -> Response:
    if staff.window is None:
        return see_other("/counter")
    return render(request, "counter_desk.html", _desk_context(app, staff))


@router.post("/counter/window", dependencies=[Csrf])
async def choose_window(request: Request, app: State, staff: CounterStaff) -> Response:
    form = await request.form()
    window = str(form.get("window", ""))[:64]
    services = [str(s)[:32] for s in form.getlist("services")][:64]
    try:
        set_window(app.db, staff.session_hash, window, services)
    except HallError as e:
        raise PageError(e.status, e.message) from e
    return see_other("/counter")


def _act(staff: Staff, action: str, app: State, ticket_id: str, service: str = "") -> None:
    hall_id = _hall(staff)
    window = staff.window
    if window is None:
        raise PageError(409, "请先选择窗口 / choose the window first")
    moment = now()
    try:
        if action == "call-next":
            queue.call_next(
                app.db, hall_id, app.settings, today(app, moment), window,
                list(staff.services), moment,
            )  # fmt: skip
        elif action == "recall":
            queue.recall(app.db, hall_id, ticket_id, window, moment)
        elif action == "skip":
            queue.finish(app.db, hall_id, ticket_id, window, TicketState.SKIPPED, moment)
        elif action == "served":
            queue.finish(app.db, hall_id, ticket_id, window, TicketState.SERVED, moment)
        elif action == "transfer":
            if service not in service_names(app.db, hall_id):
                raise PageError(422, "没有这项业务 / no such service")
            queue.transfer(app.db, hall_id, ticket_id, window, service, moment)
    except HallError as e:
        raise PageError(e.status, e.message) from e


@router.post("/counter/call-next", dependencies=[Csrf])
def call_next(app: State, staff: CounterStaff) -> Response:
    _act(staff, "call-next", app, "")
    return see_other("/counter")


@router.post("/counter/recall", dependencies=[Csrf])
def recall(app: State, staff: CounterStaff, ticket_id: TicketField) -> Response:
    _act(staff, "recall", app, ticket_id)
    return see_other("/counter")


@router.post("/counter/skip", dependencies=[Csrf])
def skip(app: State, staff: CounterStaff, ticket_id: TicketField) -> Response:
    _act(staff, "skip", app, ticket_id)
    return see_other("/counter")


@router.post("/counter/served", dependencies=[Csrf])
def served(app: State, staff: CounterStaff, ticket_id: TicketField) -> Response:
    _act(staff, "served", app, ticket_id)
    return see_other("/counter")


@router.post("/counter/transfer", dependencies=[Csrf])
def transfer(
    app: State,
    staff: CounterStaff,
    ticket_id: TicketField,
    service: Annotated[str, Form(max_length=32)],
) -> Response:
    _act(staff, "transfer", app, ticket_id, service)
    return see_other("/counter")


@router.get("/counter/events")
def counter_events(request: Request, app: State, staff: CounterStaff) -> Response:
    kinds = ("queue.changed", "ticket.called", "alert.raised", "alert.acked")
    return event_stream(request, app.bus, _hall(staff), refresh_on(*kinds))
