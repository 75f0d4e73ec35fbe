"""When a batch meets a concurrent write (the database refuses an insert), it is redone
event by event in savepoints: nothing is lost, nothing counted twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from hall.keys import KeyStore
from hall.store.db import open_database
from hall.store.models import Event, Ticket
from hall.usecases import events, halls
from sync.protocol import EventEnvelope
from tests.hall.wire import envelope, issued


def test_batch_redone_one_by_one_after_a_refused_insert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'hall.db'}")
    now = datetime.now(UTC)
    halls.create_hall(db, KeyStore(tmp_path / "keys"), "H", now)
    client = halls.authenticate(db, halls.add_client(db, "H", "k1", "kiosk", now))
    assert client is not None
    first = issued("A001")
    batch = [
        first,
        issued("A002"),
        issued("A001"),  # a kiosk bug: the same number twice
        envelope("ticket.printed", {"ticket_id": first["payload"]["ticket_id"],
                                    "printed_at": now.isoformat()}),
    ]  # fmt: skip
    envelopes = [EventEnvelope.model_validate(e) for e in batch]
    real = events._batch
    tries: list[int] = []

    def racing(*args: object) -> object:
        tries.append(1)
        real(*args)  # type: ignore[arg-type]
        raise IntegrityError("INSERT INTO tickets", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(events, "_batch", racing)
    results = events.ingest_events(db, client, envelopes, now)
    assert tries == [1]
    assert [(r.status, r.code) for r in results] == [
        ("accepted", 200), ("accepted", 200), ("rejected", 409), ("accepted", 200),
    ]  # fmt: skip
    again = events.ingest_events(db, client, envelopes, now)
    assert [r.status for r in again] == ["duplicate", "duplicate", "rejected", "duplicate"]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 2
        assert session.scalar(select(func.count()).select_from(Event)) == 3
        printed = session.scalar(select(Ticket.printed).where(Ticket.number == "A001"))
        assert printed is True
    db.close()
