"""`kiosk support-bundle`: config without secrets, logs and check output; no database, no keys."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from kiosk.domain.pin import hash_pin
from kiosk.supportbundle import REDACTED, redact_config


def test_secrets_are_removed_and_the_rest_kept():
    text = (
        "[staff]\n"
        'pin_hash = "scrypt$abc"  # set by kiosk pin set\n'
        "[server]\n"
        'url = "https://hall.example:8443"\n'
        'token = """multi\nline\n"""\n'
        "[green_channel.priority_card_keys]\n"
        'hall-2026 = "MCowBQYDK2VwAyEA"\n'
        'api_key = [\n  "a",\n  "b",\n]\n'
        "timeout_s = 5\n"
    )
    out = redact_config(text)
    for secret in ("scrypt$abc", "multi", "line", '"a"', '"b"'):
        assert secret not in out
    assert f'pin_hash = "{REDACTED}"' in out and f'token = "{REDACTED}"' in out
    assert 'url = "https://hall.example:8443"' in out and "timeout_s = 5" in out


def test_the_bundle_holds_no_database_no_keys_and_no_pin_hash(tmp_path: Path):
    data, logs, out = tmp_path / "data", tmp_path / "logs", tmp_path / "bundle.zip"
    pin_hash = hash_pin("24681357")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{data.as_posix()}"\nlog_dir = "{logs.as_posix()}"\n'
        f'[staff]\npin_hash = "{pin_hash}"\n[printer]\ntransport = "preview"\n',
        encoding="utf-8",
    )
    run = [sys.executable, "-m", "kiosk", "--config", str(config)]
    subprocess.run([*run, "roster", "info"], check=True, capture_output=True)  # a log line
    done = subprocess.run(
        [*run, "support-bundle", "--out", str(out)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert (out.stat().st_mode & 0o077) == 0
    with zipfile.ZipFile(out) as bundle:
        names = bundle.namelist()
        assert {"about.txt", "check.txt", "config/kiosk.toml"} <= set(names)
        assert any(n.startswith("logs/") for n in names)
        assert not any(n.endswith((".db", ".db-wal", ".key")) or "keys/" in n for n in names)
        everything = b"".join(bundle.read(n) for n in names)
    assert pin_hash.encode() not in everything
    assert b"database" in bundle_check(out)


def bundle_check(path: Path) -> bytes:
    with zipfile.ZipFile(path) as bundle:
        return bundle.read("check.txt")
