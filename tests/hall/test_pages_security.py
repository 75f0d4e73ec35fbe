"""Security of the hall pages over plain HTTP: CSRF on forms, the login rate limit,
cookies and headers, display tokens, the spoken call, the staff CLI."""

from __future__ import annotations

import io
import subprocess
import sys
import wave
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import delete, select

from hall.store.models import Ticket, TicketState
from hall.store.page_models import LoginFailure, StaffUser
from hall.testing import HallServer, running_server
from hall.usecases import displays
from hall.usecases.users import MAX_FAILURES
from tests.hall.pages import PASSWORD, PageHall, page_hall


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallServer]:
    folder = tmp_path_factory.mktemp("hall-pages-security")
    env = {"HALL_VOICE_DIR": str(folder / "voice")}
    with running_server("sqlite", folder, None, env=env) as server:
        yield server


@pytest.fixture
def hall(web: HallServer, hall_name: str) -> PageHall:
    return page_hall(web, hall_name)


def _browser(server: HallServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30.0, follow_redirects=False)


def _csrf(client: httpx.Client) -> str:
    client.get("/login")
    return str(client.cookies["hall_csrf"])


def _log_in(client: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    token = _csrf(client)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token})


def test_forms_without_the_csrf_token_are_refused(hall: PageHall) -> None:
    with _browser(hall.server) as client:
        token = _csrf(client)
        form = {"name": hall.user("counter"), "password": PASSWORD}
        assert client.post("/login", data=form).status_code == 403
        assert client.post("/login", data={**form, "csrf_token": "forged"}).status_code == 403
        foreign = {"Origin": "http://evil.example"}
        answer = client.post("/login", data={**form, "csrf_token": token}, headers=foreign)
        assert answer.status_code == 403
        assert "hall_session" not in client.cookies
        assert _log_in(client, hall.user("counter")).status_code == 303
        token = str(client.cookies["hall_csrf"])  # renewed at login
        assert (
            client.post("/counter/window", data={"window": "2", "csrf_token": token}).status_code
            == 303
        )

        hall.issue("A001")
        assert client.post("/counter/call-next", data={}).status_code == 403
        assert client.post("/counter/call-next", data={"csrf_token": "x" * 43}).status_code == 403
        with hall.server.db.read() as session:
            states = session.scalars(select(Ticket.state).where(Ticket.number == "A001")).all()
        assert TicketState.CALLED not in states  # the refused posts did nothing
        assert client.post("/counter/call-next", data={"csrf_token": token}).status_code == 303
        page = client.get("/counter")
        assert 'data-testid="current-number">A001<' in page.text


def test_logins_are_rate_limited_by_name_and_address(hall: PageHall) -> None:
    name = hall.user("helper")
    try:
        with _browser(hall.server) as client:
            for _ in range(MAX_FAILURES):
                assert _log_in(client, name, "wrong password").status_code == 401
            refused = _log_in(client, name, PASSWORD)  # even the right password now
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) > 0
            assert "尝试次数过多" in refused.text
            assert "hall_session" not in client.cookies
            # The same address is refused for every name while it is over the limit.
            assert _log_in(client, hall.user("admin"), PASSWORD).status_code == 429
    finally:
        with hall.server.db.write() as uow:
            uow.session.execute(delete(LoginFailure))
    with _browser(hall.server) as client:
        assert _log_in(client, name).status_code == 303


def test_cookies_and_security_headers(hall: PageHall) -> None:
    with _browser(hall.server) as client:
        login = client.get("/login")
        answer = _log_in(client, hall.user("admin"))
        assert answer.status_code == 303
        cookies = answer.headers.get_list("set-cookie")
        for name in ("hall_session", "hall_csrf"):
            cookie = next(c for c in cookies if c.startswith(name + "="))
            assert "HttpOnly" in cookie and "SameSite=strict" in cookie, cookie
        page = client.get("/admin")
        assert page.status_code == 200
        for response in (login, page):
            csp = response.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["cache-control"] == "no-store"
            assert '<meta charset="utf-8">' in response.text
            assert "http://" not in response.text and "https://" not in response.text  # no CDN


def test_the_display_needs_its_token_and_speaks_the_call(hall: PageHall) -> None:
    path = f"/display/{quote(hall.name, safe='')}"
    with _browser(hall.server) as tv:
        assert tv.get(path).status_code == 401
        assert tv.get(path, params={"token": "hall_wrong"}).status_code == 401
        first = tv.get(path, params={"token": hall.display_token})
        assert first.status_code == 303 and first.headers["location"] == path
        assert tv.get(path).status_code == 200
        voice = tv.get(f"{path}/voice", params={"number": "L012", "window": "3"})
        assert voice.status_code == 200 and voice.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(voice.content)) as wav:
            assert wav.getnframes() / wav.getframerate() > 1.0  # a real spoken sentence
        again = tv.get(f"{path}/voice", params={"number": "L012", "window": "3"})
        assert again.content == voice.content
        assert (
            tv.get(f"{path}/voice", params={"number": "rm -rf", "window": "3"}).status_code == 422
        )
        chime = tv.get("/display-chime.wav")
        assert chime.status_code == 200 and chime.content[:4] == b"RIFF"
        displays.revoke_display(hall.server.db, hall.name, "tv-1", datetime.now(UTC))
        assert tv.get(path).status_code == 401


def test_the_visitor_page_needs_the_unguessable_id(hall: PageHall) -> None:
    ticket_id = hall.issue("A001")
    with _browser(hall.server) as phone:
        assert phone.get(f"/t/{ticket_id}").status_code == 200
        assert phone.get("/t/A001").status_code == 422
        assert phone.get("/t/00000000-0000-4000-8000-000000000000").status_code == 404
        # Not yet served: no rating is taken.
        token = str(phone.cookies["hall_csrf"])
        answer = phone.post(f"/t/{ticket_id}/rating", data={"level": "5", "csrf_token": token})
        assert answer.status_code == 409


def test_staff_accounts_from_the_command_line(hall: PageHall) -> None:
    env_args = ["--database-url", hall.server.database_url, "--key-dir", str(hall.server.key_dir)]
    add = subprocess.run(
        [sys.executable, "-m", "hall", *env_args, "user", "add", "desk7", "--role", "counter",
         "--hall", hall.name, "--password-stdin"],
        input="a long password\n", capture_output=True, text=True,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    with hall.server.db.read() as session:
        stored = session.scalars(select(StaffUser.password_hash).where(StaffUser.name == "desk7"))
        assert stored.one().startswith("$argon2id$")
    short = subprocess.run(
        [sys.executable, "-m", "hall", *env_args, "user", "add", "desk8", "--role", "helper",
         "--hall", hall.name, "--password-stdin"],
        input="short\n", capture_output=True, text=True,
    )  # fmt: skip
    assert short.returncode == 2 and "at least 8" in short.stderr
    with _browser(hall.server) as client:
        assert _log_in(client, "desk7", "a long password").headers["location"] == "/counter"


def test_after_login_only_paths_of_this_server(hall: PageHall) -> None:
    for wanted, expected in (
        ("/reports", "/reports"),
        ("//evil.example/x", "/admin"),
        ("/\\evil.example", "/admin"),
        ("https://evil.example", "/admin"),
    ):
        with _browser(hall.server) as client:
            token = _csrf(client)
            answer = client.post(
                "/login",
                data={"name": hall.user("admin"), "password": PASSWORD, "csrf_token": token,
                      "next": wanted},
            )  # fmt: skip
            assert answer.headers["location"] == expected, wanted
    with _browser(hall.server) as client:
        answer = client.get("/reports", params={"from": "2026-01-01"})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=/reports"
