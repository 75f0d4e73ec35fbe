"""Qt faces of the ID reader and the speaker: device callbacks become signals.

The devices run their own threads; these services only translate their callbacks into
queued Qt signals and the UI's requests into calls that return at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from idreader.base import CardCallback, CardErrorCallback, CardReader, ReaderState, StateCallback
from idreader.card import IdentityCard, ScannedCode
from idreader.errors import CardReaderError
from kiosk.domain.spoken import prompt_text
from kiosk.services.speech import Speaker

log = logging.getLogger(__name__)

ReaderFactory = Callable[[CardCallback, StateCallback, CardErrorCallback], CardReader]


class ReaderService(QObject):
    card_read = Signal(object)  # IdentityCard | ScannedCode
    card_failed = Signal(str)  # short message, no personal data
    state_changed = Signal(object, str)  # ReaderState, message

    def __init__(self, factory: ReaderFactory | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = ReaderState.OFFLINE
        self.message = "no reader configured" if factory is None else ""
        self.enabled = factory is not None
        self._reader: CardReader | None = None
        self.state_changed.connect(self._remember)
        if factory is not None:
            self._reader = factory(self._on_card, self._on_state, self._on_error)

    @property
    def reader(self) -> CardReader | None:
        return self._reader

    def start(self) -> None:
        if self._reader is not None:
            self._reader.start()

    def shutdown(self) -> None:
        if self._reader is not None:
            self._reader.stop()

    @property
    def available(self) -> bool:
        return self.enabled and not self.state.is_error()

    # Called on the reader's thread: only emit (Qt queues to the GUI thread).
    def _on_card(self, card: IdentityCard | ScannedCode) -> None:
        self.card_read.emit(card)

    def _on_state(self, state: ReaderState, message: str) -> None:
        self.state_changed.emit(state, message)

    def _on_error(self, error: CardReaderError) -> None:
        log.warning("card not read: %s", error)
        self.card_failed.emit(type(error).__name__)

    @Slot(object, str)
    def _remember(self, state: ReaderState, message: str) -> None:
        self.state, self.message = state, message


class VoiceService(QObject):
    """Speaks kiosk prompts; ``say_prompt`` returns at once and a newer prompt wins."""

    def __init__(self, speaker: Speaker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._speaker = speaker

    @property
    def available(self) -> bool:
        return self._speaker.available

    @property
    def unavailable_reason(self) -> str | None:
        return self._speaker.unavailable_reason

    @Slot(str, str)
    def say_prompt(self, key: str, lang: str, **params: Any) -> None:
        try:
            text = prompt_text(key, lang, **params)
        except (KeyError, ValueError) as e:
            log.error("no prompt %s/%s: %s", key, lang, e)
            return
        self._speaker.say(text, lang)

    @Slot(str, str)
    def say_text(self, text: str, lang: str) -> None:
        """Read a screen's own words aloud (listen mode); returns at once."""
        self._speaker.say(text, lang)

    def shutdown(self) -> None:
        self._speaker.stop()
