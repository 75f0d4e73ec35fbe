"""Five wrong staff PINs lock the panel for five minutes, and a restart keeps the lock."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.clock import ManualClock
from kiosk.domain.pin import hash_pin
from kiosk.services.staff import StaffService
from kiosk.store.db import open_database
from kiosk.store.lockout import load_lockout

PIN = "246801"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "kiosk.db")
    yield database
    database.close()


def check(qtbot, service: StaffService, pin: str):
    with qtbot.waitSignal(service.pin_checked, timeout=10_000) as signal:
        service.check_pin(pin)
    return signal.args[0]


def test_lockout_survives_a_restart(qtbot, db, tmp_path):
    clock = ManualClock(datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    lockout_file = tmp_path / "data" / "staff-lockout.json"
    now = [1_000_000.0]
    stored = hash_pin(PIN)
    first = StaffService(db, clock, stored, lockout_file=lockout_file, now_s=lambda: now[0])
    try:
        attempts = [check(qtbot, first, "000000") for _ in range(5)]
    finally:
        first.shutdown()
    assert [a.tries_left for a in attempts[:4]] == [4, 3, 2, 1]
    assert attempts[4].locked_for_s == 300
    assert lockout_file.stat().st_mode & 0o777 == 0o600
    assert json.loads(lockout_file.read_text())["locked_until"] == 1_000_300.0

    now[0] += 60  # the kiosk restarts a minute later
    second = StaffService(db, clock, stored, lockout_file=lockout_file, now_s=lambda: now[0])
    try:
        attempt = check(qtbot, second, PIN)
        assert not attempt.ok and attempt.locked_for_s == 240
        now[0] += 241
        assert check(qtbot, second, PIN).ok
    finally:
        second.shutdown()
    assert load_lockout(lockout_file).failures == 0


def test_wrong_tries_before_a_restart_still_count(qtbot, db, tmp_path):
    clock = ManualClock(datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    lockout_file = tmp_path / "staff-lockout.json"
    stored = hash_pin(PIN)
    first = StaffService(db, clock, stored, lockout_file=lockout_file)
    try:
        for _ in range(4):
            check(qtbot, first, "111111")
    finally:
        first.shutdown()
    second = StaffService(db, clock, stored, lockout_file=lockout_file)
    try:
        assert check(qtbot, second, "111111").locked_for_s == 300
    finally:
        second.shutdown()


def test_a_garbled_lockout_file_locks_rather_than_resets(tmp_path):
    path = tmp_path / "staff-lockout.json"
    path.write_text("{not json", encoding="utf-8")
    assert load_lockout(path).locked_until == float("inf")
