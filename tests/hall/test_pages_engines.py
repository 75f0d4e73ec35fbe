"""The pages on both engines; on PostgreSQL with two workers, so the login, the session,
the rate limit and the live updates must work whichever worker answers."""

from __future__ import annotations

import threading
from urllib.parse import quote

import httpx

from hall.testing import HallServer
from tests.hall.pages import PASSWORD, page_hall


def _stream_events(client: httpx.Client, path: str, wanted: str, seen: list[str],
                   ready: threading.Event, done: threading.Event) -> None:  # fmt: skip
    with client.stream("GET", path, timeout=30) as answer:
        event = ""
        for line in answer.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
                if event == "hello":
                    ready.set()
            elif line.startswith("data: ") and event == wanted:
                seen.append(line[6:])
                done.set()
                return


def test_a_call_reaches_the_display_and_a_session_works_on_every_worker(
    server: HallServer, hall_name: str
) -> None:
    hall = page_hall(server, hall_name)
    hall.issue("A001")
    path = f"/display/{quote(hall.name, safe='')}"
    with (
        httpx.Client(base_url=server.url, timeout=30, follow_redirects=True) as tv,
        httpx.Client(base_url=server.url, timeout=30, follow_redirects=True) as staff,
    ):
        assert tv.get(path, params={"token": hall.display_token}).status_code == 200
        seen: list[str] = []
        ready, done = threading.Event(), threading.Event()
        listener = threading.Thread(
            target=_stream_events, args=(tv, f"{path}/events", "call", seen, ready, done)
        )
        listener.start()
        assert ready.wait(30)
        token = staff.get("/login").cookies["hall_csrf"]
        login = staff.post(
            "/login",
            data={"name": hall.user("counter"), "password": PASSWORD, "csrf_token": token},
        )
        assert login.status_code == 200 and login.url.path == "/counter"
        token = staff.cookies["hall_csrf"]
        for _ in range(4):  # whichever worker answers knows the session
            assert staff.get("/counter").status_code == 200
        staff.post("/counter/window", data={"window": "7", "csrf_token": token})
        called = staff.post("/counter/call-next", data={"csrf_token": token})
        assert called.status_code == 200 and "A001" in called.text
        assert done.wait(10)
        listener.join(10)
    assert '"number": "A001"' in seen[0] and '"window": "7"' in seen[0]
