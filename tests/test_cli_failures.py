"""Every command fails cleanly: a locked, read-only, damaged database or a full disk gives
one clear line on stderr, exit status 1, the old data untouched, and the error in the log.

Real processes on a real SQLite file. "Read-only" is the file mode 0444; a test running
as root drops the capabilities that let root write anyway (CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH) in the child. "Disk full" is a file size limit (RLIMIT_FSIZE) on the
child: its writes fail as they would on a full disk.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from idreader.testing import make_id_number

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def _drop_root_override() -> None:
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


class Kiosk:
    """A configured kiosk in a temporary folder, driven through its command line."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / "data" / "kiosk.db"
        self.log = root / "logs" / "kiosk.log"
        self.config = root / "kiosk.toml"
        self.config.write_text(
            f'[kiosk]\ndata_dir = "{root / "data"}"\nlog_dir = "{root / "logs"}"\n'
            f"[database]\nbusy_timeout_s = 0.3\n[voice]\nenabled = false\n",
            encoding="utf-8",
        )

    def run(self, *args: str, preexec=None) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, HOME=str(self.root), QT_QPA_PLATFORM="offscreen")
        return subprocess.run(
            [sys.executable, "-m", "kiosk", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            preexec_fn=preexec,
        )

    def roster_csv(self, name: str, rows: int) -> Path:
        path = self.root / name
        born = date(1950, 1, 1)
        numbers = (
            make_id_number(born + timedelta(days=i // 100), sequence=i % 100) for i in range(rows)
        )
        lines = [f"{n},elderly,2030-12-31" for n in numbers]
        path.write_text("id_number,category,valid_to\n" + "\n".join(lines) + "\n", "utf-8")
        return path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""


@pytest.fixture
def kiosk(tmp_path) -> Kiosk:
    k = Kiosk(tmp_path)
    first = k.run("roster", "import", str(k.roster_csv("first.csv", 3)))
    assert first.returncode == 0, first.stderr
    return k


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def roster_version(k: Kiosk) -> str:
    info = k.run("roster", "info")
    assert info.returncode == 0, info.stderr
    return info.stdout


def test_locked_database(kiosk):
    before = roster_version(kiosk)
    holder = sqlite3.connect(kiosk.db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        result = kiosk.run("roster", "import", str(kiosk.roster_csv("second.csv", 5)))
        line = assert_clean_failure(result, "busy", "nothing was changed")
        assert line in kiosk.log_text() or line.removeprefix("kiosk: ") in kiosk.log_text()
        info = kiosk.run("roster", "info")  # needs no write lock
        assert info.returncode == 0 and info.stdout == before
        check = kiosk.run("check")
        assert "WARN  database" in check.stdout and "busy" in check.stdout
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert roster_version(kiosk) == before


def test_read_only_database(kiosk):
    before = roster_version(kiosk)
    content = kiosk.db.read_bytes()
    os.chmod(kiosk.db, 0o444)
    try:
        # the child must really be unable to write (root would write through 0444)
        probe = subprocess.run(
            [sys.executable, "-c", f"open({str(kiosk.db)!r}, 'r+b')"],
            preexec_fn=_drop_root_override,
            capture_output=True,
        )
        assert probe.returncode != 0
        result = kiosk.run(
            "roster", "import", str(kiosk.roster_csv("second.csv", 5)), preexec=_drop_root_override
        )
        line = assert_clean_failure(result, "cannot be written")
        assert line.removeprefix("kiosk: ") in kiosk.log_text()
        info = kiosk.run("roster", "info", preexec=_drop_root_override)
        assert info.returncode == 0 and info.stdout == before
        check = kiosk.run("check", preexec=_drop_root_override)
        assert check.returncode == 1
        assert "FAIL  database" in check.stdout and "cannot be written" in check.stdout
    finally:
        os.chmod(kiosk.db, 0o644)
    assert kiosk.db.read_bytes() == content
    assert roster_version(kiosk) == before


def test_damaged_database(kiosk):
    kiosk.db.write_bytes(b"this is not a database " * 400)
    for extra in kiosk.db.parent.glob("kiosk.db-*"):
        extra.unlink()
    damaged = kiosk.db.read_bytes()
    for args in (["roster", "info"], ["roster", "import", str(kiosk.roster_csv("s.csv", 5))]):
        line = assert_clean_failure(kiosk.run(*args), "damaged", str(kiosk.db))
        assert line.removeprefix("kiosk: ") in kiosk.log_text()
    check = kiosk.run("check")
    assert check.returncode == 1 and "FAIL  database" in check.stdout
    assert "Traceback" not in check.stdout + check.stderr
    assert kiosk.db.read_bytes() == damaged  # nothing written over it


@pytest.mark.parametrize(
    ("room_kb", "where"),
    [(256, "Errno 27"), (2000, "disk I/O error")],
    ids=["while-sorting", "while-writing-pages"],
)
def test_disk_full_during_roster_import(kiosk, room_kb, where):
    """The limits are set so the import runs out of room once in its spill file and once
    while writing database pages (40,000 rows: ~1.8 MB spilled, ~2.5 MB of pages)."""
    before = roster_version(kiosk)
    limit = kiosk.db.stat().st_size + room_kb * 1024

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    big = kiosk.roster_csv("big.csv", 40_000)
    result = kiosk.run("roster", "import", str(big), preexec=small_disk)
    line = assert_clean_failure(result, "kiosk roster import failed", "disk is full")
    assert "nothing was changed" in line
    log = kiosk.log_text()
    assert line.removeprefix("kiosk: ") in log and where in log
    assert roster_version(kiosk) == before
    with sqlite3.connect(kiosk.db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master")]
    assert not [t for t in tables if "staging" in t]
    assert [p.name for p in kiosk.db.parent.iterdir() if "spill" in p.name] == []
