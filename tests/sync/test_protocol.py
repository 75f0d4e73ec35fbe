"""The wire protocol accepts what the kiosk's outbox already holds, and refuses the rest."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from kiosk.domain.clock import ManualClock
from kiosk.domain.ticket import TicketRequest
from kiosk.store import outbox
from kiosk.store.db import Database, open_database
from kiosk.store.models import OutboxEvent
from kiosk.store.tickets import issue_ticket
from sync.protocol import (
    Catalogue,
    EventBatch,
    EventEnvelope,
    EventKind,
    LeaseRequest,
    PrinterStatusPayload,
    RosterChange,
    RosterFormatError,
    TicketIssuedPayload,
    decode_roster_body,
    encode_roster_body,
    parse_event_payload,
    validation_details,
)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_database(tmp_path / "kiosk.db")
    yield database
    database.close()


def _envelopes(db: Database) -> list[EventEnvelope]:
    with db.read() as session:
        rows = session.scalars(select(OutboxEvent).order_by(OutboxEvent.created_at)).all()
        return [
            EventEnvelope(
                id=row.id,
                kind=row.kind,
                kiosk_id="k1",
                kiosk_time=row.created_at,
                urgent=row.urgent,
                payload=json.loads(row.payload),
            )
            for row in rows
        ]


def test_the_kiosk_outbox_rows_parse_as_they_are(db: Database) -> None:
    clock = ManualClock(datetime(2026, 12, 3, 9, 30, tzinfo=UTC))
    issue_ticket(db, clock, TicketRequest("medical_insurance", "A"), kiosk_id="k1")
    issue_ticket(
        db,
        clock,
        TicketRequest("medical_insurance", "A", priority=True, category="elderly"),
        kiosk_id="k1",
    )
    outbox.add_event(
        db, clock, "kiosk.printer_status", {"kiosk_id": "k1", "status": "paper_out"}, urgent=True
    )
    envelopes = _envelopes(db)
    batch = EventBatch.model_validate_json(
        json.dumps({"events": [e.model_dump(mode="json") for e in envelopes]})
    )
    kinds = [e.kind for e in batch.events]
    assert kinds.count(EventKind.TICKET_ISSUED) == 2
    payloads = [parse_event_payload(e.kind, e.payload) for e in batch.events]
    issued = [p for p in payloads if isinstance(p, TicketIssuedPayload)]
    assert {p.number for p in issued} == {"A001", "L001"}
    assert [p.category for p in issued if p.priority] == ["elderly"]
    status = [p for p in payloads if isinstance(p, PrinterStatusPayload)]
    assert status[0].status == "paper_out"


def test_unknown_kind_is_a_key_error_and_a_bad_payload_keeps_its_field_path() -> None:
    with pytest.raises(KeyError):
        parse_event_payload("ticket.teleported", {})
    with pytest.raises(ValidationError) as caught:
        parse_event_payload("kiosk.printer_status", {"kiosk_id": "k1", "status": "on fire"})
    assert validation_details(caught.value)[0].loc == ["status"]


def test_unknown_fields_and_loose_types_are_refused() -> None:
    event = {
        "id": "6f1c1f7e-1111-4a4a-8b8b-000000000001",
        "kind": "ticket.voided",
        "kiosk_id": "k1",
        "kiosk_time": "2026-12-03T09:30:00+08:00",
        "payload": {},
    }
    with pytest.raises(ValidationError) as caught:
        EventEnvelope.model_validate({**event, "colour": "red"})
    assert caught.value.errors()[0]["loc"] == ("colour",)
    assert len(EventBatch.model_validate({"events": [event, event]}).events) == 2  # dup: acked
    with pytest.raises(ValidationError):
        EventEnvelope.model_validate({**event, "urgent": 1})  # a number is not a boolean
    with pytest.raises(ValidationError):
        EventEnvelope.model_validate({**event, "kiosk_time": 0})  # a number is not a time
    with pytest.raises(ValidationError):
        EventEnvelope.model_validate({**event, "kiosk_time": "2026-12-03T09:30:00"})  # naive


def test_lease_and_catalogue_rules() -> None:
    with pytest.raises(ValidationError):
        LeaseRequest(day="2026-12-03", prefix="a", count=10)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        LeaseRequest(day="2026-12-03", prefix="A", count=0)  # type: ignore[arg-type]
    service = {
        "code": "medical_insurance",
        "prefix": "A",
        "name_zh": "医疗保险",
        "name_en": "Medical Insurance",
        "location_zh": "1-3号窗口",
        "location_en": "Windows 1-3",
        "opening_hours": [{"weekdays": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:00"}],
        "daily_quota": 200,
    }
    assert Catalogue.model_validate({"version": "v1", "services": [service]}).services[0]
    with pytest.raises(ValidationError, match="reserved"):
        Catalogue.model_validate({"version": "v1", "services": [{**service, "prefix": "L"}]})
    with pytest.raises(ValidationError, match="unique"):
        Catalogue.model_validate(
            {"version": "v1", "services": [service, {**service, "code": "other"}]}
        )
    with pytest.raises(ValidationError, match="after opens"):
        bad_hours = [{"weekdays": [1], "opens": "17:00", "closes": "09:00"}]
        Catalogue.model_validate(
            {"version": "v1", "services": [{**service, "opening_hours": bad_hours}]}
        )


def test_roster_body_round_trip_and_checks() -> None:
    changes = [
        RosterChange("+", bytes(range(32)), "elderly", None, "2027-01-01"),
        RosterChange("-", bytes(32), "subsistence", "2024-01-01", None),
    ]
    body, count, checksum = encode_roster_body(changes)
    assert count == 2
    compressed = gzip.compress(body)
    assert list(decode_roster_body(compressed, count=2, checksum=checksum)) == changes
    with pytest.raises(RosterFormatError, match="checksum"):
        decode_roster_body(compressed, count=2, checksum="0" * 64)
    with pytest.raises(RosterFormatError, match="expected 3"):
        decode_roster_body(compressed, count=3)
    with pytest.raises(RosterFormatError, match="not gzip"):
        decode_roster_body(body)
    with pytest.raises(RosterFormatError, match="line 1"):
        decode_roster_body(gzip.compress(b"+\tzz\telderly\t\t\n"))
