"""Server-sent events for the pages: each page gets only what it may see, translated from
the hall's live-update notes (:class:`hall.live.LiveBus`). A ``ping`` every
``PING_S`` lets a page notice a dead connection; the browser's EventSource reconnects by
itself after ``RETRY_MS``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from hall.live import LiveBus

PING_S = 10.0
RETRY_MS = 2000

#: A note -> the events to send for it: (event name, JSON-able data).
Translate = Callable[[dict[str, Any]], list[tuple[str, Any]]]


def refresh_on(*kinds: str) -> Translate:
    """Send a bare ``refresh`` for these kinds of note (the page fetches its own view)."""

    def translate(note: dict[str, Any]) -> list[tuple[str, Any]]:
        return [("refresh", {})] if note.get("kind") in kinds else []

    return translate


def event_stream(
    request: Request, bus: LiveBus, hall_id: int, translate: Translate
) -> StreamingResponse:
    async def events() -> AsyncIterator[str]:
        async with bus.subscribe(hall_id) as queue:
            yield f"retry: {RETRY_MS}\nevent: hello\ndata: {{}}\n\n"
            while not await request.is_disconnected():
                try:
                    note = await asyncio.wait_for(queue.get(), PING_S)
                except TimeoutError:
                    yield "event: ping\ndata: {}\n\n"
                    continue
                for name, data in translate(note):
                    yield f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
