"""Fixtures of the hall server tests: a real PostgreSQL cluster, a real uvicorn.

PostgreSQL: one throwaway cluster per test session (``initdb`` + ``pg_ctl`` from Debian's
``postgresql`` package, which ``python -m kiosk.bootstrap test`` installs), in a temp
folder owned by the ``postgres`` user when the tests run as root (initdb refuses root),
on a free port, with its socket in that folder. Each test module gets a fresh database.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from hall.keys import KeyStore
from hall.store.db import Database, open_database
from hall.usecases import halls

ENGINES = ["sqlite", "postgresql"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    path = found[-1] if found else shutil.which(name)
    if path is None:
        raise RuntimeError(
            f"PostgreSQL's {name} is missing: run `python3 -m kiosk.bootstrap test`, which "
            "installs Debian's postgresql package"
        )
    return path


@dataclass
class PgCluster:
    port: int
    folder: Path
    _counter: int = 0

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        self._counter += 1
        name = f"hall_test_{self._counter}"
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name}")
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    as_root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="hall-pg-"))
    run_as: list[str] = []
    if as_root:
        shutil.chown(folder, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    port = free_port()
    subprocess.run(
        [*run_as, _pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E",
         "UTF8", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} "
        "-c max_connections=300 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c shared_buffers=64MB"
    )
    subprocess.run(
        [*run_as, _pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
         str(folder / "log"), "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield PgCluster(port, folder)
    finally:
        subprocess.run(
            [*run_as, _pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class HallServer:
    """A real ``hall serve`` (uvicorn) on 127.0.0.1 and direct access to its database."""

    url: str
    database_url: str
    key_dir: Path
    db: Database
    process: subprocess.Popen[bytes]
    engine: str
    log_path: Path
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def new_hall(self, name: str, *, kiosks: int = 1, counters: int = 1) -> dict[str, str]:
        """Create a hall with kiosks ``k1``.. and counters ``c1``..; returns their tokens."""
        now = datetime.now(UTC)
        halls.create_hall(self.db, KeyStore(self.key_dir), name, now)
        tokens = {}
        for i in range(1, kiosks + 1):
            tokens[f"k{i}"] = halls.add_client(self.db, name, f"k{i}", "kiosk", now)
        for i in range(1, counters + 1):
            tokens[f"c{i}"] = halls.add_client(self.db, name, f"c{i}", "counter", now)
        return tokens

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=30.0)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    database_url: str,
    folder: Path,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> HallServer:
    """``port``: a fixed one, e.g. to start a stopped server again where kiosks expect it."""
    key_dir = folder / "keys"
    db = open_database(database_url, pool_size=4)
    port = port or free_port()
    log_path = folder / f"server-{port}.log"
    environ = dict(
        os.environ,
        HALL_DATABASE_URL=database_url,
        HALL_KEY_DIR=str(key_dir),
        HALL_RATE_PER_TOKEN_S="10000",
        **(env or {}),
    )
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "hall", "serve", "--port", str(port), "--workers",
             str(workers), "--log-level", "warning"],
            env=environ, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1.0).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"hall serve did not start:\n{log_path.read_text()}")
        time.sleep(0.1)
    engine = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    return HallServer(url, database_url, key_dir, db, process, engine, log_path)


def stop_server(server: HallServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    server.db.close()


@contextlib.contextmanager
def running_server(
    engine: str,
    folder: Path,
    pg: PgCluster | None,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> Iterator[HallServer]:
    if engine == "sqlite":
        database_url = f"sqlite:///{folder / 'hall.db'}"
    else:
        assert pg is not None
        database_url = pg.new_database()
    server = start_server(database_url, folder, workers=workers, env=env)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HallServer]:
    """One server per test module and engine; PostgreSQL ones run two workers."""
    engine = request.param
    pg = request.getfixturevalue("pg_cluster") if engine == "postgresql" else None
    folder = tmp_path_factory.mktemp(f"hall-{engine}")
    workers = 2 if engine == "postgresql" else 1
    with running_server(engine, folder, pg, workers=workers) as running:
        yield running


_halls = iter(range(1, 1_000_000))


@pytest.fixture
def hall_name() -> str:
    """A hall name unique within the test session."""
    return f"Hall {next(_halls)}"
