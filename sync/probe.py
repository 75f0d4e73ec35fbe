"""Is the hall server there, does it accept this kiosk's token, and how far apart are the clocks?

For ``kiosk check``: two plain requests, no retries, a short timeout.

1. ``GET {url}/api/v1/health``: the server answers at all (network, URL, firewall).
2. ``GET {url}/api/v1/queue`` with ``Authorization: Bearer <token>``: 401/403 means the
   token is refused; any other answer below 500 means it was accepted.

The clock difference is the kiosk's clock at the middle of the second request minus the
server's HTTP ``Date`` header (1 s resolution: enough to see a PC whose clock is minutes
or hours off). When ``sync.client`` is there, the same questions can be asked through
its ``health()`` and ``heartbeat()`` (which answers ``clock_skew_s``) instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import requests

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class ServerProbe:
    reachable: bool
    #: None: not asked (not reachable, or no token configured).
    token_accepted: bool | None
    #: kiosk clock minus server clock, seconds; None when the server sent no Date.
    clock_skew_s: float | None
    detail: str


def probe_server(
    url: str, token: str, *, timeout_s: float = 5.0, clock: Callable[[], float] = time.time
) -> ServerProbe:
    base = url.rstrip("/") + API_PREFIX
    try:
        health = requests.get(f"{base}/health", timeout=timeout_s)
    except requests.RequestException as e:
        return ServerProbe(False, None, None, f"{url} does not answer ({_short(e)})")
    if health.status_code >= 500 or health.status_code == 404:
        return ServerProbe(
            False, None, None, f"{url} answers HTTP {health.status_code} to {API_PREFIX}/health"
        )
    if not token:
        return ServerProbe(True, None, _skew(health, clock(), clock()), f"{url} answers")
    sent = clock()
    try:
        answer = requests.get(
            f"{base}/queue", headers={"Authorization": f"Bearer {token}"}, timeout=timeout_s
        )
    except requests.RequestException as e:
        return ServerProbe(True, None, None, f"{url} answers, then failed ({_short(e)})")
    skew = _skew(answer, sent, clock())
    if answer.status_code in (401, 403):
        return ServerProbe(
            True, False, skew, f"{url} refuses the token (HTTP {answer.status_code})"
        )
    if answer.status_code >= 500:
        return ServerProbe(True, None, skew, f"{url} fails (HTTP {answer.status_code})")
    return ServerProbe(True, True, skew, f"{url} answers and accepts the token")


def _skew(response: requests.Response, sent: float, received: float) -> float | None:
    header = response.headers.get("Date")
    if not header:
        return None
    try:
        server = parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return None
    # Date has whole seconds and is written some time inside the request: its middle.
    return (sent + received) / 2 - (server + 0.5)


def _short(error: BaseException) -> str:
    text = str(error)
    return text if len(text) < 160 else text[:157] + "..."
