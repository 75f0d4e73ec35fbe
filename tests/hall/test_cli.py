"""The technician's path: `hall create`, `hall kiosk add` (token printed once), the token
working against `hall serve`, the day report; and the per-token rate limit."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import httpx

from hall.store.models import Client
from hall.tokens import token_hash
from tests.hall.conftest import running_server
from tests.hall.wire import hall_today, issued, minutes_ago


def _hall(url: str, keys: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hall", "--database-url", url, "--key-dir", str(keys), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_create_add_kiosk_serve_and_report(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    keys = tmp_path / "keys"
    assert _hall(url, keys, "db", "upgrade").returncode == 0
    assert _hall(url, keys, "create", "East Hall").returncode == 0
    assert _hall(url, keys, "create", "East Hall").returncode == 2  # exists
    added = _hall(url, keys, "kiosk", "add", "East Hall", "k1")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    counter = _hall(url, keys, "counter", "add", "East Hall", "c1").stdout.strip().splitlines()[-1]
    assert _hall(url, keys, "kiosk", "add", "Nowhere", "k1").returncode == 2
    catalogue = Path(__file__).resolve().parents[2] / "assets" / "catalogue.toml"
    assert _hall(url, keys, "catalogue", "set", "East Hall", str(catalogue)).returncode == 0

    with running_server("sqlite", tmp_path, None) as server:
        with server.db.read() as session:
            stored = session.query(Client.token_hash).all()
        assert (token_hash(token),) in stored and all(token not in s for (s,) in stored)
        with server.client(token) as kiosk:
            assert kiosk.get("/catalogue").json()["version"] == "default-2026.1"
            events = [
                issued("A001", at=minutes_ago(30)),
                issued("A002", at=minutes_ago(20)),
                issued("L001", priority=True, category="elderly", at=minutes_ago(25)),
            ]
            assert kiosk.post("/events", json={"events": events}).status_code == 200
        with server.client(counter) as desk:
            for _ in range(2):
                assert desk.post("/counter/call-next", json={"window": "W1"}).status_code == 200

    day = hall_today().isoformat()
    text = _hall(url, keys, "report", "East Hall", day)
    assert text.returncode == 0, text.stderr
    assert "Tickets: 3 (served 1" in text.stdout
    assert "老年人 (elderly)" in text.stdout
    rows = list(
        csv.reader(io.StringIO(_hall(url, keys, "report", "East Hall", day, "--csv").stdout))
    )
    figures = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    assert figures[("hall", "tickets", "")] == "3"
    assert figures[("kiosk", "k1", "priority")] == "1"
    assert float(figures[("hall", "wait_median_min", "")]) > 0

    # Revoked: the token stops working.
    assert _hall(url, keys, "kiosk", "revoke", "East Hall", "k1").returncode == 0
    with running_server("sqlite", tmp_path, None) as server:
        assert (
            httpx.get(
                f"{server.api}/queue", headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 401
        )


def test_rate_limit_per_token(tmp_path: Path) -> None:
    with running_server("sqlite", tmp_path, None, env={"HALL_RATE_PER_TOKEN_S": "1"}) as server:
        tokens = server.new_hall("Busy Hall", kiosks=2)
        with server.client(tokens["k1"]) as kiosk:
            codes = [kiosk.get("/queue").status_code for _ in range(5)]
            assert codes[:2] == [200, 200]
            assert 429 in codes
            limited = kiosk.get("/queue")
            assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        with server.client(tokens["k2"]) as other:  # another token is not held back
            assert other.get("/queue").status_code == 200
