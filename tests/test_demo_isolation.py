"""Issue 14: `kiosk --demo` on a configured PC, and a config file gone missing, must leave
the real kiosk's roster, keys, PIN and database as they were. Real processes, real files.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from idreader.testing import make_id_number
from kiosk.domain.pin import hash_pin


def env_for(home: Path) -> dict[str, str]:
    env = dict(os.environ, HOME=str(home), QT_QPA_PLATFORM="offscreen")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    return env


def kiosk(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        env=env_for(home),
        timeout=120,
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def configured(tmp_path: Path) -> Path:
    """A configured kiosk: config file with a staff PIN, a 400-entry roster, its keys."""
    home = tmp_path / "home"
    config = home / "xdg_config_home" / "lobby-kiosk" / "kiosk.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        '[kiosk]\nid = "K07"\n[voice]\nenabled = false\n'
        f'[staff]\npin_hash = "{hash_pin("135790")}"\n',
        encoding="utf-8",
    )
    rows = [
        f"{make_id_number(date(1950, 1, 1 + i % 28), region='370102', sequence=i // 28)},低保,"
        for i in range(400)
    ]
    roster = tmp_path / "roster.csv"
    roster.write_text("id_number,category,valid_to\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = kiosk(["roster", "import", str(roster)], home)
    assert result.returncode == 0, result.stderr
    assert "installed 400 entries as roster version 1" in result.stdout
    return home


def production(home: Path) -> dict[str, dict[str, str]]:
    """The real kiosk's config folder (config, keys) and data folder; demo/ aside."""
    data = home / "xdg_data_home" / "lobby-kiosk"
    assert (data / "kiosk.db").exists()
    return {
        name: {k: v for k, v in snapshot(folder).items() if not k.startswith("demo/")}
        for name, folder in (("config", home / "xdg_config_home" / "lobby-kiosk"), ("data", data))
    }


def roster_info(home: Path) -> str:
    result = kiosk(["roster", "info"], home)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_beside_a_configured_kiosk_leaves_roster_keys_and_pin_alone(configured: Path):
    home = configured
    info = roster_info(home)  # (a read-only look; it may leave empty -wal/-shm files)
    before = production(home)
    assert any(name.startswith("keys/") for name in before["config"])  # the key folder

    # The real app, offscreen, until its home screen is up; then it is stopped.
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--demo"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(home),
    )
    shown = threading.Event()
    lines: list[str] = []

    def watch() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if "home screen shown" in line:
                shown.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        assert shown.wait(90), "".join(lines)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        watcher.join(5)

    assert production(home) == before  # roster, keys, PIN, database: byte for byte
    assert roster_info(home) == info
    demo = home / "xdg_data_home" / "lobby-kiosk" / "demo"
    assert (demo / "kiosk.db").exists()  # the demo ran, in its own folder
    assert (home / "xdg_config_home" / "lobby-kiosk" / "demo" / "keys").is_dir()
    log = "".join(lines)
    assert "demo mode" in log and str(demo) in log


def test_a_configured_kiosk_whose_config_went_missing_refuses_to_start(configured: Path):
    home = configured
    config = home / "xdg_config_home" / "lobby-kiosk" / "kiosk.toml"
    config.unlink()
    before = production(home)
    result = kiosk([], home)
    assert result.returncode == 2
    assert str(config) in result.stderr and "not found" in result.stderr
    assert "Traceback" not in result.stderr
    assert production(home) == before


def test_data_folder_database_and_logs_are_the_kiosk_users_only(configured: Path, tmp_path):
    import logging
    import stat

    from kiosk.logsetup import setup_logging

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    data = configured / "xdg_data_home" / "lobby-kiosk"
    assert mode(data) == 0o700
    assert mode(data / "kiosk.db") == 0o600

    root = logging.getLogger()
    saved = list(root.handlers), root.level
    old_umask = os.umask(0o022)
    try:
        log_file = setup_logging(tmp_path / "logs", console=False)
        handler = root.handlers[0]
        logging.getLogger("test").warning("written")
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        handler.doRollover()
        logging.getLogger("test").warning("after the rollover")
        handler.flush()
    finally:
        os.umask(old_umask)
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert mode(log_file.parent) == 0o700
    assert [mode(p) for p in sorted(log_file.parent.iterdir())] == [0o600, 0o600]
