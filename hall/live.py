"""Live updates: notes of committed transactions, fanned out to this process's listeners
(the event stream of the staff pages).

SQLite (one process): the database hands each committed write's notes to
:meth:`LiveBus.publish_threadsafe`. PostgreSQL (several workers or hosts): every write
sends its notes with ``pg_notify`` inside the transaction, and :func:`listen_postgres` in
every worker LISTENs and publishes what arrives, so each worker's listeners hear every
worker's writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.engine import make_url

from hall.store.db import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

_QUEUE_SIZE = 1000


class LiveBus:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: set[tuple[int, asyncio.Queue[dict[str, Any]]]] = set()

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def publish(self, note: dict[str, Any]) -> None:
        """Hand a note to every listener of its hall (on the event loop's thread)."""
        for hall_id, queue in list(self._queues):
            if hall_id == note.get("hall_id"):
                with contextlib.suppress(asyncio.QueueFull):  # a stalled page loses notes
                    queue.put_nowait(note)

    def publish_threadsafe(self, notes: list[dict[str, Any]]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        for note in notes:
            loop.call_soon_threadsafe(self.publish, note)

    @contextlib.asynccontextmanager
    async def subscribe(self, hall_id: int) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(_QUEUE_SIZE)
        entry = (hall_id, queue)
        self._queues.add(entry)
        try:
            yield queue
        finally:
            self._queues.discard(entry)


def libpq_url(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(False)


async def listen_postgres(url: str, bus: LiveBus, ready: asyncio.Event | None = None) -> None:
    """LISTEN on the hall channel until cancelled, reconnecting after a failure."""
    import psycopg

    while True:
        try:
            async with await psycopg.AsyncConnection.connect(
                libpq_url(url), autocommit=True
            ) as connection:
                await connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                if ready is not None:
                    ready.set()
                async for notification in connection.notifies():
                    try:
                        bus.publish(json.loads(notification.payload))
                    except ValueError:
                        log.warning("ignored a malformed live-update note")
        except asyncio.CancelledError:
            raise
        except Exception as e:  # the database restarted or the network dropped
            log.warning("live updates: lost the PostgreSQL connection (%s); retrying", e)
            await asyncio.sleep(2.0)
