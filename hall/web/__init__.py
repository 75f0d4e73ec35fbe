"""The hall pages: counter, display, helpers, the visitor's ticket, reports, admin.

Server-rendered (Jinja2) with a little script per page for live updates (server-sent
events); every script, style and the chart library are served from the hall server
itself (``static/``), never from a CDN: a hall's LAN may have no internet.
"""

from __future__ import annotations

import inspect
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from hall.web.deps import HERE, LoginRequired, PageError, render, see_other
from hall.web.routes import admin, auth, counter, display, helpers, visitor
from hall.web.security import SecurityHeaders

__all__ = ["install_pages"]


def install_pages(app: FastAPI) -> None:
    for module in (auth, counter, helpers, display, visitor, admin):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> HTMLResponse:
        return render(request, "error.html", {"status": exc.status, "message": exc.message},
                      exc.status)  # fmt: skip

    for kind in (RequestValidationError, StarletteHTTPException):
        _pages_in_words(app, kind)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.url.path.endswith(("/events", "/desk", "/alerts")):
            return Response(status_code=401)  # a live part: the page itself redirects
        return see_other(f"/login?next={quote(exc.next_path)}")


def _pages_in_words(app: FastAPI, kind: type[Exception]) -> None:
    """Pages answer bad addresses and form fields with the error page; /api keeps JSON."""
    api_handler = app.exception_handlers[kind]

    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        status = getattr(exc, "status_code", 422)
        message = {404: "没有这个页面 / no such page", 405: "不支持的操作 / not allowed"}.get(
            status, "请求无效 / invalid request"
        )
        return render(request, "error.html", {"status": status, "message": message}, status)

    app.add_exception_handler(kind, handler)
