"""The helpers' page (a phone or tablet): open priority tickets with number, service,
kiosk and category, a sound for each new one, and "我去接待" to take it. An alert nobody
took within ``alert_escalate_after_s`` is escalated: shown first, in red, to every helper
and on the counters' pages too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from hall.api.deps import State, now
from hall.errors import HallError
from hall.usecases.alerts import ack_alert, list_alerts
from hall.usecases.boards import service_names
from hall.usecases.users import Staff
from hall.web.deps import Csrf, HelperStaff, PageError, render, see_other
from hall.web.live import event_stream, refresh_on

router = APIRouter(include_in_schema=False)


def _hall(staff: Staff) -> int:
    if staff.hall_id is None:
        raise PageError(400, "此账号不属于任何大厅 / this account belongs to no hall")
    return staff.hall_id


def _context(app: State, staff: Staff) -> dict[str, object]:
    hall_id = _hall(staff)
    alerts = list_alerts(app.db, hall_id, app.settings, now(), open_only=True)
    alerts.sort(key=lambda a: (not a.escalated, a.raised_at))
    return {
        "staff": staff,
        "alerts": alerts,
        "names": service_names(app.db, hall_id),
        "escalate_after_min": round(app.settings.alert_escalate_after_s / 60, 1),
        "zone": app.settings.zone,
    }


@router.get("/helpers", response_class=HTMLResponse)
def helpers_page(request: Request, app: State, staff: HelperStaff) -> Response:
    return render(request, "helpers.html", _context(app, staff))


@router.get("/helpers/alerts", response_class=HTMLResponse)
def helpers_alerts(request: Request, app: State, staff: HelperStaff) -> Response:
    return render(request, "helpers_alerts.html", _context(app, staff))


@router.post("/helpers/alerts/{alert_id}/ack", dependencies=[Csrf])
def acknowledge(
    alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)], app: State, staff: HelperStaff
) -> Response:
    try:
        ack_alert(app.db, _hall(staff), alert_id, staff.name, app.settings, now())
    except HallError as e:
        raise PageError(e.status, e.message) from e
    return see_other("/helpers")


@router.get("/helpers/events")
def helper_events(request: Request, app: State, staff: HelperStaff) -> Response:
    return event_stream(request, app.bus, _hall(staff), refresh_on("alert.raised", "alert.acked"))
