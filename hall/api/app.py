"""The FastAPI application: routers, error answers, body limit, start-up and shut-down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hall.api.deps import AppState, RateLimiter, reject_unknown_query
from hall.api.routes import alerts, catalogue, events, kiosks, leases, queue, roster, stream
from hall.errors import HallError
from hall.keys import KeyStore, KeyStoreError
from hall.live import LiveBus, listen_postgres
from hall.settings import HallSettings
from hall.store.db import Database, StoreError, open_database
from hall.web import install_pages
from sync.protocol import API_PREFIX, PROTOCOL_VERSION, ErrorBody, FieldError

log = logging.getLogger(__name__)

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (400, "The body cannot be read (not UTF-8 JSON)"),
        (401, "No token, or an unknown or revoked one"),
        (403, "The token's role may not do this"),
        (404, "Not found in the caller's hall"),
        (409, "Conflicts with the hall's state"),
        (413, "Body over the size limit"),
        (422, "Invalid request; details hold each field's path"),
        (429, "Too many requests for this token; see Retry-After"),
    )
}

_REASONS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
}


def _error(status: int, code: str, message: str, details: list[FieldError] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:  # fmt: skip
    body = ErrorBody(error=code, message=message, details=details or [])
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


class BodyLimit:
    """Refuse bodies over ``max_bytes`` with 413, by Content-Length or while reading."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(send)
                    return
        received = 0
        exceeded = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal refused
            if exceeded:  # whatever the app says after the limit, the answer is 413
                if not refused:
                    refused = True
                    await self._refuse(send)
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not refused:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = _error(413, "too_large", f"request body over {self.max_bytes} bytes")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": response.raw_headers,
            }
        )
        await send({"type": "http.response.body", "body": response.body})


class _BodyTooLarge(Exception):
    pass


def create_app(settings: HallSettings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or HallSettings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = db or open_database(settings.database_url)
        bus = LiveBus()
        bus.attach(asyncio.get_running_loop())
        listener: asyncio.Task[None] | None = None
        if database.is_sqlite:
            database.add_note_sink(bus.publish_threadsafe)
        else:
            listener = asyncio.create_task(listen_postgres(settings.database_url, bus))
        app.state.hall = AppState(
            settings=settings,
            db=database,
            keys=KeyStore(settings.key_dir),
            bus=bus,
            limiter=RateLimiter(settings.rate_per_token_s),
        )
        try:
            yield
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
            if db is None:
                database.close()

    app = FastAPI(
        title="Lobby hall server",
        version=PROTOCOL_VERSION,
        description=(
            "The service the ticket kiosks of a hall sync with: events, number leases, "
            "heartbeats, catalogue, roster, queue, counters and helper alerts. Every "
            "operation but /health needs `Authorization: Bearer <token>`."
        ),
        lifespan=lifespan,
        dependencies=[Depends(reject_unknown_query)],
    )
    for module in (events, leases, kiosks, catalogue, roster, queue, alerts, stream):
        app.include_router(module.router, prefix=API_PREFIX, responses=_ERRORS)

    @app.get(f"{API_PREFIX}/health", tags=["health"])
    def health() -> dict[str, str]:
        """No token needed: for load balancers and `hall serve` checks."""
        return {"status": "ok", "protocol": PROTOCOL_VERSION}

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            FieldError(loc=list(e.get("loc", ())), msg=str(e.get("msg", "")), type=str(e["type"]))
            for e in exc.errors()
        ]
        first = ".".join(str(p) for p in details[0].loc) if details else "body"
        return _error(422, "invalid", f"invalid request at {first}", details)

    @app.exception_handler(HallError)
    async def _hall_error(request: Request, exc: HallError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _REASONS.get(exc.status_code, "error")
        return _error(exc.status_code, code, str(exc.detail), headers=dict(exc.headers or {}))

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> JSONResponse:
        log.error("database error on %s %s: %s", request.method, request.url.path, exc)
        return _error(503, "unavailable", "the hall database is unavailable; retry later")

    @app.exception_handler(KeyStoreError)
    async def _key_error(request: Request, exc: KeyStoreError) -> JSONResponse:
        log.error("roster key problem: %s", exc)
        return _error(503, "unavailable", "the roster key is not available on this server")

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    install_pages(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory hall.api.app:app_from_env`` (each worker calls it)."""
    return create_app(HallSettings.from_env())
