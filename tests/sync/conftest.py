"""Fixtures of the kiosk-sync tests: a real ``hall serve`` (uvicorn, SQLite) on 127.0.0.1,
a kiosk database, and a fault-injecting HTTP proxy in front of the server.

The proxy passes requests through to the real server unchanged until told to misbehave:
answer 500, hold the answer back (a timeout), answer 200 with a body that is not JSON, cut
an answer short, or close connections at once. It sits between the kiosk's client and
the real server, so the kiosk talks HTTP over a real socket in every case.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hall.testing import HallServer, running_server
from hall.usecases import halls
from kiosk.domain.catalogue import Catalogue, parse_catalogue
from kiosk.domain.clock import SystemClock
from kiosk.paths import assets_dir
from kiosk.services.sync_engine import SyncEngine, SyncSettings
from kiosk.store.db import Database, open_database
from kiosk.store.keystore import FileKeyStore
from sync.client import ClientSettings, HallClient

#: The kiosk's default catalogue as the hall serves it.
HALL_CATALOGUE = {
    "version": "test-1",
    "services": [
        {
            "code": s.code,
            "prefix": s.prefix,
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "location_zh": s.location_zh,
            "location_en": s.location_en,
        }
        for s in parse_catalogue(
            (assets_dir() / "catalogue.toml").read_text(encoding="utf-8"), "catalogue.toml"
        ).services
    ],
}


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallServer]:
    with running_server("sqlite", tmp_path_factory.mktemp("hall"), None) as server:
        yield server


_halls = iter(range(1, 1_000_000))


@dataclass
class HallSetup:
    server: HallServer
    name: str
    tokens: dict[str, str]


def new_hall(server: HallServer, kiosks: int = 2) -> HallSetup:
    name = f"Sync hall {next(_halls)}"
    tokens = server.new_hall(name, kiosks=kiosks)
    halls.set_catalogue(server.db, name, HALL_CATALOGUE)
    return HallSetup(server, name, tokens)


@pytest.fixture
def setup(hall: HallServer) -> HallSetup:
    return new_hall(hall)


def kiosk_catalogue() -> Catalogue:
    return parse_catalogue(
        (assets_dir() / "catalogue.toml").read_text(encoding="utf-8"), "catalogue.toml"
    )


def make_engine(
    db: Database,
    url: str,
    token: str,
    *,
    kiosk_id: str = "k1",
    retries: int = 2,
    read_timeout_s: float = 5.0,
    **settings: object,
) -> SyncEngine:
    client = HallClient(
        ClientSettings(
            url=url,
            token=token,
            read_timeout_s=read_timeout_s,
            connect_timeout_s=2.0,
            retries=retries,
            backoff_s=0.05,
            backoff_max_s=0.2,
        )
    )
    return SyncEngine(
        db,
        SystemClock(),
        client,
        SyncSettings(kiosk_id=kiosk_id, **settings),  # type: ignore[arg-type]
        [s.prefix for s in kiosk_catalogue().services],
    )


@pytest.fixture
def kiosk_db(tmp_path: Path) -> Iterator[Database]:
    """The kiosk's database, its keys in a folder of their own (as the config folder)."""
    db = open_database(tmp_path / "kiosk.db", keys=FileKeyStore(tmp_path / "keys"))
    yield db
    db.close()


# --- the proxy ----------------------------------------------------------------------------


class FaultProxy:
    """``mode``: pass | error500 | garbage | hang | truncate | down. ``only`` limits the
    fault to paths containing that text (others pass)."""

    def __init__(self, upstream: str) -> None:
        self.point_at(upstream)
        self.mode = "pass"
        self.only = ""
        self.seen: Counter[str] = Counter()
        self.hang_s = 3.0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                mode = proxy.mode if proxy.only in self.path else "pass"
                proxy.seen[mode] += 1
                if mode == "down":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if mode == "error500":
                    self._send(500, b'{"error":"boom","message":"injected"}')
                    return
                if mode == "garbage":
                    self._send(200, b"<html>not json{")
                    return
                if mode == "hang":
                    time.sleep(proxy.hang_s)
                    self.close_connection = True
                    return
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                except OSError:  # the server is down: so is the connection
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                finally:
                    upstream.close()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                if mode == "truncate":
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.end_headers()
                self.wfile.write(data)

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = _relay
            do_POST = _relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def point_at(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(hall: HallServer) -> Iterator[FaultProxy]:
    running = FaultProxy(hall.url)
    yield running
    running.close()


def now() -> datetime:
    return datetime.now(UTC)
