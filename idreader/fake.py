"""``FakeCardReader``: a scriptable reader for UI and service tests. No I/O, no threads.

It has the surface of :class:`~idreader.reader.SerialCardReader` (``start``, ``stop``,
``state``, the same callbacks) and calls them **synchronously, on the thread that calls
the fake's method**, so a test can ``lay()`` a card and assert right after.

Script it::

    reader = FakeCardReader(on_card=cards.append, on_state=states.append_pair)
    reader.start()                 # SEARCHING, then READY
    reader.lay(make_card())        # READING, on_card(card), READY
    reader.fail(ReadFailed())      # on_card_error(error)
    reader.unplug()                # OFFLINE
    reader.lay(card)               # queued while offline ...
    reader.replug()                # READY, and the queued card is delivered
    reader.set_state(ReaderState.ERROR, "module not authorised")

Cards and errors given before ``start()`` or while unplugged are queued and delivered,
in order, once the fake is running and plugged in.
"""

from __future__ import annotations

import logging
from collections import deque

from idreader.base import (
    STOPPED,
    CallbackReader,
    CardCallback,
    CardErrorCallback,
    ReaderState,
    StateCallback,
)
from idreader.card import IdentityCard, ScannedCode
from idreader.errors import CardReaderError

__all__ = ["FakeCardReader"]

log = logging.getLogger(__name__)


class FakeCardReader(CallbackReader):
    def __init__(
        self,
        *,
        on_card: CardCallback,
        on_state: StateCallback | None = None,
        on_card_error: CardErrorCallback | None = None,
        port: str | None = "fake://reader",
    ) -> None:
        super().__init__(on_card=on_card, on_state=on_state, on_card_error=on_card_error)
        self.port = port
        self._running = False
        self._plugged = True
        self._queue: deque[IdentityCard | ScannedCode | CardReaderError] = deque()
        #: Everything delivered so far, in order (cards and errors).
        self.delivered: list[IdentityCard | ScannedCode | CardReaderError] = []

    @property
    def running(self) -> bool:
        return self._running

    @property
    def plugged(self) -> bool:
        return self._plugged

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._set_state(ReaderState.SEARCHING, "looking for the reader")
        self._come_online()

    def stop(self) -> None:
        self._running = False
        self._set_state(ReaderState.OFFLINE, STOPPED)

    def lay(self, card: IdentityCard | ScannedCode) -> None:
        """Lay a card (or scan a code): delivered now, or queued until online."""
        self._queue.append(card)
        self._drain()

    def fail(self, error: CardReaderError) -> None:
        """Make the next card fail with ``error`` (goes to ``on_card_error``)."""
        self._queue.append(error)
        self._drain()

    def unplug(self, message: str = "reader unplugged") -> None:
        self._plugged = False
        if self._running:
            self._set_state(ReaderState.OFFLINE, message)

    def replug(self) -> None:
        self._plugged = True
        if self._running:
            self._come_online()

    def set_state(self, state: ReaderState, message: str = "") -> None:
        """Force a state (e.g. ERROR "module not authorised") as the real reader would.
        Back to an online state, queued cards are delivered."""
        self._set_state(state, message or state.value)
        self._drain()

    @property
    def pending(self) -> int:
        """Cards and errors queued, not delivered yet."""
        return len(self._queue)

    def _come_online(self) -> None:
        if self._plugged:
            self._set_state(ReaderState.READY, "fake reader ready")
            self._drain()
        else:
            self._set_state(ReaderState.OFFLINE, "reader unplugged")

    def _drain(self) -> None:
        while self._queue and self._running and self._plugged and self.state.is_online():
            item = self._queue.popleft()
            self.delivered.append(item)
            if isinstance(item, CardReaderError):
                self._emit_card_error(item)
                continue
            if isinstance(item, IdentityCard):
                self._set_state(ReaderState.READING, "reading the card")
                self._emit_card(item)
                self._set_state(ReaderState.READY, "lay a card")
            else:
                self._emit_card(item)
