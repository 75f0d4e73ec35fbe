"""Kiosks post their outbox: batches of events, idempotent per event UUID."""

from __future__ import annotations

from fastapi import APIRouter

from hall.api.deps import Kiosk, State, now
from hall.usecases.events import ingest_events
from sync.protocol import EventBatch, EventBatchResult

router = APIRouter(tags=["events"])


@router.post("/events", response_model=EventBatchResult)
def post_events(batch: EventBatch, app: State, client: Kiosk) -> EventBatchResult:
    """Store and apply a batch. Each event is answered in order: ``accepted``,
    ``duplicate`` (a replay: acknowledged, not counted again) or ``rejected`` with a code
    (422 unknown kind or bad payload, 409 unknown ticket or number already taken)."""
    return EventBatchResult(results=ingest_events(app.db, client, batch.events, now()))
