"""Heartbeats and what they tell staff: offline, out of paper, behind on the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from hall.settings import HallSettings
from hall.store.db import Database
from hall.store.models import Client, Hall, KioskState, Role, RosterVersion
from hall.usecases import ClientRef
from sync.protocol import Heartbeat, HeartbeatReply, KioskHealth

_OUT_OF_PAPER = frozenset({"paper_out"})


def record_heartbeat(
    db: Database, client: ClientRef, beat: Heartbeat, now: datetime
) -> HeartbeatReply:
    skew = (beat.kiosk_time - now).total_seconds()
    with db.write() as uow:
        session = uow.session
        state = session.get(KioskState, client.id)
        changed = state is None or state.printer != beat.printer
        if state is None:
            state = KioskState(client_id=client.id)
            session.add(state)
        state.last_seen = now
        state.kiosk_time = beat.kiosk_time
        state.clock_skew_s = skew
        state.printer = beat.printer
        state.reader = beat.reader
        state.voice = beat.voice
        state.outbox_pending = beat.outbox_pending
        state.oldest_pending_at = beat.oldest_pending_at
        state.app_version = beat.app_version
        state.roster_version = beat.roster_version
        if changed:
            uow.notify(client.hall_id, "kiosk.changed", kiosk=client.name)
        hall = session.get(Hall, client.hall_id)
        latest = session.scalar(
            select(RosterVersion.version)
            .where(RosterVersion.hall_id == client.hall_id)
            .order_by(RosterVersion.version.desc())
            .limit(1)
        )
        return HeartbeatReply(
            server_time=now,
            clock_skew_s=round(skew, 3),
            roster_version=latest,
            catalogue_etag=hall.catalogue_etag if hall is not None else None,
        )


def kiosk_health(
    db: Database, hall_id: int, settings: HallSettings, now: datetime
) -> list[KioskHealth]:
    offline_after = timedelta(seconds=settings.offline_after_s)
    behind_after = timedelta(seconds=settings.outbox_behind_after_s)
    with db.read() as session:
        rows = session.execute(
            select(Client, KioskState)
            .outerjoin(KioskState, KioskState.client_id == Client.id)
            .where(Client.hall_id == hall_id, Client.role == Role.KIOSK)
            .where(Client.revoked_at.is_(None))
            .order_by(Client.name)
        ).all()
        health: list[KioskHealth] = []
        for client, state in rows:
            if state is None:
                health.append(
                    KioskHealth(
                        name=client.name,
                        last_seen=None,
                        offline=True,
                        printer=None,
                        out_of_paper=False,
                        outbox_pending=None,
                        outbox_behind=False,
                        clock_skew_s=None,
                    )
                )
                continue
            oldest = state.oldest_pending_at
            health.append(
                KioskHealth(
                    name=client.name,
                    last_seen=state.last_seen,
                    offline=now - state.last_seen > offline_after,
                    printer=state.printer,
                    out_of_paper=state.printer in _OUT_OF_PAPER,
                    outbox_pending=state.outbox_pending,
                    outbox_behind=oldest is not None and state.kiosk_time - oldest > behind_after,
                    clock_skew_s=state.clock_skew_s,
                    reader=state.reader,
                    voice=state.voice,
                )
            )
        return health
