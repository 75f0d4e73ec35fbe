"""What routes need, as small dependency functions: settings, database, key store, clock,
the calling client (from its bearer token), rate limits. Nothing global: all of it hangs
off ``app.state``, set up once by :func:`hall.api.app.create_app`."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hall.keys import KeyStore
from hall.live import LiveBus
from hall.settings import HallSettings
from hall.store.db import Database
from hall.store.models import Role
from hall.usecases import ClientRef
from hall.usecases.halls import authenticate

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A kiosk's or counter's token, from `hall kiosk add` / `hall counter add`.",
)


@dataclass
class AppState:
    settings: HallSettings
    db: Database
    keys: KeyStore
    bus: LiveBus
    limiter: RateLimiter


class RateLimiter:
    """A token bucket per client: ``rate`` requests a second, bursts of twice that.

    Per process: with several workers, each allows the rate (the limit protects the
    server from a runaway kiosk, it is not a quota)."""

    def __init__(self, rate_per_s: float) -> None:
        self.rate = rate_per_s
        self.burst = max(1.0, 2 * rate_per_s)
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: int) -> float:
        """0 when the request may go; otherwise the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0


def state(request: Request) -> AppState:
    hall: AppState = request.app.state.hall
    return hall


State = Annotated[AppState, Depends(state)]


def now() -> datetime:
    return datetime.now(UTC)


def today(app: AppState, moment: datetime) -> date:
    return moment.astimezone(app.settings.zone).date()


def reject_unknown_query(request: Request) -> None:
    """Unknown query parameters are refused like unknown body fields (422)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    allowed: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        allowed.update(p.alias for p in current.query_params)
        pending.extend(current.dependencies)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise RequestValidationError(
            [
                {"loc": ("query", name), "msg": "Extra inputs are not permitted",
                 "type": "extra_forbidden"}
                for name in unknown
            ]
        )  # fmt: skip


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def current_client(
    app: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ClientRef:
    if credentials is None:
        raise _unauthorized("a bearer token is needed")
    client = authenticate(app.db, credentials.credentials)
    if client is None:
        raise _unauthorized("unknown or revoked token")
    wait_s = app.limiter.take(client.id)
    if wait_s > 0:
        raise HTTPException(
            429, "too many requests", headers={"Retry-After": str(math.ceil(wait_s))}
        )
    return client


AnyClient = Annotated[ClientRef, Depends(current_client)]


def kiosk_client(client: AnyClient) -> ClientRef:
    if client.role != Role.KIOSK:
        raise HTTPException(403, "only a kiosk may do this")
    return client


def counter_client(client: AnyClient) -> ClientRef:
    if client.role != Role.COUNTER:
        raise HTTPException(403, "only a counter may do this")
    return client


Kiosk = Annotated[ClientRef, Depends(kiosk_client)]
Counter = Annotated[ClientRef, Depends(counter_client)]
