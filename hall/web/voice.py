"""Spoken calls for the hall display, made on the server so the TV needs no voices.

``请 L 零一二 号到 三 号窗口`` is rendered by espeak-ng through pyttsx3 into a WAV file,
once per phrase (the file's name is the phrase's SHA-256), and served to the display,
which plays :func:`chime_wav` first. All pyttsx3 work runs on one thread of this process,
one utterance at a time, with a fresh engine each (pyttsx3 2.99's espeak driver keeps the
previous utterance's state, and espeak has one synthesis callback per process); files are
written beside their final name and renamed, so several workers can share the folder.
``runAndWait()`` returns before espeak-ng has finished writing, so rendering waits for
the ``finished-utterance`` event.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import hashlib
import io
import logging
import math
import os
import re
import struct
import threading
import wave
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_DIGITS = "零一二三四五六七八九"
_NUMBER = re.compile(r"^([A-Z]{0,2})(\d{1,6})$")
#: espeak-ng's Mandarin voices, best first: the pinyin variant reads hanzi correctly, the
#: plain ``cmn`` voice of espeak-ng 1.51 reads many as pinyin with tone digits.
_PREFERRED = ("cmn-latn-pinyin", "cmn", "zh")


class VoiceError(Exception):
    """The call could not be rendered (no engine, no Mandarin voice, nothing written)."""


def _small_number(n: int) -> str:
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    return "".join(_DIGITS[int(d)] for d in str(n))


def call_phrase(number: str, window: str) -> str:
    """The spoken call: the ticket number letter by letter and digit by digit, the window
    as a number where it is one (``L012``, ``3`` -> ``请 L 零一二 号到 三 号窗口``)."""
    match = _NUMBER.match(number.strip().upper())
    if match is None:
        raise ValueError(f"not a ticket number: {number!r}")
    letters, digits = match.groups()
    spoken_number = " ".join([*letters, "".join(_DIGITS[int(d)] for d in digits)])
    name = re.sub(r"\s*(号窗口|号|窗口)$", "", window.strip())
    if not name or len(name) > 32:
        raise ValueError(f"not a window name: {window!r}")
    spoken_window = _small_number(int(name)) if name.isdigit() else name
    return f"请 {spoken_number} 号到 {spoken_window} 号窗口"


@cache
def chime_wav() -> bytes:
    """A two-tone chime (ding-dong), 16-bit mono WAV, made once."""
    rate = 22050
    frames = bytearray()
    for freq, length in ((880.0, 0.35), (659.25, 0.55)):
        n = int(rate * length)
        for i in range(n):
            t = i / rate
            envelope = math.exp(-4.0 * t) * min(1.0, i / 200)
            sample = envelope * (0.6 * math.sin(2 * math.pi * freq * t)
                                 + 0.2 * math.sin(4 * math.pi * freq * t))  # fmt: skip
            frames += struct.pack("<h", int(sample * 20000))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return out.getvalue()


class CallVoice:
    """Renders and caches spoken calls; :meth:`render` is safe to call from the event loop."""

    def __init__(self, folder: Path, voice: str = "", timeout_s: float = 15.0) -> None:
        self.folder = folder
        self.voice = voice
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="call-voice")
        self._pending: dict[str, Future[Path]] = {}
        self._lock = threading.Lock()
        self._previous_engine: Any = None
        self._voice_id: str | None = None
        atexit.register(self.close)

    def path_for(self, phrase: str) -> Path:
        digest = hashlib.sha256(phrase.encode("utf-8")).hexdigest()[:32]
        return self.folder / f"{digest}.wav"

    def submit(self, phrase: str) -> Future[Path]:
        """Start rendering ``phrase`` unless it is cached or under way."""
        with self._lock:
            future = self._pending.get(phrase)
            if future is not None:
                return future
            future = self._pool.submit(self._render, phrase)
            self._pending[phrase] = future
            future.add_done_callback(lambda _: self._forget(phrase))
            return future

    def _forget(self, phrase: str) -> None:
        with self._lock:
            self._pending.pop(phrase, None)

    async def render(self, phrase: str) -> Path:
        path = self.path_for(phrase)
        if path.exists():
            return path
        return await asyncio.wrap_future(self.submit(phrase))

    def close(self) -> None:
        """Stop the voice thread, then drop the last engine while the interpreter is whole
        (left to the final teardown, pyttsx3's ``__del__`` fails on unloaded modules)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._previous_engine = None
        gc.collect()

    # --- on the voice thread --------------------------------------------------------------

    def _render(self, phrase: str) -> Path:
        path = self.path_for(phrase)
        if path.exists():
            return path
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.part.wav")
        partial.write_bytes(b"")
        try:
            self._synthesize(phrase, partial)
            with wave.open(str(partial), "rb") as w:
                if w.getnframes() == 0:
                    raise VoiceError("the speech engine wrote an empty file")
        except (OSError, EOFError, wave.Error) as e:
            partial.unlink(missing_ok=True)
            raise VoiceError(f"the speech engine wrote no usable WAV: {e}") from e
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, path)
        return path

    def _synthesize(self, phrase: str, target: Path) -> None:
        self._previous_engine = None  # dropped here, with espeak idle, never mid-utterance
        try:
            import pyttsx3

            engine = pyttsx3.Engine()
        except Exception as e:
            raise VoiceError(f"no speech engine (install espeak-ng): {e}") from None
        self._previous_engine = engine
        if self._voice_id is None:
            self._voice_id = self._choose_voice(engine)
        started, finished = threading.Event(), threading.Event()
        errors: list[str] = []
        engine.connect("started-utterance", lambda **_: started.set())
        engine.connect("finished-utterance", lambda **_: finished.set())
        engine.connect("error", lambda exception=None, **_: errors.append(str(exception)))
        engine.setProperty("voice", self._voice_id)
        engine.setProperty("rate", 150)
        engine.save_to_file(phrase, str(target))
        engine.runAndWait()
        if started.is_set() and not finished.wait(self.timeout_s):
            raise VoiceError(f"the speech engine did not finish in {self.timeout_s:g} s")
        if errors:
            raise VoiceError("; ".join(errors))

    def _choose_voice(self, engine: Any) -> str:
        voices = list(engine.getProperty("voices") or ())
        if self.voice:
            for v in voices:
                if self.voice in (str(v.id), str(v.name)):
                    return str(v.id)
            log.warning("voice %r not found; choosing a Mandarin voice", self.voice)
        for wanted in _PREFERRED:
            for v in voices:
                languages = [
                    lang.decode("utf-8", "replace") if isinstance(lang, bytes) else str(lang)
                    for lang in (getattr(v, "languages", None) or ())
                ]
                if str(v.name) == wanted or str(v.id).endswith(wanted) or wanted in languages:
                    return str(v.id)
        raise VoiceError("no Mandarin voice installed (Debian: espeak-ng)")
