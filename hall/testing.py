"""Run the hall server for real, for tests and benchmarks: a throwaway PostgreSQL cluster
and ``hall serve`` (uvicorn) on 127.0.0.1, with direct access to its database.

PostgreSQL comes from Debian's ``postgresql`` package (``python -m kiosk.bootstrap test``
installs it).
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
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from hall.keys import KeyStore
from hall.store.db import Database, open_database
from hall.usecases import halls

if TYPE_CHECKING:
    import httpx

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


@contextlib.contextmanager
def pg_cluster(*, durable: bool = False) -> Iterator[PgCluster]:
    """A throwaway PostgreSQL cluster: initdb + pg_ctl in a temp folder (as the
    ``postgres`` user when run as root, since initdb refuses root), on a free port, its
    socket in that folder. Tests run it with fsync off (it is thrown away); benchmarks with
    ``durable=True`` (fsync and synchronous commit on, as in production). Stopped and
    removed on exit."""
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
        "-c max_connections=300 -c shared_buffers=128MB"
    )
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
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
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=30.0)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    database_url: str, folder: Path, *, workers: int = 1, env: dict[str, str] | None = None
) -> HallServer:
    key_dir = folder / "keys"
    db = open_database(database_url, pool_size=4)
    port = free_port()
    log_path = folder / f"server-{port}.log"
    environ = {
        **os.environ,
        "HALL_DATABASE_URL": database_url,
        "HALL_KEY_DIR": str(key_dir),
        "HALL_RATE_PER_TOKEN_S": "10000",
        **(env or {}),
    }
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
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1.0) as answer:
                if answer.status == 200:
                    break
        except OSError:
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
