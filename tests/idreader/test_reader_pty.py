"""SerialCardReader end to end: real pyserial on a real pty, the simulator on the other end.

No mocks: every byte crosses a pseudo-terminal. Tests wait on callbacks and on the
simulator's request counters, with generous timeouts; none asserts a wall-clock time.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from idreader.base import CardReader, ReaderState
from idreader.card import IdentityCard, encode_text_block
from idreader.codec import Command
from idreader.enums import CardType
from idreader.errors import CardDataError, SelectFailed
from idreader.reader import SerialCardReader, probe_port
from idreader.simulator import BAD_FRAME, LineDeviceSimulator, ReaderSimulator
from idreader.testing import make_card

from .conftest import WAIT_S, Recorder

FIND = Command.FIND_CARD
READ = Command.READ_TEXT_PHOTO

# Test timing: faster polling than the 0.33 s default keeps the suite short; the default
# is exercised by the benchmark and by test_default_settings_read_a_card.
FAST: dict[str, Any] = {
    "poll_interval_s": 0.05,
    "reconnect_interval_s": 0.1,
    "reply_timeout_s": 0.3,
}

StopLater = Callable[[Any], Any]


def start_reader(
    port: str | None, recorder: Recorder, stop_later: StopLater, **kwargs: Any
) -> SerialCardReader:
    options = FAST | kwargs
    reader = stop_later(SerialCardReader(port, **recorder.callbacks(), **options))
    reader.start()
    return reader


def ready_reader(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater, **kwargs: Any
) -> SerialCardReader:
    reader = start_reader(sim.port, recorder, stop_later, **kwargs)
    recorder.wait_state(ReaderState.READY)
    return reader


def polls_pass(sim: ReaderSimulator, polls: int = 5) -> None:
    """Let the reader poll a few more times (a bounded wait on the simulator's counter)."""
    seen = sim.request_count(FIND)
    assert sim.wait_for_requests(FIND, seen + polls, WAIT_S)


def test_reader_satisfies_the_card_reader_protocol(sim: ReaderSimulator) -> None:
    reader = SerialCardReader(sim.port, on_card=lambda card: None)
    assert isinstance(reader, CardReader)
    assert reader.state is ReaderState.OFFLINE  # not started


def test_default_settings_read_a_card(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    reader = stop_later(SerialCardReader(sim.port, **recorder.callbacks()))
    reader.start()
    recorder.wait_state(ReaderState.READY)
    card = sim.lay(make_card(seed=1))
    assert recorder.wait_card() == card


def test_laid_card_is_read_and_reported_once(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    reader = ready_reader(sim, recorder, stop_later)
    mark = recorder.mark()
    card = sim.lay(make_card(seed=2, birth_date=date(1944, 8, 8)))

    got = recorder.wait_card()
    assert got == card  # every field, the photo too
    assert isinstance(got, IdentityCard) and got.photo == card.photo
    assert recorder.state_names(mark)[:2] == ["reading", "ready"]

    polls_pass(sim, 6)  # the card stays on the reader
    assert len(recorder.cards) == 1
    assert sim.request_count(READ) == 1
    assert reader.state is ReaderState.READY
    assert recorder.errors == []


def test_lifted_and_laid_again_is_reported_again(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later)
    first = sim.lay(make_card(seed=3))
    recorder.wait_card(1)
    sim.lift()
    polls_pass(sim, 2)
    sim.lay(first)
    assert recorder.wait_card(2) == first
    second = sim.lay(make_card(seed=4, card_type=CardType.HMT_RESIDENCE_PERMIT))
    assert recorder.wait_card(3) == second
    polls_pass(sim, 3)
    assert len(recorder.cards) == 3


def test_firmware_that_keeps_finding_a_read_card_still_reports_once(
    recorder: Recorder, stop_later: StopLater
) -> None:
    with ReaderSimulator(sticky_find=True) as sim:
        ready_reader(sim, recorder, stop_later)
        card = sim.lay(make_card(seed=5))
        recorder.wait_card(1)
        polls_pass(sim, 6)
        assert len(recorder.cards) == 1
        assert sim.request_count(READ) > 1  # read again, not reported again
        swapped = sim.lay(make_card(seed=55))  # no poll without a card in between
        assert recorder.wait_card(2) == swapped
        sim.lift()
        polls_pass(sim, 2)
        sim.lay(card)
        assert recorder.wait_card(3) == card


@pytest.mark.parametrize("card_type", list(CardType))
def test_every_card_type_comes_through(
    card_type: CardType, sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later)
    card = sim.lay(make_card(card_type=card_type, seed=6))
    got = recorder.wait_card()
    assert isinstance(got, IdentityCard) and got.card_type is card_type and got == card


def test_read_with_fingerprint_command(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later, read_fingerprint=True)
    card = sim.lay(make_card(seed=7))
    assert recorder.wait_card() == card
    assert sim.request_count(Command.READ_TEXT_PHOTO_FINGERPRINT) == 1


# --- faults --------------------------------------------------------------------------------


def test_corrupted_read_reply_is_read_again(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later)
    sim.corrupt_next_checksum(READ)
    card = sim.lay(make_card(seed=8))
    assert recorder.wait_card() == card
    assert sim.request_count(READ) == 2
    assert recorder.errors == []


def test_truncated_read_reply_is_read_again(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later, read_timeout_s=0.5)
    sim.truncate_next_reply(READ, keep=0.6)
    card = sim.lay(make_card(seed=9))
    assert recorder.wait_card() == card
    assert sim.request_count(READ) == 2


def test_read_reply_broken_on_every_attempt_is_one_card_error(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later, read_attempts=2)
    sim.corrupt_next_checksum(READ, count=2)
    card = sim.lay(make_card(seed=10))
    error = recorder.wait_error()
    assert "checksum" in str(error)
    # the module sent its data and will not find the card again: lift and lay again
    polls_pass(sim, 3)
    assert recorder.cards == [] and len(recorder.errors) == 1
    assert "error" not in recorder.state_names()  # a card problem, not a reader fault
    sim.lift()
    polls_pass(sim, 1)
    sim.lay(card)
    assert recorder.wait_card() == card


def test_garbage_before_replies_is_skipped(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later)
    sim.garbage_before_next_reply(b"\x00\xaa\xaa\x96\xff\x13", command=FIND)
    sim.garbage_before_next_reply(os.urandom(40), command=READ)
    card = sim.lay(make_card(seed=11))
    assert recorder.wait_card() == card
    assert sim.request_count(READ) == 1


def test_a_few_broken_poll_replies_do_not_change_the_state(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later, max_failed_polls=3)
    mark = recorder.mark()
    sim.corrupt_next_checksum(FIND, count=2)
    polls_pass(sim, 5)
    assert recorder.state_names(mark) == []
    card = sim.lay(make_card(seed=12))
    assert recorder.wait_card() == card


def test_module_receiving_damaged_requests_is_a_glitch_until_it_persists(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later, max_failed_polls=3)
    mark = recorder.mark()
    sim.fail_next(FIND, 0x10, count=2)  # "checksum error in what the module received"
    polls_pass(sim, 4)
    assert recorder.state_names(mark) == []
    sim.fail_next(FIND, 0x10, count=3)
    message = recorder.wait_state(ReaderState.ERROR, since=mark)
    assert "0x10" in message
    recorder.wait_state(ReaderState.READY, since=mark + 1)


def test_slow_replies_within_the_timeout_still_work(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later, reply_timeout_s=1.0, read_timeout_s=1.0)
    sim.set_delay_s(0.15)
    card = sim.lay(make_card(seed=13))
    assert recorder.wait_card() == card
    assert recorder.errors == []
    assert "error" not in recorder.state_names()


def test_silent_reader_is_an_error_and_recovers_by_itself(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    reader = ready_reader(sim, recorder, stop_later)
    mark = recorder.mark()
    sim.go_silent()
    message = recorder.wait_state(ReaderState.ERROR, since=mark)
    assert "no reply" in message
    assert reader.state.is_error()

    mark = recorder.mark()
    sim.go_silent(False)
    recorder.wait_state(ReaderState.READY, since=mark)
    card = sim.lay(make_card(seed=14))
    assert recorder.wait_card() == card


def test_replies_slower_than_the_timeout_are_an_error(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later, reply_timeout_s=0.1)
    mark = recorder.mark()
    sim.set_delay_s(0.4)
    recorder.wait_state(ReaderState.ERROR, since=mark)
    mark = recorder.mark()
    sim.set_delay_s(0)
    recorder.wait_state(ReaderState.READY, since=mark)


def test_a_line_full_of_noise_is_an_error_not_a_hang(
    recorder: Recorder, stop_later: StopLater
) -> None:
    """A device at the wrong baud rate babbles without a pause: the reply timeout must
    still end each request."""
    with LineDeviceSimulator() as noisy:
        stop = threading.Event()

        def babble() -> None:
            rng = random.Random(7)
            while not stop.is_set():
                noisy.send_raw(bytes(b & 0x7F for b in rng.randbytes(64)))  # never 0xAA
                stop.wait(0.005)

        thread = threading.Thread(target=babble, daemon=True)
        thread.start()
        try:
            start_reader(noisy.port, recorder, stop_later)
            message = recorder.wait_state(ReaderState.ERROR)
            assert "no reply" in message and "noise" in message
        finally:
            stop.set()
            thread.join()


def test_module_not_authorised_is_an_error_until_fixed(
    recorder: Recorder, stop_later: StopLater
) -> None:
    with ReaderSimulator(module_status=0x66) as sim:
        reader = start_reader(sim.port, recorder, stop_later)
        message = recorder.wait_state(ReaderState.ERROR)
        assert "not authorised" in message and "0x66" in message
        assert reader.state is ReaderState.ERROR
        sim.set_module_status(0x90)
        recorder.wait_state(ReaderState.READY)


def test_select_failure_is_one_card_error_and_the_card_is_read_on_the_next_poll(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later)
    sim.fail_next(Command.SELECT_CARD, 0x81)
    card = sim.lay(make_card(seed=15))
    assert isinstance(recorder.wait_error(), SelectFailed)
    assert recorder.wait_card() == card
    assert len(recorder.errors) == 1


def test_card_with_broken_data_is_one_card_error(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later)
    block = bytearray(encode_text_block(make_card(seed=16)))
    block[248:250] = "Q".encode("utf-16-le")  # a card type nobody knows
    sim.lay_raw(bytes(block))
    assert isinstance(recorder.wait_error(), CardDataError)
    polls_pass(sim, 4)
    assert recorder.cards == [] and len(recorder.errors) == 1
    sim.lift()
    good = sim.lay(make_card(seed=17))
    assert recorder.wait_card() == good


def test_broken_request_gets_a_module_checksum_status(sim: ReaderSimulator) -> None:
    """The simulator itself answers malformed requests like a module (0x10)."""
    import serial

    with serial.Serial(sim.port, 115200, timeout=2) as port:
        port.write(bytes.fromhex("AA AA AA 96 69 00 03 20 01 00"))
        assert port.read(11) == bytes.fromhex("AA AA AA 96 69 00 04 00 00 10 14")
    assert sim.request_count(BAD_FRAME) == 1


# --- unplug, replug, probing ---------------------------------------------------------------


def test_unplug_reports_offline_and_replug_reconnects_by_itself(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    reader = ready_reader(sim, recorder, stop_later)
    first = sim.lay(make_card(seed=18))
    recorder.wait_card(1)

    mark = recorder.mark()
    sim.unplug()
    recorder.wait_state(ReaderState.OFFLINE, since=mark)
    assert reader.state is ReaderState.OFFLINE
    assert not os.path.exists(sim.port)

    mark = recorder.mark()
    sim.replug()
    recorder.wait_state(ReaderState.READY, since=mark)
    sim.lay(first)
    assert recorder.wait_card(2) == first
    assert recorder.state_names().count("offline") == 1  # reported once, not per retry


def test_unplug_in_the_middle_of_a_read(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later, reply_timeout_s=2.0, read_timeout_s=3.0)
    sim.set_delay_s(0.3)
    sim.lay(make_card(seed=19))
    assert sim.wait_for_requests(READ, 1, WAIT_S)
    mark = recorder.mark()
    sim.unplug()
    recorder.wait_state(ReaderState.OFFLINE, since=mark)
    assert recorder.cards == []

    sim.set_delay_s(0)
    mark = recorder.mark()
    sim.replug()
    recorder.wait_state(ReaderState.READY, since=mark)
    # the card never left the reader and was never read: it is read now
    assert isinstance(recorder.wait_card(), IdentityCard)


def test_absent_port_is_offline_until_it_appears(
    tmp_path: Any, recorder: Recorder, stop_later: StopLater
) -> None:
    link = tmp_path / "ttyLATER"
    sim = ReaderSimulator(link_path=link)
    start_reader(str(link), recorder, stop_later)
    message = recorder.wait_state(ReaderState.OFFLINE)
    assert "cannot open" in message
    with sim:
        recorder.wait_state(ReaderState.READY)
        card = sim.lay(make_card(seed=20))
        assert recorder.wait_card() == card


def test_auto_probe_finds_the_reader_among_other_ports(
    tmp_path: Any, sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    with LineDeviceSimulator() as scanner:  # a device that never answers frames
        candidates = [str(tmp_path / "nothing-here"), scanner.port, sim.port]
        reader = start_reader(None, recorder, stop_later, probe_ports=lambda: candidates)
        recorder.wait_state(ReaderState.READY)
        assert reader.port == sim.port
        card = sim.lay(make_card(seed=21))
        assert recorder.wait_card() == card


def test_auto_probe_with_no_reader_is_offline(
    tmp_path: Any, recorder: Recorder, stop_later: StopLater
) -> None:
    start_reader(None, recorder, stop_later, probe_ports=lambda: [str(tmp_path / "none")])
    message = recorder.wait_state(ReaderState.OFFLINE)
    assert "no card reader answered" in message


def test_probe_port(sim: ReaderSimulator, tmp_path: Any) -> None:
    assert probe_port(sim.port)
    assert not probe_port(str(tmp_path / "none"))
    sim.go_silent()
    assert not probe_port(sim.port, timeout_s=0.2)


def test_a_second_reader_cannot_open_the_same_port(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    ready_reader(sim, recorder, stop_later)
    other = Recorder()
    start_reader(sim.port, other, stop_later)
    message = other.wait_state(ReaderState.OFFLINE)
    assert "lock" in message.lower()


def test_stop_closes_the_port_and_start_again_works(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    reader = ready_reader(sim, recorder, stop_later)
    reader.stop()
    assert not reader.running and reader.state is ReaderState.OFFLINE
    # the port is free again: another reader can take it
    other = Recorder()
    second = start_reader(sim.port, other, stop_later)
    other.wait_state(ReaderState.READY)
    second.stop()
    mark = recorder.mark()
    reader.start()
    recorder.wait_state(ReaderState.READY, since=mark)


def test_a_failing_callback_does_not_stop_the_reader(
    sim: ReaderSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    calls: list[IdentityCard] = []

    def explode(card: Any) -> None:
        calls.append(card)
        raise RuntimeError("UI bug")

    reader = stop_later(
        SerialCardReader(sim.port, on_card=explode, on_state=recorder.on_state, **FAST)
    )
    reader.start()
    recorder.wait_state(ReaderState.READY)
    sim.lay(make_card(seed=22))
    assert sim.wait_for_requests(READ, 1, WAIT_S)
    polls_pass(sim, 3)
    assert len(calls) == 1 and reader.state is ReaderState.READY
    sim.lift()
    sim.lay(make_card(seed=23))
    polls_pass(sim, 3)
    assert sim.request_count(READ) == 2 and len(calls) == 2


def test_configuration_errors_are_raised_at_construction() -> None:
    with pytest.raises(ValueError, match="protocol"):
        SerialCardReader("nosuchscheme://x", on_card=lambda card: None)
    with pytest.raises(ValueError):
        SerialCardReader("/dev/null", on_card=lambda card: None, poll_interval_s=0)


# --- privacy ------------------------------------------------------------------------------


def test_no_full_name_or_number_in_any_log_line(
    sim: ReaderSimulator,
    recorder: Recorder,
    stop_later: StopLater,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    card = make_card(name="测试名字", seed=24)
    ready_reader(sim, recorder, stop_later)
    sim.corrupt_next_checksum(READ)  # broken frames get logged too
    sim.lay(card)
    recorder.wait_card()
    sim.unplug()
    recorder.wait_state(ReaderState.OFFLINE)

    block = encode_text_block(card)
    secrets = [
        card.id_number,
        card.id_number[4:-4],
        "测试名字",
        "试名字",
        card.address,
        block[0:30].hex(),
        block[122:158].hex(),
        block[122:158].hex(" "),
        block[122:158].hex(" ").upper(),
    ]
    wire_lines = [r for r in caplog.records if r.name == "idreader.wire"]
    assert any("card data" in r.getMessage() for r in wire_lines)  # the wire log is on
    for record in caplog.records:
        line = record.getMessage()
        for secret in secrets:
            assert secret not in line, f"{record.name}: {line}"
