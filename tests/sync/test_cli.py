"""``kiosk sync`` as a technician runs it (a real process, a real config file, a real hall
server), the token warning, and TLS with a custom CA bundle."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hall.testing import HallServer, free_port
from kiosk.config import load_config
from kiosk.domain.clock import SystemClock
from kiosk.domain.ticket import TicketRequest
from kiosk.services.sync_engine import token_file_warning
from kiosk.store import tickets as ticket_store
from kiosk.store.db import open_database
from sync.client import ClientSettings, HallClient
from sync.errors import ServerUnreachable, SyncError
from tests.sync.conftest import FaultProxy, HallSetup, make_engine


def write_config(folder: Path, url: str, token: str) -> Path:
    path = folder / "kiosk.toml"
    path.write_text(
        f'[kiosk]\nid = "k1"\ndata_dir = "{folder / "data"}"\nlog_dir = "{folder / "logs"}"\n'
        f'[printer]\ntransport = "preview"\npreview_dir = "{folder / "preview"}"\n'
        f'[server]\nurl = "{url}"\ntoken = "{token}"\nretries = 1\ntimeout_s = 2\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def kiosk(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config), "sync", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_status_and_end_of_day_from_the_command_line(
    tmp_path: Path, proxy: FaultProxy, setup: HallSetup
) -> None:
    config = write_config(tmp_path, proxy.url, setup.tokens["k1"])
    first = kiosk(config)  # leases numbers, pulls catalogue and roster
    assert first.returncode == 0, first.stderr
    db = open_database(tmp_path / "data" / "kiosk.db")
    request = TicketRequest("medical_insurance", "A")
    for _ in range(3):
        ticket_store.issue_ticket(
            db, SystemClock(), request, kiosk_id="k1", open_local_blocks=False
        )
    db.close()
    status = kiosk(config, "--status")
    assert status.returncode == 0, status.stderr
    assert "waiting to go up:   3 event(s)" in status.stdout
    assert "last success:" in status.stdout and "never" not in status.stdout
    proxy.mode = "down"
    away = kiosk(config, "--end-of-day")
    assert away.returncode == 1
    assert "not complete; everything is kept for next time" in away.stderr
    assert "unreachable" in away.stderr and "Traceback" not in away.stderr
    assert "合计 / Tickets: 3" in away.stdout and "待上传 / Waiting to go up: 3" in away.stdout
    proxy.mode = "pass"
    done = kiosk(config, "--end-of-day", "--print")
    assert done.returncode == 0, done.stderr
    assert "100%" in done.stderr  # the progress bar
    assert "待上传 / Waiting to go up: 0" in done.stdout and "day report printed" in done.stdout
    assert list((tmp_path / "preview").glob("*.png"))


def test_a_token_in_a_file_others_can_read_is_warned_about(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", "secret-token")
    assert token_file_warning(load_config(config)) is None
    config.chmod(0o644)
    warning = token_file_warning(load_config(config))
    assert warning is not None and "chmod 600" in warning and "secret-token" not in warning
    status = kiosk(config, "--status")
    assert "readable by other users" in status.stderr


def test_client_settings_refused_plainly() -> None:
    with pytest.raises(SyncError, match="no kiosk token"):
        HallClient(ClientSettings(url="http://127.0.0.1:9", token=""))
    with pytest.raises(SyncError, match="CA bundle"):
        HallClient(ClientSettings(url="https://h", token="t", ca_bundle=Path("/nonexistent")))


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "hall.pem", folder / "hall.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls_with_the_halls_ca_bundle(tmp_path: Path, hall: HallServer, setup: HallSetup) -> None:
    cert, key = _certificate(tmp_path)
    port = free_port()
    env = dict(os.environ, HALL_DATABASE_URL=hall.database_url, HALL_KEY_DIR=str(hall.key_dir))
    server = subprocess.Popen(
        [sys.executable, "-m", "hall", "serve", "--port", str(port), "--ssl-certfile",
         str(cert), "--ssl-keyfile", str(key), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/api/v1/health", verify=str(cert), timeout=1)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.1)
        db = open_database(tmp_path / "kiosk.db")
        trusted = make_engine(db, url, setup.tokens["k1"])
        with pytest.raises(ServerUnreachable, match="TLS"):  # the system's CAs do not know it
            trusted.ensure_leases()
        trusting = HallClient(
            ClientSettings(url=url, token=setup.tokens["k1"], ca_bundle=cert, retries=0)
        )
        lease = trusting.lease(dt.date.today(), "A", 10)
        assert lease.end - lease.start == 9
        trusting.close()
        db.close()
    finally:
        server.terminate()
        server.wait(15)
