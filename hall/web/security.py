"""Security of the pages: response headers, cookies, CSRF.

CSRF: every form carries a hidden ``csrf_token`` equal to the ``hall_csrf`` cookie
(random, HttpOnly, SameSite=Strict; a new one at each login), compared in constant time,
and a POST whose ``Origin`` names another site is refused too. A page of another site can
neither read the cookie nor make the browser send it (SameSite), so it cannot fill in the
field.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "hall_csrf"
SESSION_COOKIE = "hall_session"
DISPLAY_COOKIE = "hall_display"
CSRF_FIELD = "csrf_token"

#: Scripts and styles come from the hall server only (no CDN, no inline script). Inline
#: styles are allowed: ECharts writes its tooltips with style attributes.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self'; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """Adds :data:`HEADERS` to every answer, and who may cache it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                # Pages are never cached (they show people's tickets); the static files
                # (the chart library is 1 MB) are kept a day.
                headers.setdefault("cache-control", "max-age=86400" if static else "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, path: str = "/",
    max_age: int | None = None,
) -> None:  # fmt: skip
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def csrf_token(request: Request) -> str:
    """This browser's CSRF token: its cookie's, or a new one the answer will set."""
    token = getattr(request.state, "new_csrf", None) or request.cookies.get(CSRF_COOKIE)
    if not token or len(token) > 100:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def renew_csrf(request: Request) -> str:
    request.state.new_csrf = secrets.token_urlsafe(32)
    return str(request.state.new_csrf)


def attach_csrf_cookie(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_csrf", None)
    if token:
        set_cookie(response, request, CSRF_COOKIE, token)


def csrf_ok(request: Request, submitted: object) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not isinstance(submitted, str) or not submitted:
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin != expected:
            return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())
