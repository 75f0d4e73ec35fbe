"""The hall server probe of `kiosk check` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sync.probe import probe_server

TOKEN = "kiosk-K01-token"


class _Hall(BaseHTTPRequestHandler):
    clock_offset_s = 0.0

    def do_GET(self) -> None:
        if self.path == "/api/v1/health":
            self._answer(200)
        elif self.path == "/api/v1/queue":
            ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
            self._answer(200 if ok else 401)
        else:
            self._answer(404)

    def _answer(self, status: int) -> None:
        self.send_response_only(status)
        self.send_header("Date", formatdate(time.time() + self.clock_offset_s, usegmt=True))
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def hall() -> Iterator[tuple[str, type[_Hall]]]:
    handler = type("Hall", (_Hall,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_the_token_is_accepted_and_the_clocks_agree(hall):
    url, _ = hall
    probe = probe_server(url, TOKEN, timeout_s=2)
    assert probe.reachable and probe.token_accepted is True
    assert probe.clock_skew_s is not None and abs(probe.clock_skew_s) < 2


def test_a_wrong_token_is_refused(hall):
    url, _ = hall
    probe = probe_server(url, "someone-else", timeout_s=2)
    assert probe.reachable and probe.token_accepted is False
    assert "refuses the token" in probe.detail and "someone-else" not in probe.detail


def test_a_server_clock_ten_minutes_ahead_shows_as_the_kiosk_behind(hall):
    url, handler = hall
    handler.clock_offset_s = 600
    probe = probe_server(url, TOKEN, timeout_s=2)
    assert probe.clock_skew_s is not None and -602 < probe.clock_skew_s < -598


def test_nothing_listening_is_unreachable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    probe = probe_server(f"http://127.0.0.1:{port}", TOKEN, timeout_s=1)
    assert not probe.reachable and probe.token_accepted is None
    assert "does not answer" in probe.detail
