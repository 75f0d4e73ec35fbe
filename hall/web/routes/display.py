"""The hall display (a TV, read-only): the tickets being called and where, the last calls,
waiting counts per service; each call announced by a chime and a spoken call rendered on
the server. Opened once with ``/display/HALL?token=...`` (a display token from
``hall display add``); the token then lives in an HttpOnly cookie and leaves the URL."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from hall.api.deps import State, now, today
from hall.usecases.boards import display_board, service_names
from hall.usecases.displays import display_hall
from hall.web.deps import PageError, Pages, render, see_other
from hall.web.live import event_stream
from hall.web.security import DISPLAY_COOKIE, set_cookie
from hall.web.voice import VoiceError, call_phrase, chime_wav

router = APIRouter(include_in_schema=False)


def _hall_id(request: Request, app: State, hall: str) -> int:
    token = request.cookies.get(DISPLAY_COOKIE, "")
    hall_id = display_hall(app.db, hall, token) if 0 < len(token) <= 100 else None
    if hall_id is None:
        raise PageError(
            401,
            "此显示屏需要显示屏令牌：用 /display/大厅?token=… 打开 / "
            "this display needs a display token: open /display/HALL?token=...",
        )
    return hall_id


def _board(app: State, hall_id: int) -> Any:
    moment = now()
    return display_board(app.db, hall_id, today(app, moment), moment)


@router.get("/display/{hall}", response_class=HTMLResponse)
def display_page(
    request: Request,
    app: State,
    hall: str,
    token: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    if token is not None:  # first visit: keep the token in a cookie, not in the address
        if display_hall(app.db, hall, token) is None:
            raise PageError(401, "显示屏令牌无效 / unknown or revoked display token")
        response = see_other(f"/display/{quote(hall, safe='')}")
        set_cookie(response, request, DISPLAY_COOKIE, token, path="/display",
                   max_age=400 * 24 * 3600)  # fmt: skip
        return response
    hall_id = _hall_id(request, app, hall)
    return render(
        request,
        "display.html",
        {"hall": hall, "board": _board(app, hall_id), "base": f"/display/{quote(hall, safe='')}"},
    )


@router.get("/display/{hall}/board", response_class=HTMLResponse)
def display_board_part(request: Request, app: State, hall: str) -> Response:
    hall_id = _hall_id(request, app, hall)
    return render(request, "display_board.html", {"board": _board(app, hall_id)})


@router.get("/display/{hall}/events")
def display_events(request: Request, app: State, pages: Pages, hall: str) -> Response:
    hall_id = _hall_id(request, app, hall)
    names = service_names(app.db, hall_id)
    base = f"/display/{quote(hall, safe='')}"

    def translate(note: dict[str, Any]) -> list[tuple[str, Any]]:
        kind = note.get("kind")
        if kind == "ticket.called":
            number, window = str(note.get("number", "")), str(note.get("window", ""))
            service = names.get(str(note.get("service_code", "")))
            audio = None
            try:
                phrase = call_phrase(number, window)
                if not pages.voice.path_for(phrase).exists():
                    pages.voice.submit(phrase)  # ready by the time the chime has played
                audio = f"{base}/voice?{urlencode({'number': number, 'window': window})}"
            except ValueError:
                pass
            call = {
                "number": number,
                "window": window,
                "service_zh": service.zh if service else "",
                "service_en": service.en if service else "",
                "audio": audio,
            }
            return [("call", call), ("refresh", {})]
        if kind == "queue.changed":
            return [("refresh", {})]
        return []

    return event_stream(request, app.bus, hall_id, translate)


@router.get("/display/{hall}/voice")
async def display_voice(
    request: Request,
    app: State,
    pages: Pages,
    hall: str,
    number: Annotated[str, Query(max_length=12)],
    window: Annotated[str, Query(max_length=64)],
) -> Response:
    _hall_id(request, app, hall)
    try:
        phrase = call_phrase(number, window)
    except ValueError as e:
        raise PageError(422, str(e)) from e
    try:
        path = await pages.voice.render(phrase)
    except VoiceError as e:
        raise PageError(503, f"语音不可用 / the spoken call is unavailable: {e}") from e
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "max-age=86400"})


@router.get("/display-chime.wav")
def chime() -> Response:
    return Response(chime_wav(), media_type="audio/wav")


@router.get("/display")
def display_root() -> Response:
    return see_other("/login")
