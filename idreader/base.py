"""What every card reader has in common: its state enum, its small interface, and the
callback plumbing. Pure: no pyserial, so the kiosk's domain and UI layers can import it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import Enum
from typing import Protocol, runtime_checkable

from idreader.card import IdentityCard, ScannedCode
from idreader.errors import CardReaderError, ReaderOffline

__all__ = [
    "ERROR_STATES",
    "CardCallback",
    "CardErrorCallback",
    "CardReader",
    "ReaderState",
    "StateCallback",
]

log = logging.getLogger(__name__)


class ReaderState(Enum):
    """Where a reader is. Readers report a state once, when it changes.

    - ``SEARCHING``: started, looking for the device (opening or probing the port,
      asking the module for its status).
    - ``READY``: the device answers; lay a card (or scan).
    - ``READING``: a card was found and is being read.
    - ``OFFLINE``: the port is gone or cannot be opened (unplugged, no reader found, or
      not started / stopped). The reader retries by itself.
    - ``ERROR``: the port is open but the device misbehaves (no replies, garbled replies,
      module not authorised, self-test failed). The reader retries by itself.
    """

    SEARCHING = "searching"
    READY = "ready"
    READING = "reading"
    OFFLINE = "offline"
    ERROR = "error"

    def is_error(self) -> bool:
        """True for the states that need attention (OFFLINE, ERROR)."""
        return self in ERROR_STATES

    def is_online(self) -> bool:
        """True when the device answers (READY, READING)."""
        return self in ONLINE_STATES


#: The message of the OFFLINE state after ``stop()``.
STOPPED = "stopped"

ERROR_STATES = frozenset({ReaderState.OFFLINE, ReaderState.ERROR})
ONLINE_STATES = frozenset({ReaderState.READY, ReaderState.READING})

#: Receives each card (or scanned code) once.
CardCallback = Callable[[IdentityCard | ScannedCode], None]
#: Receives each state change and a short human-readable message (no personal data).
StateCallback = Callable[[ReaderState, str], None]
#: Receives per-card failures: a card that could not be read or is not valid.
CardErrorCallback = Callable[[CardReaderError], None]


@runtime_checkable
class CardReader(Protocol):
    """The interface the kiosk codes against (SerialCardReader, LineCardReader,
    FakeCardReader). Callbacks are passed to the constructor."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    @property
    def state(self) -> ReaderState: ...


class CallbackReader:
    """Shared callback plumbing: state bookkeeping, and callbacks that cannot kill the
    reader (an exception in a callback is logged and swallowed)."""

    def __init__(
        self,
        *,
        on_card: CardCallback,
        on_state: StateCallback | None = None,
        on_card_error: CardErrorCallback | None = None,
    ) -> None:
        self._on_card = on_card
        self._on_state = on_state
        self._on_card_error = on_card_error
        self._state = ReaderState.OFFLINE
        self._state_message = "not started"
        self._state_lock = threading.Lock()

    @property
    def state(self) -> ReaderState:
        return self._state

    @property
    def state_message(self) -> str:
        return self._state_message

    def _set_state(self, state: ReaderState, message: str) -> None:
        with self._state_lock:
            if state is self._state:
                return
            self._state = state
            self._state_message = message
        level = logging.WARNING if state.is_error() and message != STOPPED else logging.INFO
        log.log(level, "%s: %s (%s)", type(self).__name__, state.value, message)
        if self._on_state is not None:
            try:
                self._on_state(state, message)
            except Exception:
                log.exception("on_state callback failed")

    def _emit_card(self, card: IdentityCard | ScannedCode) -> None:
        try:
            self._on_card(card)
        except Exception:
            log.exception("on_card callback failed")

    def _emit_card_error(self, error: CardReaderError) -> None:
        log.warning("%s: card not usable: %s", type(self).__name__, error)
        if self._on_card_error is None:
            return
        try:
            self._on_card_error(error)
        except Exception:
            log.exception("on_card_error callback failed")


class StopRequested(Exception):
    """Raised inside a reader thread to unwind when ``stop()`` was called (internal)."""


class ThreadedReader(CallbackReader):
    """A reader whose device loop runs on its own daemon thread.

    Subclasses implement ``_session()`` (connect, then serve until an error or stop) and
    ``_disconnect()`` (close the port; must not raise). A session that ends with
    :class:`ReaderOffline` reports OFFLINE, any other :class:`CardReaderError` reports
    ERROR; either way the port is closed at once and, after ``reconnect_interval_s``, a
    new session starts. Callbacks run on this thread.
    """

    def __init__(
        self,
        *,
        name: str,
        reconnect_interval_s: float,
        on_card: CardCallback,
        on_state: StateCallback | None = None,
        on_card_error: CardErrorCallback | None = None,
    ) -> None:
        super().__init__(on_card=on_card, on_state=on_state, on_card_error=on_card_error)
        if reconnect_interval_s <= 0:
            raise ValueError("reconnect_interval_s must be positive")
        self._name = name
        self._reconnect_interval_s = reconnect_interval_s
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the reader thread (no-op if it runs already). Returns at once."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop_event.clear()
        self._set_state(ReaderState.SEARCHING, "looking for the reader")
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        """Stop the thread and close the port; reports OFFLINE ("stopped")."""
        self._stop_event.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("%s did not stop within %.1f s", self._name, timeout_s)
        self._set_state(ReaderState.OFFLINE, STOPPED)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _check_stop(self) -> None:
        if self._stop_event.is_set():
            raise StopRequested

    def _run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self._session()
            except StopRequested:
                break
            except ReaderOffline as e:
                self._set_state(ReaderState.OFFLINE, str(e))
            except CardReaderError as e:
                self._set_state(ReaderState.ERROR, str(e))
            except Exception as e:  # a bug must not kill the reader for good
                log.exception("%s: unexpected error in the reader loop", self._name)
                self._set_state(ReaderState.ERROR, f"internal error: {type(e).__name__}")
            finally:
                self._disconnect()
            if self._stop_event.wait(self._reconnect_interval_s):
                break

    def _session(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _disconnect(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
