"""LineCardReader over a real pty, and the line splitter it uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from idreader.base import CardReader, ReaderState
from idreader.card import ScannedCode
from idreader.errors import InvalidIdNumber, UnrecognisedScan
from idreader.line_reader import LineCardReader
from idreader.lines import LineSplitter
from idreader.simulator import LineDeviceSimulator
from idreader.testing import make_id_number

from .conftest import Recorder

StopLater = Callable[[Any], Any]
NUMBER = make_id_number(date(1949, 10, 1), region="120000", sequence=7)


@pytest.fixture
def scanner() -> Any:
    with LineDeviceSimulator() as device:
        yield device


def start(port: str, recorder: Recorder, stop_later: StopLater, **kwargs: Any) -> LineCardReader:
    reader = stop_later(
        LineCardReader(port, **recorder.callbacks(), reconnect_interval_s=0.1, **kwargs)
    )
    reader.start()
    recorder.wait_state(ReaderState.READY)
    return reader


def test_line_splitter() -> None:
    splitter = LineSplitter(max_length=8)
    assert splitter.feed(b"ab") == []
    assert splitter.feed(b"c\r\nde\nf\rgh") == ["abc", "de", "f"]
    assert splitter.feed(b"\n\n\r\n") == ["gh"]
    assert splitter.feed(b"123456789ABCDEF\nok\n") == ["ok"]  # an overlong line is dropped
    assert splitter.dropped == 1
    assert splitter.feed("张\n".encode()) == ["张"]
    assert splitter.feed(b"\xff\xfe\n") == ["\ufffd\ufffd"]


def test_scanned_id_number_and_service_code(
    scanner: LineDeviceSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    reader = start(scanner.port, recorder, stop_later)
    assert isinstance(reader, CardReader)
    scanner.scan(NUMBER.lower())
    assert recorder.wait_card(1) == ScannedCode(NUMBER, NUMBER)
    scanner.scan("LVS-000123", line_end="\n")
    assert recorder.wait_card(2) == ScannedCode("LVS-000123", None)


def test_a_line_in_pieces(
    scanner: LineDeviceSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    start(scanner.port, recorder, stop_later)
    scanner.send_raw(NUMBER[:5].encode())
    scanner.send_raw(NUMBER[5:].encode() + b"\r")
    assert recorder.wait_card() == ScannedCode(NUMBER, NUMBER)


def test_bad_scans_are_card_errors(
    scanner: LineDeviceSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    start(scanner.port, recorder, stop_later)
    scanner.scan(NUMBER[:-1] + ("1" if NUMBER[-1] != "1" else "2"))
    assert isinstance(recorder.wait_error(1), InvalidIdNumber)
    scanner.scan("?!")
    assert isinstance(recorder.wait_error(2), UnrecognisedScan)
    scanner.scan("LVS-1")  # still works afterwards
    assert recorder.wait_card() == ScannedCode("LVS-1", None)


def test_the_same_scan_repeated_at_once_is_reported_once(
    scanner: LineDeviceSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    start(scanner.port, recorder, stop_later, repeat_suppress_s=30)
    scanner.scan("LVS-777")
    scanner.scan("LVS-777")
    scanner.scan("LVS-778")
    assert recorder.wait_card(2) == ScannedCode("LVS-778", None)
    assert [c.text for c in recorder.cards if isinstance(c, ScannedCode)] == [
        "LVS-777",
        "LVS-778",
    ]


def test_unplug_and_replug(
    scanner: LineDeviceSimulator, recorder: Recorder, stop_later: StopLater
) -> None:
    reader = start(scanner.port, recorder, stop_later)
    mark = recorder.mark()
    scanner.unplug()
    recorder.wait_state(ReaderState.OFFLINE, since=mark)
    assert reader.state.is_error()
    mark = recorder.mark()
    scanner.replug()
    recorder.wait_state(ReaderState.READY, since=mark)
    scanner.scan("LVS-900")
    assert recorder.wait_card() == ScannedCode("LVS-900", None)


def test_a_line_reader_needs_a_port() -> None:
    with pytest.raises(ValueError, match="port"):
        LineCardReader("", on_card=lambda code: None)
