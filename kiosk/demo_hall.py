"""Demo mode's own hall server: ``hall serve`` on SQLite, on 127.0.0.1, in the demo folder.

``kiosk --demo`` with no config file starts one (unless ``KIOSK_DEMO_HALL=0``), creates
the demo hall with this kiosk and one counter, gives it the kiosk's catalogue, points the
kiosk's sync at it and prints the URLs, so a newcomer sees an ``L`` ticket reach the
hall's helper alerts. Everything lives in ``<demo data folder>/hall/``; the server goes
away with the kiosk. The kiosk talks to it only over HTTP (it never imports ``hall``): the
set-up runs the ``hall`` command line, as a technician would.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from kiosk.config import LoadedConfig, ServerSection

log = logging.getLogger(__name__)

HALL_NAME = "Demo hall"
KIOSK_NAME = "K01"
COUNTER_NAME = "helper"
START_TIMEOUT_S = 30.0


@dataclass
class DemoHall:
    url: str
    folder: Path
    process: subprocess.Popen[bytes]
    kiosk_token: str
    counter_token: str
    display_path: str = ""

    def urls(self) -> list[str]:
        api = f"{self.url}/api/v1"
        return [
            f"hall server:      {self.url}  (data in {self.folder})",
            f"hall pages:       {self.url}/counter  /helpers  /reports  /admin"
            f"  (demo login {DEMO_USER} / {DEMO_PASSWORD})",
            f"hall display:     {self.url}{self.display_path}",
            f"API documents:    {self.url}/docs",
            f"helper alerts:    curl -H 'Authorization: Bearer {self.counter_token}' {api}/alerts",
            f"queue:            curl -H 'Authorization: Bearer {self.counter_token}' {api}/queue",
            f"ticket pages:     {self.url}/t/<ticket id>  (the QR code on each ticket)",
        ]

    def shutdown(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


#: The demo hall's staff account for its pages (demo only; printed at start).
DEMO_USER = "demo"
DEMO_PASSWORD = "demo-hall"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: Runs in a child process (the kiosk never imports ``hall``): the hall, its kiosk and
#: counter (new tokens each start), the kiosk's catalogue. Prints the tokens as JSON.
_SET_UP = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from hall.cli import _catalogue_data
from hall.errors import Conflict
from hall.keys import KeyStore
from hall.store.db import open_database
from hall.usecases import halls
url, keys, name, catalogue = sys.argv[1:5]
DEMO_USER, DEMO_PASSWORD = sys.argv[7:9]
now = datetime.now(UTC)
db = open_database(url)
try:
    halls.create_hall(db, KeyStore(Path(keys)), name, now)
except Conflict:
    pass
tokens = {}
for role, client in (("kiosk", sys.argv[5]), ("counter", sys.argv[6])):
    try:
        tokens[role] = halls.add_client(db, name, client, role, now)
    except Conflict:
        tokens[role] = halls.rotate_token(db, name, client, role, now)
halls.set_catalogue(db, name, _catalogue_data(Path(catalogue)))
from hall.usecases import displays, users
try:  # the pages' demo account (demo only: a real hall adds staff with `hall user add`)
    users.add_user(db, DEMO_USER, "admin", DEMO_PASSWORD, name, now)
except Conflict:
    pass
try:
    tokens["display"] = displays.add_display(db, name, "demo-tv", now)
except Conflict:
    displays.revoke_display(db, name, "demo-tv", now)
    tokens["display"] = displays.add_display(db, name, "demo-tv-" + now.strftime("%H%M%S"), now)
db.close()
print(json.dumps(tokens))
"""


def start_demo_hall(loaded: LoadedConfig) -> DemoHall | None:
    """Start the demo's hall server; None (and a warning) when it cannot run here."""
    folder = loaded.data_dir / "hall"
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        log.warning("demo: no hall server (install the hall extra: pip install -e '.[hall]')")
        return None
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    try:
        made = subprocess.run(
            [sys.executable, "-c", _SET_UP, f"sqlite:///{folder / 'hall.db'}",
             str(folder / "keys"), HALL_NAME, str(loaded.catalogue_path), KIOSK_NAME,
             COUNTER_NAME, DEMO_USER, DEMO_PASSWORD],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if made.returncode != 0:
            raise RuntimeError(made.stderr.strip().splitlines()[-1] if made.stderr else "failed")
        tokens = json.loads(made.stdout.strip().splitlines()[-1])
        kiosk_token, counter_token = tokens["kiosk"], tokens["counter"]
        display_path = f"/display/{quote(HALL_NAME, safe='')}?token={tokens['display']}"
    except (OSError, RuntimeError, ValueError, KeyError, subprocess.SubprocessError) as e:
        log.warning("demo: hall server not set up: %s", e)
        return None
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_file = open(folder / "server.log", "ab")  # noqa: SIM115 - the server writes it
    env = dict(
        os.environ,
        HALL_DATABASE_URL=f"sqlite:///{folder / 'hall.db'}",
        HALL_KEY_DIR=str(folder / "keys"),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "hall", "serve", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log_file, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log_file.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.warning("demo: hall server did not start; see %s", folder / "server.log")
            return None
        time.sleep(0.1)
    hall = DemoHall(url, folder, process, kiosk_token, counter_token, display_path)
    (folder / "demo.json").write_text(json.dumps({"url": url}), encoding="utf-8")
    return hall


def with_demo_hall(loaded: LoadedConfig) -> tuple[LoadedConfig, DemoHall | None]:
    """The demo's config pointed at a fresh demo hall server (when one can start)."""
    if not loaded.demo or loaded.source is not None or loaded.config.server.url:
        return loaded, None
    if os.environ.get("KIOSK_DEMO_HALL", "1") == "0":
        return loaded, None
    hall = start_demo_hall(loaded)
    if hall is None:
        return loaded, None
    server = ServerSection(url=hall.url, token=hall.kiosk_token, push_interval_s=2)
    config = loaded.config.model_copy(update={"server": server})
    for line in hall.urls():
        print(f"demo: {line}", flush=True)
        # Tokens go to the console only, never into the log file.
        log.info("demo: %s", line.split("curl")[0].split("?token=")[0].strip())
    return dataclasses.replace(loaded, config=config), hall
