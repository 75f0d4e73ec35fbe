"""``python -m idreader.simulator`` as a separate process, read by a real SerialCardReader."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from idreader.base import ReaderState
from idreader.card import IdentityCard
from idreader.enums import CardType, Sex
from idreader.reader import SerialCardReader
from idreader.simulator import _load_cards_file, card_from_spec

from .conftest import WAIT_S, Recorder

StopLater = Callable[[Any], Any]


class SimProcess:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "idreader.simulator", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        lines: queue.Queue[str] = queue.Queue()
        assert self.proc.stdout is not None
        stdout = self.proc.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            self.port = lines.get(timeout=15).strip()
        except queue.Empty:
            self.proc.kill()
            raise AssertionError("the simulator printed no port") from None

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def close(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(10)
        finally:
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def spawn() -> Iterator[Callable[..., SimProcess]]:
    started: list[SimProcess] = []

    def run(*args: str) -> SimProcess:
        process = SimProcess(*args)
        started.append(process)
        return process

    yield run
    for process in started:
        process.close()


def read_with(port: str, recorder: Recorder, stop_later: StopLater) -> SerialCardReader:
    reader = stop_later(
        SerialCardReader(
            port, **recorder.callbacks(), poll_interval_s=0.05, reconnect_interval_s=0.1
        )
    )
    reader.start()
    return reader


def test_cards_from_the_command_line(
    spawn: Callable[..., SimProcess], recorder: Recorder, stop_later: StopLater
) -> None:
    sim = spawn("--lay-s", "60", "birth=1950-03-01,name=测试甲,sex=f")
    assert os.path.islink(sim.port)
    read_with(sim.port, recorder, stop_later)
    card = recorder.wait_card()
    assert isinstance(card, IdentityCard)
    assert (card.name, card.birth_date, card.sex) == ("测试甲", date(1950, 3, 1), Sex.FEMALE)
    assert card == card_from_spec("birth=1950-03-01,name=测试甲,sex=f", seed=0)
    assert sim.close() == 0
    assert not os.path.lexists(sim.port)  # cleaned up on SIGTERM


def test_cards_from_a_json_file_laid_lifted_and_laid_again(
    tmp_path: Path, spawn: Callable[..., SimProcess], recorder: Recorder, stop_later: StopLater
) -> None:
    cards_file = tmp_path / "cards.json"
    cards_file.write_text(
        json.dumps(
            {
                "lay_s": 1.0,
                "lift_s": 0.3,
                "cards": [
                    {"birth": "1940-01-02", "name": "测试乙"},
                    {"birth": "1990-05-06", "type": "hmt", "valid_to": "2030-01-01"},
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    sim = spawn("--cards-file", str(cards_file))
    read_with(sim.port, recorder, stop_later)
    first, second, third = (recorder.wait_card(n, timeout_s=10) for n in (1, 2, 3))
    assert isinstance(first, IdentityCard) and isinstance(second, IdentityCard)
    assert first.name == "测试乙" and first.birth_date == date(1940, 1, 2)
    assert second.card_type is CardType.HMT_RESIDENCE_PERMIT
    assert second.valid_to == date(2030, 1, 1)
    assert third == first  # the list goes round: laid again, reported again


def test_interactive_lay_unplug_replug_quit(
    spawn: Callable[..., SimProcess], recorder: Recorder, stop_later: StopLater
) -> None:
    sim = spawn("--interactive", "1950-01-01", "1960-01-01")
    read_with(sim.port, recorder, stop_later)
    recorder.wait_state(ReaderState.READY)
    sim.send("lay 1")
    card = recorder.wait_card()
    assert isinstance(card, IdentityCard) and card.birth_date == date(1960, 1, 1)

    mark = recorder.mark()
    sim.send("unplug")
    recorder.wait_state(ReaderState.OFFLINE, since=mark)
    mark = recorder.mark()
    sim.send("replug")
    recorder.wait_state(ReaderState.READY, since=mark)
    sim.send("quit")
    assert sim.proc.wait(WAIT_S) == 0


def test_bad_card_spec_exits_with_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "idreader.simulator", "birth=1950-03-01,colour=blue"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "colour" in result.stderr


def test_card_specs() -> None:
    card = card_from_spec("1950-03-01")
    assert card.birth_date == date(1950, 3, 1) and card.card_type is CardType.RESIDENT_ID
    foreign = card_from_spec({"birth": "1970-01-01", "type": "foreign2023", "sex": "m"})
    assert foreign.card_type is CardType.FOREIGN_PERMANENT_2023 and foreign.sex is Sex.MALE
    assert card_from_spec("birth=1990-01-01,valid_to=长期").valid_to is None
    with pytest.raises(ValueError, match="card type"):
        card_from_spec("type=passport")


def test_toml_cards_file(tmp_path: Path) -> None:
    path = tmp_path / "cards.toml"
    path.write_text('lay_s = 2\n[[cards]]\nbirth = 1950-03-01\nname = "测试丁"\n', encoding="utf-8")
    cards, options = _load_cards_file(path)
    assert options == {"lay_s": 2}
    assert [(c.name, c.birth_date) for c in cards] == [("测试丁", date(1950, 3, 1))]
