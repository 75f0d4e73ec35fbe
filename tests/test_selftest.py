"""`kiosk --self-test` names what failed and exits 1 (the whole run is CI's frozen step)."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import LoadedConfig
from kiosk.selftest import STEPS, SelfTestFailure, run_self_test


def test_a_failing_step_is_named_and_the_others_still_run():
    ran: list[str] = []

    def broken(_folder: Path, _loaded: LoadedConfig) -> str:
        raise SelfTestFailure("no speech engine")

    def fine(_folder: Path, loaded: LoadedConfig) -> str:
        ran.append(loaded.config.kiosk.id)
        return "fine"

    lines: list[str] = []
    code = run_self_test((("voice", broken), ("database", fine)), out=lines.append)
    assert code == 1
    assert ran == ["K99"]
    assert "FAIL  voice" in lines[0] and "no speech engine" in lines[0]
    assert lines[-1].endswith("voice")


def test_the_steps_from_source_pass(tmp_path: Path):
    lines: list[str] = []
    code = run_self_test(STEPS, out=lines.append)
    assert code == 0, "\n".join(lines)
    assert "by 2 worker processes" in lines[0]
