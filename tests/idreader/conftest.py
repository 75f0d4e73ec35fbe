"""Fixtures for the reader tests: a simulator on a real pty, and a callback recorder that
tests wait on (events with timeouts, never sleeps)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from idreader.base import ReaderState
from idreader.card import IdentityCard, ScannedCode
from idreader.errors import CardReaderError
from idreader.simulator import ReaderSimulator

#: Generous bound for anything that should take well under a second.
WAIT_S = 5.0


class Recorder:
    """Collects a reader's callbacks (from any thread) and lets a test wait for them."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.cards: list[IdentityCard | ScannedCode] = []
        self.states: list[tuple[ReaderState, str]] = []
        self.errors: list[CardReaderError] = []

    def on_card(self, card: IdentityCard | ScannedCode) -> None:
        with self._changed:
            self.cards.append(card)
            self._changed.notify_all()

    def on_state(self, state: ReaderState, message: str) -> None:
        with self._changed:
            self.states.append((state, message))
            self._changed.notify_all()

    def on_card_error(self, error: CardReaderError) -> None:
        with self._changed:
            self.errors.append(error)
            self._changed.notify_all()

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_card": self.on_card,
            "on_state": self.on_state,
            "on_card_error": self.on_card_error,
        }

    def wait(self, predicate: Callable[[], bool], timeout_s: float = WAIT_S) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout_s)

    def wait_card(self, count: int = 1, timeout_s: float = WAIT_S) -> IdentityCard | ScannedCode:
        assert self.wait(lambda: len(self.cards) >= count, timeout_s), (
            f"expected {count} card(s), got {len(self.cards)}; states {self.state_names()}; "
            f"errors {self.errors}"
        )
        return self.cards[count - 1]

    def wait_error(self, count: int = 1, timeout_s: float = WAIT_S) -> CardReaderError:
        assert self.wait(lambda: len(self.errors) >= count, timeout_s), (
            f"expected {count} card error(s), got {self.errors}"
        )
        return self.errors[count - 1]

    def mark(self) -> int:
        """Position in the state history, for ``wait_state(since=...)``."""
        with self._changed:
            return len(self.states)

    def wait_state(self, state: ReaderState, since: int = 0, timeout_s: float = WAIT_S) -> str:
        """Wait until ``state`` is reported (at or after history position ``since``);
        return its message."""

        def reached() -> bool:
            return any(s is state for s, _ in self.states[since:])

        assert self.wait(reached, timeout_s), (
            f"state {state.value} not reported; got {self.state_names(since)}"
        )
        return next(m for s, m in self.states[since:] if s is state)

    def state_names(self, since: int = 0) -> list[str]:
        return [s.value for s, _ in self.states[since:]]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def sim() -> Iterator[ReaderSimulator]:
    with ReaderSimulator() as simulator:
        yield simulator


@pytest.fixture
def stop_later() -> Iterator[Callable[[Any], Any]]:
    """Register readers to be stopped at teardown, even when the test fails."""
    started: list[Any] = []

    def register(reader: Any) -> Any:
        started.append(reader)
        return reader

    yield register
    for reader in reversed(started):
        reader.stop()
