"""Heartbeats from kiosks, and the kiosks' health for staff."""

from __future__ import annotations

from fastapi import APIRouter

from hall.api.deps import Counter, Kiosk, State, now
from hall.usecases.kiosks import kiosk_health, record_heartbeat
from sync.protocol import Heartbeat, HeartbeatReply, KioskList

router = APIRouter(tags=["kiosks"])


@router.post("/heartbeat", response_model=HeartbeatReply)
def post_heartbeat(beat: Heartbeat, app: State, client: Kiosk) -> HeartbeatReply:
    return record_heartbeat(app.db, client, beat, now())


@router.get("/kiosks", response_model=KioskList)
def get_kiosks(app: State, client: Counter) -> KioskList:
    """Which kiosks are offline, out of paper or behind on their outbox."""
    return KioskList(kiosks=kiosk_health(app.db, client.hall_id, app.settings, now()))
