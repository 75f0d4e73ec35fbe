"""Live updates of a hall as server-sent events, for the staff and display pages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from hall.api.deps import Counter, State

router = APIRouter(tags=["stream"])

KEEPALIVE_S = 15.0


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "event stream"}},
)
async def stream(request: Request, app: State, client: Counter) -> StreamingResponse:
    """``event: <kind>`` / ``data: <json>`` for each change in the caller's hall
    (``queue.changed``, ``ticket.called``, ``alert.raised``, ``alert.acked``,
    ``kiosk.changed``, ``kiosk.printer_status``, ``roster.published``, ...)."""

    async def events() -> AsyncIterator[str]:
        async with app.bus.subscribe(client.hall_id) as queue:
            yield ": connected\n\n"
            while not await request.is_disconnected():
                try:
                    note = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                kind = str(note.get("kind", "message"))
                yield f"event: {kind}\ndata: {json.dumps(note, ensure_ascii=False)}\n\n"

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
