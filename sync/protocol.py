"""The wire protocol between kiosks (and counters) and the hall server, version 1.

One copy, imported by the kiosk's sync client and by the hall server (``hall/``): pydantic
models for every body that crosses the wire under :data:`API_PREFIX`, and the roster
transfer format. Plain data, no I/O.

Rules every model follows:

- Unknown fields are refused (``extra="forbid"``): a typo in a field name is a 422 with the
  field's path, never silently dropped.
- Times are ISO-8601 with an offset; days are ``YYYY-MM-DD`` (the hall's business day).
- Changes after release are additive only: a new optional field, a new event kind, a new
  endpoint. A change that old kiosks would refuse gets ``/api/v2``.

Events: a kiosk writes every event into its outbox first (see ``kiosk/store/outbox.py``)
and posts them later in an :class:`EventBatch`. Each :class:`EventEnvelope` carries the
outbox row's UUID; the server stores it once and answers ``duplicate`` on a replay. The
envelope's ``payload`` is checked per kind by :func:`parse_event_payload`, so a batch with
an unknown kind is still taken: that one event is ``rejected`` (code 422), the rest go in.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Iterator
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

__all__ = [
    "API_PREFIX",
    "AUTH_SCHEME",
    "EVENT_PAYLOADS",
    "MAX_BATCH_EVENTS",
    "MAX_LEASE_COUNT",
    "PROTOCOL_VERSION",
    "ROSTER_KEY_ID_HEADER",
    "Alert",
    "AlertAck",
    "AlertList",
    "CallNextRequest",
    "CalledTicket",
    "Catalogue",
    "CatalogueService",
    "ErrorBody",
    "EventBatch",
    "EventBatchResult",
    "EventEnvelope",
    "EventKind",
    "EventResult",
    "EventStatus",
    "FieldError",
    "Heartbeat",
    "HeartbeatReply",
    "KioskHealth",
    "KioskList",
    "LeaseRequest",
    "LeaseResponse",
    "OpeningHours",
    "PrinterStatusPayload",
    "QueueStatus",
    "RosterChange",
    "RosterFormatError",
    "RosterKey",
    "RosterMeta",
    "ServiceQueue",
    "TicketIssuedPayload",
    "TicketPrintFailedPayload",
    "TicketPrintedPayload",
    "TicketReprintedPayload",
    "TicketVoidedPayload",
    "TransferRequest",
    "WindowAction",
    "decode_roster_body",
    "encode_roster_body",
    "parse_event_payload",
    "validation_details",
]

#: Version of this protocol; the path prefix carries the major version.
PROTOCOL_VERSION = "1.0"
API_PREFIX = "/api/v1"
#: Every call needs ``Authorization: Bearer <token>`` (a kiosk's or a counter's token).
AUTH_SCHEME = "Bearer"
#: Most events in one batch; a kiosk with more sends several batches.
MAX_BATCH_EVENTS = 500
#: Most numbers in one lease.
MAX_LEASE_COUNT = 1000
#: Response header naming the roster key a snapshot or delta is hashed with.
ROSTER_KEY_ID_HEADER = "X-Roster-Key-Id"

Prefix = Annotated[str, StringConstraints(pattern=r"^[A-Z]$")]
ServiceCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")]
KioskId = Annotated[str, StringConstraints(min_length=1, max_length=32)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Uuid = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    ),
]
TicketNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{1,9}$")]


def _text_only(value: Any) -> Any:
    """Times and days travel as ISO-8601 text; a number (a Unix time?) is refused."""
    if isinstance(value, int | float):
        raise ValueError("must be an ISO-8601 string")
    return value


def _number_only(value: Any) -> Any:
    """JSON numbers only: "12" or true is not a count."""
    if isinstance(value, str | bool):
        raise ValueError("must be a JSON number")
    return value


Int = Annotated[int, BeforeValidator(_number_only)]
NonNegativeInt = Annotated[int, Field(ge=0), BeforeValidator(_number_only)]
PositiveInt = Annotated[int, Field(ge=1), BeforeValidator(_number_only)]
Weekday = Annotated[int, Field(ge=1, le=7), BeforeValidator(_number_only)]
Moment = Annotated[AwareDatetime, BeforeValidator(_text_only)]
Day = Annotated[date, BeforeValidator(_text_only)]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class WireModel(BaseModel):
    """Base of every body on the wire: unknown fields refused, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- errors -------------------------------------------------------------------------------


class FieldError(WireModel):
    """One problem in a request body: where (the field's path) and what."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(WireModel):
    """The body of every 4xx/5xx answer."""

    error: str = Field(description="machine-readable code, e.g. 'unauthorized', 'invalid'")
    message: str
    details: list[FieldError] = Field(default_factory=list)


# --- events -------------------------------------------------------------------------------


class EventKind(StrEnum):
    """Kinds the kiosk writes into its outbox (the strings on the wire)."""

    TICKET_ISSUED = "ticket.issued"
    TICKET_PRINTED = "ticket.printed"
    TICKET_PRINT_FAILED = "ticket.print_failed"
    TICKET_REPRINTED = "ticket.reprinted"
    TICKET_VOIDED = "ticket.voided"
    PRINTER_STATUS = "kiosk.printer_status"


class TicketIssuedPayload(WireModel):
    """Written by ``kiosk.store.tickets.issue_ticket`` in the same transaction as the ticket."""

    ticket_id: Uuid
    number: TicketNumber
    day: Day
    service_code: ServiceCode
    priority: StrictBool
    category: Annotated[str, StringConstraints(max_length=32)] | None = None
    reason: Annotated[str, StringConstraints(max_length=64)] | None = None
    kiosk_id: KioskId
    issued_at: Moment


class TicketPrintedPayload(WireModel):
    ticket_id: Uuid
    printed_at: Moment


class TicketPrintFailedPayload(WireModel):
    ticket_id: Uuid
    error: ShortText = ""


class TicketReprintedPayload(WireModel):
    ticket_id: Uuid
    reprint_count: Int = Field(ge=1)


class TicketVoidedPayload(WireModel):
    ticket_id: Uuid
    voided_at: Moment


class PrinterStatusPayload(WireModel):
    """Written by the kiosk's ticket service when the printer's status changes."""

    kiosk_id: KioskId
    status: Literal["ready", "paper_near_end", "paper_out", "offline", "unknown", "error"]


EVENT_PAYLOADS: dict[str, type[WireModel]] = {
    EventKind.TICKET_ISSUED: TicketIssuedPayload,
    EventKind.TICKET_PRINTED: TicketPrintedPayload,
    EventKind.TICKET_PRINT_FAILED: TicketPrintFailedPayload,
    EventKind.TICKET_REPRINTED: TicketReprintedPayload,
    EventKind.TICKET_VOIDED: TicketVoidedPayload,
    EventKind.PRINTER_STATUS: PrinterStatusPayload,
}


class EventEnvelope(WireModel):
    """One outbox row on the wire. ``id`` is the outbox row's UUID: the idempotency key."""

    id: Uuid
    kind: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    kiosk_id: KioskId
    kiosk_time: Moment = Field(description="the kiosk's clock when it wrote the event")
    urgent: StrictBool = False
    payload: dict[str, Any]


def parse_event_payload(kind: str, payload: dict[str, Any]) -> WireModel:
    """The typed payload of an event. Raises ``KeyError`` for an unknown kind and pydantic's
    ``ValidationError`` for a payload that does not fit its kind."""
    model = EVENT_PAYLOADS[kind]
    return model.model_validate(payload)


class EventBatch(WireModel):
    """Events in outbox order. An id seen before (earlier in this batch too) is answered
    ``duplicate``."""

    events: list[EventEnvelope] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


class EventStatus(StrEnum):
    ACCEPTED = "accepted"  # stored and applied now
    DUPLICATE = "duplicate"  # stored before: acknowledged, not applied again
    REJECTED = "rejected"  # not stored; ``code`` and ``message`` say why; do not resend as is


class EventResult(WireModel):
    """The answer for one event, in the order of the batch. The kiosk marks an event sent
    when it is ``accepted`` or ``duplicate``; a ``rejected`` one is kept aside for staff."""

    id: str
    status: EventStatus
    code: Int = Field(default=200, description="HTTP-like code for this event: 200, or 409/422")
    message: str = ""
    details: list[FieldError] = Field(default_factory=list)


class EventBatchResult(WireModel):
    results: list[EventResult]


# --- number leases ------------------------------------------------------------------------


class LeaseRequest(WireModel):
    """Ask for ``count`` numbers of ``prefix`` on ``day`` (the hall's business day)."""

    day: Day
    prefix: Prefix
    count: Int = Field(ge=1, le=MAX_LEASE_COUNT)


class LeaseResponse(WireModel):
    """Numbers ``start``..``end`` (inclusive) of ``prefix`` on ``day`` belong to this kiosk
    alone: no other kiosk of the hall ever gets any of them. ``source`` goes into the
    kiosk's ``number_blocks.source``."""

    lease_id: Int
    day: Day
    prefix: Prefix
    start: Int = Field(ge=1)
    end: Int = Field(ge=1)
    source: Annotated[str, StringConstraints(max_length=64)]


# --- heartbeat ----------------------------------------------------------------------------


DeviceState = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class Heartbeat(WireModel):
    """Sent every minute or so. ``kiosk_time`` lets the server see clock skew."""

    kiosk_time: Moment
    printer: DeviceState = Field(description="a printer status value, e.g. 'ready', 'paper_out'")
    reader: DeviceState = Field(description="'ok', 'offline', 'absent', ...")
    voice: DeviceState = Field(description="'ok', 'muted', 'failed', ...")
    outbox_pending: Int = Field(ge=0, description="outbox events not yet acknowledged")
    oldest_pending_at: Moment | None = None
    app_version: Annotated[str, StringConstraints(max_length=32)] = ""
    roster_version: NonNegativeInt | None = None
    catalogue_etag: Annotated[str, StringConstraints(max_length=80)] | None = None


class HeartbeatReply(WireModel):
    """What the kiosk should know: the server's time, the skew it saw, what is new."""

    server_time: Moment
    clock_skew_s: float = Field(description="kiosk clock minus server clock, seconds")
    roster_version: Int | None = None
    catalogue_etag: str | None = None


# --- catalogue ----------------------------------------------------------------------------


class OpeningHours(WireModel):
    """Open on ``weekdays`` (1 = Monday .. 7 = Sunday) from ``opens`` until ``closes``
    (``HH:MM``, the hall's local time)."""

    weekdays: list[Annotated[int, Field(ge=1, le=7), BeforeValidator(_number_only)]] = Field(
        min_length=1
    )
    opens: ClockTime
    closes: ClockTime

    @model_validator(mode="after")
    def _order(self) -> OpeningHours:
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        return self


class KioskHealth(WireModel):
    """What the server knows about one kiosk, for staff pages."""

    name: str
    last_seen: Moment | None
    offline: StrictBool
    printer: str | None
    out_of_paper: StrictBool
    outbox_pending: Int | None
    outbox_behind: StrictBool
    clock_skew_s: float | None
    reader: str | None = None
    voice: str | None = None


class KioskList(WireModel):
    kiosks: list[KioskHealth]


class CatalogueService(WireModel):
    """The kiosk's catalogue entry (``assets/catalogue.toml``) plus hours and a quota."""

    code: ServiceCode
    prefix: Prefix
    name_zh: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    name_en: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    location_zh: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    location_en: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    icon: Annotated[str, StringConstraints(max_length=64)] = ""
    opening_hours: list[OpeningHours] = Field(default_factory=list)
    daily_quota: PositiveInt | None = Field(
        default=None, description="tickets per day; none: no limit"
    )

    @field_validator("prefix")
    @classmethod
    def _not_priority(cls, prefix: str) -> str:
        if prefix == "L":
            raise ValueError("prefix L is reserved for priority tickets")
        return prefix


class Catalogue(WireModel):
    """A hall's catalogue, served with an ETag (``If-None-Match`` -> 304)."""

    version: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    services: list[CatalogueService] = Field(min_length=1, max_length=64)

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        codes = [s.code for s in self.services]
        prefixes = [s.prefix for s in self.services]
        if len(set(codes)) != len(codes):
            raise ValueError("service codes must be unique")
        if len(set(prefixes)) != len(prefixes):
            raise ValueError("service prefixes must be unique")
        return self


# --- roster -------------------------------------------------------------------------------


class RosterMeta(WireModel):
    """A published roster version. The body (snapshot or delta) is fetched separately, as
    gzip of :func:`encode_roster_body`; ``count`` and ``checksum`` (SHA-256 hex of the
    uncompressed body) come with it in headers and must match."""

    version: Int = Field(ge=1)
    key_id: str = Field(description="which roster key the hashes are made with")
    count: Int = Field(ge=0, description="entries in the full snapshot")
    checksum: str = Field(description="SHA-256 hex of the uncompressed snapshot body")
    published_at: Moment
    label: str = ""


class RosterKey(WireModel):
    """The hall's roster hash key. Only ever in a response body, to a kiosk's token, over
    TLS, with ``Cache-Control: no-store``; the kiosk keeps it in its secret store."""

    key_id: str
    key_b64: str = Field(description="the HMAC key, base64")


class RosterChange(NamedTuple):
    """One line of a roster body: ``op`` '+' (entry present) or '-' (entry removed)."""

    op: str
    id_hash: bytes
    category: str
    valid_from: str | None
    valid_to: str | None


class RosterFormatError(ValueError):
    """A roster body that does not decode, or whose count or checksum is wrong."""


def encode_roster_body(changes: Iterable[RosterChange]) -> tuple[bytes, int, str]:
    """The uncompressed body, its line count and its SHA-256 hex.

    One line per entry, tab-separated: ``op``, hash (64 hex digits), category, valid_from,
    valid_to (empty when none), ``\\n``. A snapshot has only ``+`` lines; a delta has ``+``
    for added or changed entries and ``-`` for removed ones. Transfer is gzip of this.
    """
    lines = [
        f"{c.op}\t{c.id_hash.hex()}\t{c.category}\t{c.valid_from or ''}\t{c.valid_to or ''}\n"
        for c in changes
    ]
    body = "".join(lines).encode("ascii")
    return body, len(lines), hashlib.sha256(body).hexdigest()


def decode_roster_body(
    compressed: bytes, *, count: int | None = None, checksum: str | None = None
) -> Iterator[RosterChange]:
    """Decompress and check a roster body, then yield its lines.

    Everything is checked (gzip, checksum, count, each line) before the first line comes
    out, so a caller that stores while iterating never stores half of a bad body.
    """
    try:
        body = gzip.decompress(compressed)
    except (OSError, EOFError) as e:
        raise RosterFormatError(f"roster body is not gzip: {e}") from e
    if checksum is not None and hashlib.sha256(body).hexdigest() != checksum.lower():
        raise RosterFormatError("roster body checksum does not match")
    rows: list[RosterChange] = []
    for number, line in enumerate(body.splitlines(), start=1):
        parts = line.split(b"\t")
        if len(parts) != 5 or parts[0] not in (b"+", b"-") or len(parts[1]) != 64:
            raise RosterFormatError(f"roster body line {number} is malformed")
        try:
            digest = bytes.fromhex(parts[1].decode("ascii"))
            category, valid_from, valid_to = (p.decode("ascii") for p in parts[2:])
        except (ValueError, UnicodeDecodeError) as e:
            raise RosterFormatError(f"roster body line {number} is malformed") from e
        rows.append(
            RosterChange(parts[0].decode(), digest, category, valid_from or None, valid_to or None)
        )
    if count is not None and len(rows) != count:
        raise RosterFormatError(f"roster body has {len(rows)} entries, expected {count}")
    return iter(rows)


# --- queue and counters -------------------------------------------------------------------


class ServiceQueue(WireModel):
    service_code: str
    waiting: Int = Field(ge=0)
    priority_waiting: Int = Field(ge=0)
    estimate_minutes: NonNegativeInt | None = Field(
        default=None,
        description="wait for the next ticket issued now; none: no rate yet today",
    )


class QueueStatus(WireModel):
    day: Day
    as_of: Moment
    services: list[ServiceQueue]


class CallNextRequest(WireModel):
    """A counter window asks for its next visitor among ``services`` (all when empty)."""

    window: Label
    services: list[ServiceCode] = Field(default_factory=list, max_length=64)


class WindowAction(WireModel):
    """Recall, skip or mark served: the window that does it (it must hold the ticket)."""

    window: Label


class TransferRequest(WireModel):
    """Send a ticket to another service's queue; it keeps its place by issue time."""

    window: Label
    service_code: ServiceCode


class CalledTicket(WireModel):
    ticket_id: str
    number: str
    service_code: str
    priority: StrictBool
    state: Literal["waiting", "called", "served", "skipped", "voided"]
    window: str | None = None
    issued_at: Moment
    called_at: Moment | None = None
    calls: Int = 0


# --- helper alerts ------------------------------------------------------------------------


class Alert(WireModel):
    """A priority ticket someone must go and help with."""

    id: Int
    ticket_id: str
    number: str
    service_code: str
    kiosk_id: str
    issued_at: Moment
    category: str | None
    category_words: str = Field(description="the category in words, e.g. '老年人 (elderly)'")
    raised_at: Moment
    acked_at: Moment | None = None
    acked_by: str | None = None
    escalated: StrictBool = False


class AlertList(WireModel):
    alerts: list[Alert]


class AlertAck(WireModel):
    helper: Label


def validation_details(error: ValidationError) -> list[FieldError]:
    """pydantic's errors as :class:`FieldError` items (the field path kept)."""
    return [FieldError(loc=list(e["loc"]), msg=e["msg"], type=e["type"]) for e in error.errors()]
