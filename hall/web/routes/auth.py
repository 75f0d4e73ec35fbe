"""Log in, log out, and the start page that sends each role to its page."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from hall.api.deps import State, now
from hall.store.page_models import StaffRole
from hall.usecases.users import SESSION_TTL, BadLogin, LoginRefused, Staff, log_in, log_out
from hall.web.deps import Csrf, optional_staff, render, see_other
from hall.web.security import SESSION_COOKIE, attach_csrf_cookie, renew_csrf, set_cookie

router = APIRouter(include_in_schema=False)

HOME = {StaffRole.COUNTER: "/counter", StaffRole.HELPER: "/helpers", StaffRole.ADMIN: "/admin"}


def _safe_next(value: str | None) -> str | None:
    # A path on this server only: "//host" and "/\\host" would leave it.
    if value and value.startswith("/") and value[1:2] not in ("/", "\\") and len(value) < 200:
        return value
    return None


@router.get("/")
def home(staff: Annotated[Staff | None, Depends(optional_staff)]) -> Response:
    return see_other(HOME[staff.role] if staff else "/login")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next) or "", "error": None})


@router.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    app: State,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    token = secrets.token_urlsafe(32)
    address = request.client.host if request.client else "unknown"
    context = {"next": _safe_next(next) or "", "name": name}
    try:
        staff = log_in(app.db, name, password, address, token, now())
    except LoginRefused as e:
        refused = render(request, "login.html", {**context, "error": e.message}, 429)
        refused.headers["Retry-After"] = str(e.retry_after_s)
        return refused
    except BadLogin as e:
        return render(request, "login.html", {**context, "error": e.message}, 401)
    response = see_other(_safe_next(next) or HOME[staff.role])
    set_cookie(response, request, SESSION_COOKIE, token, max_age=int(SESSION_TTL.total_seconds()))
    renew_csrf(request)
    attach_csrf_cookie(request, response)
    return response


@router.post("/logout", dependencies=[Csrf])
def logout(
    request: Request, app: State, staff: Annotated[Staff | None, Depends(optional_staff)]
) -> Response:
    if staff is not None:
        log_out(app.db, staff.session_hash)
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
