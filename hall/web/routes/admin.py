"""Admin pages: the day report in charts (and CSV), and the hall's overview: kiosks,
services and opening hours, staff accounts, display tokens, roster versions."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from hall.api.deps import State, now, today
from hall.errors import HallError, NotFound
from hall.store.models import Hall, RosterVersion
from hall.usecases.boards import service_names
from hall.usecases.charts import range_report
from hall.usecases.displays import add_display, list_displays, revoke_display
from hall.usecases.halls import get_catalogue
from hall.usecases.kiosks import kiosk_health
from hall.usecases.users import Staff, add_user, disable_user, list_users
from hall.web.charts import chart_options
from hall.web.deps import AdminStaff, Csrf, PageError, render, see_other

router = APIRouter(include_in_schema=False)

WEEKDAYS = "一二三四五六日"


def _halls(app: State, staff: Staff) -> list[tuple[int, str]]:
    with app.db.read() as session:
        query = select(Hall.id, Hall.name).order_by(Hall.name)
        if staff.hall_id is not None:
            query = query.where(Hall.id == staff.hall_id)
        return [(i, n) for i, n in session.execute(query).all()]


def _pick_hall(app: State, staff: Staff, wanted: str | None) -> tuple[int, str, list[str]]:
    halls = _halls(app, staff)
    if not halls:
        raise PageError(404, "还没有大厅（hall create）/ no hall yet (`hall create`)")
    for hall_id, name in halls:
        if wanted is None or name == wanted:
            return hall_id, name, [n for _, n in halls]
    raise PageError(404, "没有这个大厅 / no such hall")


def _dates(app: State, start: str | None, end: str | None) -> tuple[date, date]:
    try:
        first = date.fromisoformat(start) if start else today(app, now())
        last = date.fromisoformat(end) if end else first
    except ValueError as e:
        raise PageError(422, "日期格式为 YYYY-MM-DD / dates are YYYY-MM-DD") from e
    if last < first:
        first, last = last, first
    if (last - first) > timedelta(days=365):
        raise PageError(422, "最多一年 / at most one year")
    return first, last


@router.get("/reports", response_class=HTMLResponse)
def reports(
    request: Request,
    app: State,
    staff: AdminStaff,
    hall: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Response:
    hall_id, hall_name, hall_names = _pick_hall(app, staff, hall)
    first, last = _dates(app, start, end)
    report = range_report(app.db, hall_id, first, last, app.settings.zone)
    names = service_names(app.db, hall_id)
    rated = sum(report.ratings.values())
    satisfied = report.ratings[5] + report.ratings[4]
    return render(
        request,
        "reports.html",
        {
            "staff": staff,
            "hall": hall_name,
            "halls": hall_names,
            "first": first,
            "last": last,
            "report": report,
            "names": names,
            "rated": rated,
            "satisfied_pct": round(100 * satisfied / rated) if rated else None,
            "charts_json": json.dumps(chart_options(report, names), ensure_ascii=False).replace(
                "<", "\\u003c"
            ),
        },
    )


@router.get("/reports.csv")
def reports_csv(
    app: State,
    staff: AdminStaff,
    hall: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Response:
    hall_id, _, _ = _pick_hall(app, staff, hall)
    first, last = _dates(app, start, end)
    report = range_report(app.db, hall_id, first, last, app.settings.zone)
    filename = f"report-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        "\ufeff" + report.to_csv(),  # the BOM makes spreadsheet programs read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _overview(app: State, staff: Staff, hall: str | None) -> dict[str, object]:
    hall_id, hall_name, hall_names = _pick_hall(app, staff, hall)
    moment = now()
    try:
        catalogue, etag = get_catalogue(app.db, hall_id)
    except NotFound:
        catalogue, etag = None, None
    with app.db.read() as session:
        rosters = session.execute(
            select(
                RosterVersion.version,
                RosterVersion.count,
                RosterVersion.key_id,
                RosterVersion.label,
                RosterVersion.published_at,
            )
            .where(RosterVersion.hall_id == hall_id)
            .order_by(RosterVersion.version.desc())
            .limit(20)
        ).all()
    return {
        "staff": staff,
        "hall": hall_name,
        "halls": hall_names,
        "kiosks": kiosk_health(app.db, hall_id, app.settings, moment),
        "catalogue": catalogue,
        "etag": etag,
        "weekdays": WEEKDAYS,
        "users": list_users(app.db, staff.hall_id),
        "displays": list_displays(app.db, hall_id),
        "rosters": rosters,
        "zone": app.settings.zone,
        "new_token": None,
        "message": None,
    }


@router.get("/admin", response_class=HTMLResponse)
def admin(
    request: Request,
    app: State,
    staff: AdminStaff,
    hall: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    return render(request, "admin.html", _overview(app, staff, hall))


@router.post("/admin/users", dependencies=[Csrf])
def admin_add_user(
    request: Request,
    app: State,
    staff: AdminStaff,
    hall: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=32)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=200)],
) -> Response:
    _pick_hall(app, staff, hall)  # an admin of one hall adds accounts to that hall only
    try:
        add_user(app.db, name, role, password, hall, now())
    except HallError as e:
        context = _overview(app, staff, hall)
        return render(request, "admin.html", {**context, "message": e.message}, e.status)
    return see_other(f"/admin?hall={quote(hall)}")


@router.post("/admin/users/disable", dependencies=[Csrf])
def admin_disable_user(
    app: State,
    staff: AdminStaff,
    hall: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=32)],
) -> Response:
    _pick_hall(app, staff, hall)
    if name not in {u.name for u in list_users(app.db, staff.hall_id)}:
        raise PageError(404, "没有这个账号 / no such account")
    if name == staff.name:
        raise PageError(409, "不能停用自己的账号 / you cannot disable your own account")
    disable_user(app.db, name, now())
    return see_other(f"/admin?hall={quote(hall)}")


@router.post("/admin/displays", dependencies=[Csrf])
def admin_add_display(
    request: Request,
    app: State,
    staff: AdminStaff,
    hall: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=32)],
) -> Response:
    _pick_hall(app, staff, hall)
    try:
        token = add_display(app.db, hall, name, now())
    except HallError as e:
        context = _overview(app, staff, hall)
        return render(request, "admin.html", {**context, "message": e.message}, e.status)
    context = _overview(app, staff, hall)
    return render(request, "admin.html", {**context, "new_token": (name, token)})


@router.post("/admin/displays/revoke", dependencies=[Csrf])
def admin_revoke_display(
    app: State,
    staff: AdminStaff,
    hall: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=32)],
) -> Response:
    _pick_hall(app, staff, hall)
    try:
        revoke_display(app.db, hall, name, now())
    except HallError as e:
        raise PageError(e.status, e.message) from e
    return see_other(f"/admin?hall={quote(hall)}")
