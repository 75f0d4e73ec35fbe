"""What page routes need: the page state (templates, voice), the logged-in staff member,
role checks, the CSRF check, and rendering with the CSRF cookie attached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from hall.api.deps import State, now, today
from hall.store.page_models import StaffRole
from hall.usecases.users import Staff, session_staff
from hall.web.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    attach_csrf_cookie,
    csrf_ok,
    csrf_token,
)
from hall.web.settings import PageSettings
from hall.web.voice import CallVoice

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")


def _clock(moment: datetime | None, zone: tzinfo, fmt: str = "%H:%M") -> str:
    return "" if moment is None else moment.astimezone(zone).strftime(fmt)


TEMPLATES.env.filters["clock"] = _clock
ROLE_WORDS = {
    StaffRole.COUNTER: "窗口 Counter",
    StaffRole.HELPER: "帮办 Helper",
    StaffRole.ADMIN: "管理 Admin",
}


class PageError(Exception):
    """Answered with the error page (in words, both languages), never a traceback."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass
class PageState:
    settings: PageSettings
    voice: CallVoice


def page_state(request: Request) -> PageState:
    existing: PageState | None = getattr(request.app.state, "pages", None)
    if existing is None:
        settings = PageSettings.from_env()
        existing = PageState(settings, CallVoice(settings.voice_dir, settings.voice))
        request.app.state.pages = existing
    return existing


Pages = Annotated[PageState, Depends(page_state)]


def hall_day(app: State) -> date:
    return today(app, now())


def optional_staff(request: Request, app: State) -> Staff | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 100:
        return None
    return session_staff(app.db, token, now())


def _staff_with(*roles: str) -> Any:
    def dependency(
        request: Request, staff: Annotated[Staff | None, Depends(optional_staff)]
    ) -> Staff:
        if staff is None:
            raise LoginRequired(request.url.path)
        if not staff.may(*roles):
            raise PageError(
                403,
                f"此页面不对{ROLE_WORDS[staff.role]}账号开放 / "
                f"this page is not open to {staff.role} accounts",
            )
        return staff

    return Depends(dependency)


CounterStaff = Annotated[Staff, _staff_with(StaffRole.COUNTER)]
HelperStaff = Annotated[Staff, _staff_with(StaffRole.HELPER)]
AdminStaff = Annotated[Staff, _staff_with(StaffRole.ADMIN)]
AnyStaff = Annotated[Staff, _staff_with(StaffRole.COUNTER, StaffRole.HELPER)]


async def check_csrf(request: Request) -> None:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        raise PageError(403, "表单已过期，请刷新页面后重试 / the form has expired; reload the page")


Csrf = Depends(check_csrf)


def render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    zone = request.app.state.hall.settings.zone
    context = {"csrf_token": csrf_token(request), "quote": quote, "zone": zone, **context}
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status)
    attach_csrf_cookie(request, response)
    return response


def see_other(url: str) -> Response:
    return Response(status_code=303, headers={"Location": url})
