"""The kiosk's HTTP client of the hall server (``/api/v1``), on one ``requests.Session``.

- Every call has a timeout (connect, read).
- Retries with exponential backoff come from urllib3's ``Retry`` mounted through an
  ``HTTPAdapter``: connection errors, read timeouts and answers 429/500/502/503/504 are
  retried, for GET and for the POSTs of this API, which are all safe to repeat (events
  carry their outbox UUID and a replay is answered ``duplicate``; a repeated lease only
  skips numbers, it never hands one out twice; a heartbeat is a state, not a count).
- TLS certificates are verified, against the system's store or a configured CA bundle.
- The kiosk's token goes in ``Authorization: Bearer`` and nowhere else (not in logs).

Every failure comes out as a :class:`sync.errors.SyncError`; no ``requests`` or urllib3
exception leaves this module.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from sync.errors import AuthError, BadResponse, ServerError, ServerUnreachable, SyncError
from sync.protocol import (
    API_PREFIX,
    AUTH_SCHEME,
    ROSTER_KEY_ID_HEADER,
    Catalogue,
    ErrorBody,
    EventBatch,
    EventBatchResult,
    EventEnvelope,
    Heartbeat,
    HeartbeatReply,
    LeaseRequest,
    LeaseResponse,
    QueueStatus,
    RosterChange,
    RosterFormatError,
    RosterKey,
    RosterMeta,
    decode_roster_body,
)

log = logging.getLogger(__name__)

Model = TypeVar("Model", bound=BaseModel)

#: Statuses worth a retry: overload and passing server trouble.
RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class ClientSettings:
    url: str
    token: str
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    #: Read timeout of roster bodies (a million entries is ~40 MB of gzip on a slow line).
    download_timeout_s: float = 120.0
    retries: int = 3
    backoff_s: float = 0.25
    backoff_max_s: float = 5.0
    #: PEM bundle of the CA that signed the hall server's certificate; None: the system's.
    ca_bundle: Path | None = None


@dataclass(frozen=True)
class RosterDownload:
    """A roster body, decompressed, checked (count, checksum, key id) and parsed."""

    version: int
    key_id: str
    since: int | None
    changes: list[RosterChange]


class HallClient:
    """Typed calls of the hall API. One instance per kiosk; not shared between threads
    that run calls at the same time (the sync service has one thread for the network)."""

    def __init__(self, settings: ClientSettings) -> None:
        if not settings.url.startswith(("http://", "https://")):
            raise SyncError(
                f"hall server URL must start with http:// or https://: {settings.url!r}"
            )
        if not settings.token:
            raise SyncError("no kiosk token configured (server.token)")
        if settings.ca_bundle is not None and not settings.ca_bundle.is_file():
            raise SyncError(f"CA bundle {settings.ca_bundle} not found")
        self.settings = settings
        self.base = settings.url.rstrip("/") + API_PREFIX
        self.session = requests.Session()
        retry = Retry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            other=0,
            backoff_factor=settings.backoff_s,
            backoff_max=settings.backoff_max_s,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "POST"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=1, pool_maxsize=2)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # Given on every request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the
        # environment override a session's own setting.
        self._verify: str | bool = str(settings.ca_bundle) if settings.ca_bundle else True
        self.session.verify = self._verify
        self.session.headers["Authorization"] = f"{AUTH_SCHEME} {settings.token}"
        self.session.headers["User-Agent"] = "lobby-kiosk-sync/1"

    def close(self) -> None:
        self.session.close()

    # -- calls ---------------------------------------------------------------------------

    def health(self) -> bool:
        with self._call("GET", "/health") as response:
            return response.status_code == 200

    def post_events(self, events: list[EventEnvelope]) -> EventBatchResult:
        body = EventBatch(events=events).model_dump(mode="json")
        with self._call("POST", "/events", json=body) as response:
            result = self._model(response, EventBatchResult)
        if len(result.results) != len(events):
            raise BadResponse(
                f"server answered {len(result.results)} results for {len(events)} events"
            )
        return result

    def lease(self, day: date, prefix: str, count: int) -> LeaseResponse:
        body = LeaseRequest(day=day, prefix=prefix, count=count).model_dump(mode="json")
        with self._call("POST", "/leases", json=body) as response:
            lease = self._model(response, LeaseResponse)
        if lease.prefix != prefix or lease.day != day or lease.end < lease.start:
            raise BadResponse(f"lease answer does not match the request: {lease}")
        return lease

    def heartbeat(self, beat: Heartbeat) -> HeartbeatReply:
        with self._call("POST", "/heartbeat", json=beat.model_dump(mode="json")) as response:
            return self._model(response, HeartbeatReply)

    def catalogue(self, etag: str | None = None) -> tuple[Catalogue | None, str | None]:
        """The hall's catalogue and its ETag; ``(None, etag)`` when ``etag`` is current."""
        headers = {"If-None-Match": etag} if etag else {}
        with self._call("GET", "/catalogue", headers=headers) as response:
            if response.status_code == 304:
                return None, etag
            return self._model(response, Catalogue), response.headers.get("ETag")

    def queue(self) -> QueueStatus:
        with self._call("GET", "/queue") as response:
            return self._model(response, QueueStatus)

    def roster_meta(self) -> RosterMeta:
        with self._call("GET", "/roster") as response:
            return self._model(response, RosterMeta)

    def roster_key(self) -> RosterKey:
        with self._call("GET", "/roster/key") as response:
            return self._model(response, RosterKey)

    def roster_snapshot(self) -> RosterDownload:
        return self._roster_body("/roster/snapshot", {})

    def roster_delta(self, since: int) -> RosterDownload:
        """Changes since ``since``; ``ServerError`` with code ``snapshot_required`` (409)
        when the server cannot make a delta from there."""
        return self._roster_body("/roster/delta", {"since": since})

    # -- plumbing --------------------------------------------------------------------------

    def _roster_body(self, path: str, params: dict[str, Any]) -> RosterDownload:
        timeout = (self.settings.connect_timeout_s, self.settings.download_timeout_s)
        with self._call("GET", path, params=params, timeout=timeout) as response:
            try:
                version = int(response.headers["X-Roster-Version"])
                count = int(response.headers["X-Roster-Count"])
                checksum = response.headers["X-Roster-Checksum"]
                key_id = response.headers[ROSTER_KEY_ID_HEADER]
                since_text = response.headers.get("X-Roster-Since")
                since = int(since_text) if since_text is not None else None
            except (KeyError, ValueError) as e:
                raise BadResponse(f"roster body without its headers ({e})") from e
            try:
                changes = list(decode_roster_body(response.content, count=count, checksum=checksum))
            except RosterFormatError as e:
                raise BadResponse(f"roster download refused: {e}") from e
        return RosterDownload(version, key_id, since, changes)

    @contextmanager
    def _call(self, method: str, path: str, **kwargs: Any) -> Iterator[requests.Response]:
        kwargs.setdefault(
            "timeout", (self.settings.connect_timeout_s, self.settings.read_timeout_s)
        )
        kwargs["verify"] = self._verify
        what = f"{method} {path}"
        try:
            response = self.session.request(method, self.base + path, **kwargs)
            response.content  # noqa: B018 - read the body here, inside the except below
        except requests.exceptions.SSLError as e:
            raise ServerUnreachable(
                f"{what}: TLS check of the hall server failed: {_short(e)}"
            ) from e
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as e:
            raise BadResponse(f"{what}: the answer was cut short: {_short(e)}") from e
        except requests.exceptions.Timeout as e:
            raise ServerUnreachable(f"{what}: hall server did not answer in time") from e
        except requests.exceptions.RetryError as e:
            raise ServerUnreachable(f"{what}: hall server kept failing: {_short(e)}") from e
        except requests.exceptions.ConnectionError as e:
            raise ServerUnreachable(f"{what}: hall server unreachable: {_short(e)}") from e
        except requests.exceptions.RequestException as e:
            raise SyncError(f"{what}: {_short(e)}") from e
        if response.status_code >= 400:
            raise _status_error(what, response)
        yield response

    @staticmethod
    def _model(response: requests.Response, model: type[Model]) -> Model:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as e:
            first = e.errors()[0] if e.error_count() else {"msg": "invalid"}
            raise BadResponse(
                f"{response.request.method} {response.url.split(API_PREFIX, 1)[-1]}: "
                f"answer is not a valid {model.__name__} ({first['msg']})"
            ) from e


def _status_error(what: str, response: requests.Response) -> ServerError:
    status = response.status_code
    code, message = "", response.reason or ""
    try:
        body = ErrorBody.model_validate_json(response.content)
        code, message = body.error, body.message
    except ValidationError:
        pass
    text = f"{what}: hall server answered {status} {code or ''} {message}".rstrip()
    if status in (401, 403):
        return AuthError(text, status=status, code=code)
    return ServerError(text, status=status, code=code)


def _short(error: BaseException) -> str:
    """The innermost reason in one line (urllib3 nests them deeply)."""
    reason: BaseException = error
    for _ in range(8):
        inner: list[object] = [*reason.args, getattr(reason, "reason", None)]
        found = [e for e in inner if isinstance(e, BaseException)]
        if not found:
            break
        reason = found[-1]
    text = str(reason)
    return text.splitlines()[0][:160] if text else type(reason).__name__
