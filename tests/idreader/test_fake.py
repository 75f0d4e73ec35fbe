"""FakeCardReader: scripted, synchronous, same surface as the real readers."""

from __future__ import annotations

from idreader.base import CardReader, ReaderState
from idreader.card import ScannedCode
from idreader.errors import ReadFailed
from idreader.fake import FakeCardReader
from idreader.testing import make_card

from .conftest import Recorder


def make(recorder: Recorder) -> FakeCardReader:
    return FakeCardReader(**recorder.callbacks())


def test_same_surface_as_the_real_reader(recorder: Recorder) -> None:
    reader = make(recorder)
    assert isinstance(reader, CardReader)
    assert reader.state is ReaderState.OFFLINE


def test_lay_calls_back_synchronously(recorder: Recorder) -> None:
    reader = make(recorder)
    reader.start()
    assert recorder.state_names() == ["searching", "ready"]
    card = make_card(seed=1)
    reader.lay(card)
    assert recorder.cards == [card]  # no waiting: called on this thread
    assert recorder.state_names()[2:] == ["reading", "ready"]
    reader.lay(ScannedCode("LVS-1"))
    assert recorder.cards[-1] == ScannedCode("LVS-1")


def test_fail_reports_a_card_error(recorder: Recorder) -> None:
    reader = make(recorder)
    reader.start()
    reader.fail(ReadFailed())
    assert len(recorder.errors) == 1 and isinstance(recorder.errors[0], ReadFailed)
    assert recorder.cards == []


def test_queued_before_start_and_while_unplugged(recorder: Recorder) -> None:
    reader = make(recorder)
    first, second = make_card(seed=2), make_card(seed=3)
    reader.lay(first)
    assert recorder.cards == [] and reader.pending == 1
    reader.start()
    assert recorder.cards == [first]
    reader.unplug()
    assert reader.state is ReaderState.OFFLINE and reader.state.is_error()
    reader.lay(second)
    assert recorder.cards == [first]
    reader.replug()
    assert reader.state is ReaderState.READY
    assert recorder.cards == [first, second]
    assert reader.delivered == [first, second]


def test_forced_error_state_holds_cards_back(recorder: Recorder) -> None:
    reader = make(recorder)
    reader.start()
    reader.set_state(ReaderState.ERROR, "module not authorised")
    assert recorder.states[-1] == (ReaderState.ERROR, "module not authorised")
    reader.lay(make_card())
    assert recorder.cards == []
    reader.set_state(ReaderState.READY)
    assert len(recorder.cards) == 1


def test_stop(recorder: Recorder) -> None:
    reader = make(recorder)
    reader.start()
    reader.stop()
    assert reader.state is ReaderState.OFFLINE and not reader.running
    reader.lay(make_card())
    assert recorder.cards == []
