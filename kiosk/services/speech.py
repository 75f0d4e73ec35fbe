"""Voice prompts: pyttsx3 on one worker thread, fed by a one-slot queue.

How it works, and why (checked against pyttsx3 2.99 with espeak-ng 1.51 on Debian 12):

* ``say()`` only puts the prompt in a single slot and returns; the UI never waits.
  A newer prompt replaces one still waiting in the slot, and interrupts the one being
  played, so the visitor always hears the prompt for the screen they are looking at.
* The worker renders each prompt to a WAV file with pyttsx3 (``save_to_file`` +
  ``runAndWait``) and plays that file itself through a small ``AudioPlayer`` (``aplay``
  on Linux, ``afplay`` on macOS, ``winsound`` on Windows). It does not use pyttsx3's own
  ``say()``: the espeak driver plays through a blocking ``os.system("aplay ...")`` inside
  its synthesis callback and ignores the exit code, so a missing sound card goes
  unnoticed, and ``engine.stop()`` cannot cut playback short (called from another
  thread it waits for the end of the utterance and then wedged the engine in our
  tests). Playing the rendered file ourselves gives reliable interruption (the player
  process is terminated) and a real playback error, reported once.
* ``runAndWait()`` does not mean "done" with espeak-ng: the driver runs espeak in its
  asynchronous retrieval mode, so pyttsx3 2.99 returns as soon as synthesis has started
  and writes the WAV later, from espeak's own thread. Rendering waits for the
  ``finished-utterance`` event (with a timeout) before the file is used.
* A fresh engine is made for every utterance, on the thread that runs it, one job at a
  time under a process-wide lock (``_EngineJobs``). espeak has one synthesis callback
  per process, which every new driver takes over and which a collected driver clears,
  and pyttsx3's espeak driver keeps the previous utterance's text and target file. So
  no two ``runAndWait`` calls ever overlap, and ``save_wav`` (tests, technicians) cannot
  break the worker. Making an engine costs ~10-30 ms with espeak-ng.
* Voices are chosen per language from ``engine.getProperty("voices")``. On espeak-ng the
  Mandarin voice ``cmn-latn-pinyin`` is preferred over ``cmn``: the ``cmn`` voice of
  espeak-ng 1.51 reads most hanzi as pinyin with English tone digits ("零" -> "ling
  two"), the pinyin variant reads them correctly (and Latin letters as letter names).
  pyttsx3 2.98 (pinned on Windows) reports no languages for SAPI5 voices, so ids and
  names are matched as well ("ZH-CN", "Huihui", "Chinese (Simplified)").
"""

from __future__ import annotations

import atexit
import gc
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import wave
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kiosk.domain.spoken import LANGUAGES, Lang, normalize_lang
from kiosk.services.threads import lower_this_thread_priority

log = logging.getLogger(__name__)

MUTED_REASON = "muted by config"

_LANGUAGE_NAMES: dict[Lang, str] = {"zh": "Chinese", "en": "English"}
_VOICE_HINTS: dict[Lang, str] = {
    "zh": "espeak-ng: cmn-latn-pinyin or cmn; Windows: a zh-CN voice such as Huihui",
    "en": "espeak-ng: en-us or en; Windows: an en-US voice such as Zira",
}


class SpeechError(Exception):
    """Base error of the speech service; pyttsx3 and player errors are wrapped in it."""


class SpeechEngineError(SpeechError):
    """The speech engine could not be started or could not render a prompt."""


class PlaybackError(SpeechError):
    """A rendered prompt could not be played (no sound card, no player, ...)."""


@dataclass(frozen=True)
class VoiceSettings:
    """Voice configuration. ``voice_zh`` / ``voice_en``: an engine voice id, its short
    name or language (``"cmn-latn-pinyin"``, ``"gmw/en-us"``, a SAPI5 token id); None
    chooses automatically. ``driver``: a pyttsx3 driver name; None = platform default.
    """

    enabled: bool = True
    volume: float = 1.0
    rate_wpm: int = 150
    voice_zh: str | None = None
    voice_en: str | None = None
    driver: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.volume <= 1.0:
            raise ValueError(f"voice volume must be within 0..1, got {self.volume}")
        if not 60 <= self.rate_wpm <= 400:
            raise ValueError(f"voice rate must be within 60..400 wpm, got {self.rate_wpm}")

    def voice_for(self, lang: Lang) -> str | None:
        return self.voice_zh if lang == "zh" else self.voice_en


class Speaker(Protocol):
    """What the rest of the kiosk needs from a voice: fire and forget."""

    def say(self, text: str, lang: str) -> None:
        """Queue ``text`` in language ``lang`` ("zh" / "en"); never blocks."""
        ...

    def stop(self) -> None:
        """Shut down: drop what is queued, cut off what is playing, release the engine."""
        ...

    @property
    def available(self) -> bool: ...

    @property
    def unavailable_reason(self) -> str | None: ...


# --------------------------------------------------------------------------- voices


@dataclass(frozen=True)
class VoiceInfo:
    """A voice as the engine lists it (pyttsx3 ``Voice`` without the engine)."""

    id: str
    name: str = ""
    languages: tuple[str, ...] = ()


def _norm_tag(tag: str) -> str:
    return tag.strip().lower().replace("_", "-")


_ZH_CANTONESE = ("yue", "zh-yue", "zh-hk", "zh-mo")
_ZH_NAME_HINTS = (
    ("zh-cn", 1),
    ("chinese (simplified", 1),
    ("huihui", 1),
    ("yaoyao", 1),
    ("kangkang", 1),
    ("xiaoxiao", 1),
    ("zh-tw", 3),
    ("chinese (traditional", 3),
    ("hanhan", 3),
)
_EN_NAME_HINTS = (
    ("en-us", 0),
    ("english (united states", 0),
    ("en-gb", 1),
    ("english (united kingdom", 1),
    ("english (great britain", 1),
    ("english", 2),
)


def _zh_rank(voice: VoiceInfo) -> int | None:
    tags = [_norm_tag(tag) for tag in voice.languages]
    ranks: list[int] = []
    for tag in tags:
        if tag == "cmn-latn-pinyin":
            ranks.append(0)
        elif tag in ("zh-cn", "zh-hans", "zh-hans-cn", "cmn-hans-cn"):
            ranks.append(1)
        elif tag in ("cmn", "zh", "zh-cmn") or tag.startswith("cmn-"):
            ranks.append(2)
        elif tag.startswith("zh-") and tag not in _ZH_CANTONESE:
            ranks.append(3)
    if ranks:
        return min(ranks)
    if tags:
        return None
    # No languages reported (pyttsx3 2.98 with SAPI5): go by id and name.
    text = f"{voice.id} {voice.name}".lower().replace("_", "-")
    return next((rank for hint, rank in _ZH_NAME_HINTS if hint in text), None)


def _en_rank(voice: VoiceInfo) -> int | None:
    tags = [_norm_tag(tag) for tag in voice.languages]
    ranks: list[int] = []
    for tag in tags:
        if tag == "en-us":
            ranks.append(0)
        elif tag in ("en", "en-gb"):
            ranks.append(1)
        elif tag.startswith("en-"):
            ranks.append(2)
    if ranks:
        return min(ranks)
    if tags:
        return None
    text = f"{voice.id} {voice.name}".lower().replace("_", "-")
    return next((rank for hint, rank in _EN_NAME_HINTS if hint in text), None)


def find_voice(voices: Iterable[VoiceInfo], wanted: str) -> VoiceInfo | None:
    """The voice a configured value means: its id, the id's last part, its name or a
    language it lists (all case-insensitive)."""
    key = wanted.strip().lower()
    candidates = list(voices)
    for matches in (
        lambda v: v.id.lower() == key,
        lambda v: v.id.lower().replace("\\", "/").rsplit("/", 1)[-1] == key,
        lambda v: v.name.lower() == key,
        lambda v: key in (_norm_tag(tag) for tag in v.languages),
    ):
        found = next((voice for voice in candidates if matches(voice)), None)
        if found is not None:
            return found
    return None


def choose_voice(voices: Sequence[VoiceInfo], lang: str) -> VoiceInfo | None:
    """The best voice for ``lang`` ("zh" / "en"), or None if none fits.

    Chinese: Mandarin, mainland first (espeak-ng ``cmn-latn-pinyin``, then ``zh-CN``,
    then ``cmn``/``zh``, then other Mandarin such as ``zh-TW``); never Cantonese.
    English: ``en-US``, then ``en``/``en-GB``, then any other English.
    """
    rank = _zh_rank if normalize_lang(lang) == "zh" else _en_rank
    ranked = [(r, i, voice) for i, voice in enumerate(voices) if (r := rank(voice)) is not None]
    return min(ranked, key=lambda item: (item[0], item[1]))[2] if ranked else None


# --------------------------------------------------------------------------- engine


def _init_com_for_this_thread() -> None:
    """SAPI5 is COM: every thread that creates an engine must initialise COM first."""
    if sys.platform == "win32":
        try:
            import comtypes

            comtypes.CoInitialize()
        except Exception as e:
            log.debug("COM initialisation failed: %s", e)


def _new_engine(driver: str | None) -> Any:
    """A new pyttsx3 engine (never ``pyttsx3.init``, which caches one per driver)."""
    failure: str | None = None
    try:
        import pyttsx3

        return pyttsx3.Engine(driver)
    except Exception as e:
        failure = f"{type(e).__name__}: {e}"
    hint = ""
    if sys.platform.startswith("linux") and driver in (None, "espeak"):
        hint = " (install espeak-ng)"
    # Raised outside the except block so that no pyttsx3 frame stays referenced.
    raise SpeechEngineError(
        f"no speech engine: pyttsx3 driver {driver or 'default'!r} did not start: {failure}{hint}"
    )


class _EngineJobs:
    """Every pyttsx3 engine in the process is made, run and dropped here, one job at a time.

    An engine is dropped when the *next* job starts, with the lock held: by then espeak's
    own thread has long finished the callback that still used it, and the process-wide
    synthesis callback that a dropped espeak driver clears is taken over right after by
    the new engine.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._previous: Any = None
        self._previous_failed = False

    @contextmanager
    def job(self, driver: str | None) -> Iterator[Any]:
        with self.lock:
            self._previous = None
            if self._previous_failed:
                gc.collect()  # a traceback may have kept the failed job's engine alive
            self._previous_failed = True
            engine = _new_engine(driver)
            self._previous = engine
            yield engine
            self._previous_failed = False

    def release(self) -> None:
        """Drop the last engine while the interpreter is still whole (at exit): left to
        the final teardown, pyttsx3's ``__del__`` fails noisily on half-unloaded modules."""
        if self.lock.acquire(timeout=2):
            try:
                self._previous = None
                gc.collect()
            finally:
                self.lock.release()


_ENGINES = _EngineJobs()
atexit.register(_ENGINES.release)


def _engine_voices(engine: Any) -> list[VoiceInfo]:
    voices: list[VoiceInfo] = []
    for voice in engine.getProperty("voices") or ():
        languages = tuple(
            lang.decode("utf-8", "replace") if isinstance(lang, bytes) else str(lang)
            for lang in (getattr(voice, "languages", None) or ())
        )
        voices.append(VoiceInfo(str(voice.id), str(voice.name or ""), languages))
    return voices


def _synthesize(
    engine: Any,
    text: str,
    path: Path,
    voice_id: str | None,
    settings: VoiceSettings,
    finish_timeout_s: float = 15.0,
) -> None:
    """Render ``text`` to ``path``; returns once the file is complete.

    ``runAndWait()`` is not enough: espeak-ng runs in AUDIO_OUTPUT_RETRIEVAL mode, which is
    asynchronous, so pyttsx3 2.99 returns as soon as synthesis has *started* and writes the
    WAV later from espeak's own thread. An utterance that reported ``started-utterance``
    is waited for until ``finished-utterance`` (SAPI5 writes files synchronously and
    reports neither).
    """
    errors: list[str] = []
    started = threading.Event()
    finished = threading.Event()

    def on_error(name: object = None, exception: object = None, **_: object) -> None:
        # Keep text only: a stored exception would keep pyttsx3's frames (and with
        # them the driver) alive after the engine is dropped.
        errors.append(f"{type(exception).__name__}: {exception}")

    engine.connect("error", on_error)
    engine.connect("started-utterance", lambda **_: started.set())
    engine.connect("finished-utterance", lambda **_: finished.set())
    failure: str | None = None
    try:
        if voice_id is not None:
            engine.setProperty("voice", voice_id)
        engine.setProperty("rate", settings.rate_wpm)
        engine.setProperty("volume", settings.volume)
        engine.save_to_file(text, str(path))
        engine.runAndWait()
    except Exception as e:
        failure = f"{type(e).__name__}: {e}"
    if started.is_set() and not finished.wait(finish_timeout_s):
        failure = failure or f"speech engine did not finish within {finish_timeout_s:g} s"
        try:
            engine.stop()  # espeak: cancel the synthesis still running on its thread
        except Exception as e:
            log.debug("could not cancel the speech engine: %s", e)
    if failure is None and errors:
        failure = "; ".join(errors)
    if failure is not None:
        raise SpeechEngineError(f"speech engine failed: {failure}")


def _prepare_target(path: Path) -> None:
    # Created (and emptied) first: pyttsx3's espeak driver only prints an error when it
    # cannot write the file, and an old file must not pass for the new one.
    try:
        path.write_bytes(b"")
    except OSError as e:
        raise SpeechEngineError(f"cannot write {path}: {e}") from e


def _check_wav(path: Path) -> float:
    """Duration of a rendered prompt; raises if the engine silently wrote nothing."""
    try:
        with wave.open(str(path), "rb") as wav:
            frames, rate = wav.getnframes(), wav.getframerate()
    except (OSError, EOFError, wave.Error) as e:
        raise SpeechEngineError(f"speech engine wrote no usable WAV to {path}") from e
    if frames == 0 or rate == 0:
        raise SpeechEngineError(f"speech engine wrote an empty WAV to {path}")
    return frames / rate


@dataclass(frozen=True)
class _Voices:
    ids: dict[Lang, str | None]
    missing: tuple[Lang, ...]


def _resolve_voices(voices: Sequence[VoiceInfo], settings: VoiceSettings) -> _Voices:
    ids: dict[Lang, str | None] = {}
    for lang in LANGUAGES:
        wanted = settings.voice_for(lang)
        found = find_voice(voices, wanted) if wanted else None
        if wanted and found is None:
            log.warning(
                "configured %s voice %r not found; choosing one automatically", lang, wanted
            )
        if found is None:
            found = choose_voice(voices, lang)
        ids[lang] = found.id if found is not None else None
    return _Voices(ids, tuple(lang for lang, voice_id in ids.items() if voice_id is None))


def _no_voice(lang: Lang) -> str:
    return f"no {_LANGUAGE_NAMES[lang]} voice installed ({_VOICE_HINTS[lang]})"


def save_wav(text: str, lang: str, path: str | Path, settings: VoiceSettings | None = None) -> Path:
    """Synthesise ``text`` in ``lang`` to a WAV file with pyttsx3; returns the path.

    Blocks for the synthesis (tens of ms with espeak-ng): call it from a worker thread
    or a command-line tool, never from the UI thread. ``settings.enabled`` is ignored:
    writing a file is not speaking aloud. Raises ``SpeechError``.
    """
    settings = settings or VoiceSettings()
    language = normalize_lang(lang)
    if not text.strip():
        raise ValueError("nothing to say")
    target = Path(path)
    _prepare_target(target)
    _init_com_for_this_thread()
    with _ENGINES.job(settings.driver) as engine:
        voice_id = _resolve_voices(_engine_voices(engine), settings).ids[language]
        if voice_id is None:
            raise SpeechEngineError(_no_voice(language))
        _synthesize(engine, text, target, voice_id, settings)
    _check_wav(target)
    return target


def _render(text: str, path: Path, settings: VoiceSettings, voice_id: str) -> None:
    _prepare_target(path)
    with _ENGINES.job(settings.driver) as engine:
        _synthesize(engine, text, path, voice_id, settings)
    _check_wav(path)


# --------------------------------------------------------------------------- players


@dataclass(frozen=True)
class RenderedPrompt:
    """A prompt rendered to a WAV file, ready to play."""

    text: str
    lang: Lang
    wav_path: Path


class AudioPlayer(Protocol):
    """Plays rendered prompts: the sound card edge of the speaker."""

    def play(self, prompt: RenderedPrompt, cancel: threading.Event) -> bool:
        """Play ``prompt.wav_path``; return True when it played to the end, False when
        ``cancel`` was set first (stop at once). Raise ``PlaybackError`` on failure."""
        ...


class CommandPlayer:
    """Plays a WAV by running ``argv + [path]`` (``aplay -q``, ``afplay``, ...);
    a cancelled prompt terminates the process."""

    def __init__(self, argv: Sequence[str], poll_s: float = 0.05) -> None:
        if not argv:
            raise ValueError("player command is empty")
        self.argv = tuple(argv)
        self.poll_s = poll_s

    def __repr__(self) -> str:
        return f"CommandPlayer({list(self.argv)!r})"

    def play(self, prompt: RenderedPrompt, cancel: threading.Event) -> bool:
        name = Path(self.argv[0]).name
        try:
            process = subprocess.Popen(
                [*self.argv, str(prompt.wav_path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as e:
            raise PlaybackError(f"cannot run {name}: {e}") from e
        while True:
            try:
                _, stderr = process.communicate(timeout=self.poll_s)
                break
            except subprocess.TimeoutExpired:
                if cancel.is_set():
                    _end(process)
                    return False
        if process.returncode != 0:
            lines = [
                line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()
            ]
            detail = lines[-1].strip()[:200] if lines else "no error output"
            raise PlaybackError(f"{name} exited with {process.returncode}: {detail}")
        return True


def _end(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.communicate(timeout=2)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


class WinsoundPlayer:
    """Windows: plays asynchronously with ``winsound`` and purges it when cancelled."""

    def play(self, prompt: RenderedPrompt, cancel: threading.Event) -> bool:
        if sys.platform != "win32":
            raise PlaybackError("winsound exists only on Windows")
        import winsound

        duration_s = _check_wav(prompt.wav_path)
        flags = winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT
        try:
            winsound.PlaySound(str(prompt.wav_path), flags)
        except RuntimeError as e:
            raise PlaybackError(f"winsound could not play: {e}") from e
        if cancel.wait(duration_s + 0.2):
            winsound.PlaySound(None, 0)
            return False
        return True


def default_player() -> AudioPlayer | None:
    """The platform's player, or None when none is installed."""
    if sys.platform == "win32":
        return WinsoundPlayer()
    candidates = (
        (["afplay"],) if sys.platform == "darwin" else (["aplay", "-q"], ["pw-play"], ["paplay"])
    )
    for argv in candidates:
        executable = shutil.which(argv[0])
        if executable:
            return CommandPlayer([executable, *argv[1:]])
    return None


# --------------------------------------------------------------------------- speakers


@dataclass(frozen=True)
class _Request:
    text: str
    lang: Lang


class Pyttsx3Speaker:
    """The real speaker: one daemon worker thread, one pending prompt at most.

    ``available`` is False while anything keeps prompts from being heard: muted,
    no engine (final: ``say()`` is then a no-op), no voice for a language (prompts in
    the other language are still spoken), or the last prompt could not be played
    (the next prompt tries again, so a replugged speaker comes back by itself).
    Each new reason is logged once; ``on_status`` is called with the new
    ``unavailable_reason`` (None when all is well again), on the worker thread.
    """

    def __init__(
        self,
        settings: VoiceSettings,
        *,
        player: AudioPlayer | None = None,
        on_status: Callable[[str | None], None] | None = None,
    ) -> None:
        self._settings = settings
        self._player = player
        self._on_status = on_status
        self._cond = threading.Condition()
        self._pending: _Request | None = None
        self._busy = False
        self._stopping = False
        self._cancel = threading.Event()
        self._ready = threading.Event()
        self._fatal_reason: str | None = None
        self._voice_reason: str | None = None
        self._output_reason: str | None = None
        self._voice_ids: dict[Lang, str | None] = {}
        self._thread: threading.Thread | None = None
        if not settings.enabled:
            self._fatal_reason = MUTED_REASON
            log.info("voice prompts off: %s", MUTED_REASON)
            self._ready.set()
            return
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    # ---- Speaker

    @property
    def available(self) -> bool:
        return self.unavailable_reason is None

    @property
    def unavailable_reason(self) -> str | None:
        return self._fatal_reason or self._voice_reason or self._output_reason

    def say(self, text: str, lang: str) -> None:
        language = normalize_lang(lang)
        text = text.strip()
        if not text:
            return
        with self._cond:
            if self._stopping or self._fatal_reason is not None:
                return
            if self._pending is not None:
                log.debug("prompt replaced before it was spoken: %r", self._pending.text)
            self._pending = _Request(text, language)
            self._cancel.set()  # cut off what is rendering or playing now
            self._cond.notify_all()

    def stop(self, timeout_s: float = 3.0) -> None:
        with self._cond:
            self._stopping = True
            self._pending = None
            self._cond.notify_all()
        self._cancel.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("speech worker did not stop within %.1f s", timeout_s)

    # ---- extras for the app, the staff panel and tests

    @property
    def running(self) -> bool:
        """True while the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def voice_ids(self) -> dict[Lang, str | None]:
        """The voice chosen per language (empty until the worker has started)."""
        return dict(self._voice_ids)

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait until the engine was probed (or found missing); True if it was."""
        return self._ready.wait(timeout_s)

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until nothing is pending or playing; True if that happened in time."""
        with self._cond:
            return self._cond.wait_for(
                lambda: (self._pending is None and not self._busy) or not self._can_still_speak(),
                timeout_s,
            )

    def __enter__(self) -> Pyttsx3Speaker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- worker

    def _can_still_speak(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._fatal_reason is None

    def _run(self) -> None:
        lower_this_thread_priority()  # espeak's own thread, started from here, inherits it
        workdir: Path | None = None
        try:
            _init_com_for_this_thread()
            try:
                self._start()
            finally:
                self._ready.set()
            if self._fatal_reason is None:
                workdir = Path(tempfile.mkdtemp(prefix="kiosk-speech-"))
                self._loop(workdir)
        except Exception as e:  # a bug here must not take the kiosk down
            log.exception("speech worker failed")
            self._set_reason("fatal", f"speech worker failed: {type(e).__name__}: {e}")
        finally:
            with self._cond:
                self._pending = None
                self._busy = False
                self._cond.notify_all()
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)

    def _start(self) -> None:
        if self._player is None:
            self._player = default_player()
            if self._player is None:
                self._set_reason("fatal", "no audio player found (install alsa-utils for aplay)")
                return
        try:
            with _ENGINES.job(self._settings.driver) as engine:
                voices = _engine_voices(engine)
        except SpeechError as e:
            self._set_reason("fatal", str(e))
            return
        except Exception as e:  # listing voices failed inside the driver
            self._set_reason("fatal", f"no speech engine: {type(e).__name__}: {e}")
            return
        chosen = _resolve_voices(voices, self._settings)
        self._voice_ids = chosen.ids
        log.info("voice prompts on: voices %s, player %r", chosen.ids, self._player)
        if chosen.missing:
            self._set_reason("voice", "; ".join(_no_voice(lang) for lang in chosen.missing))

    def _loop(self, workdir: Path) -> None:
        count = 0
        while True:
            with self._cond:
                self._busy = False
                self._cond.notify_all()
                while self._pending is None and not self._stopping:
                    self._cond.wait()
                request = None if self._stopping else self._pending
                if request is None:
                    return
                self._pending = None
                self._busy = True
                self._cancel.clear()
            count += 1
            self._speak(request, workdir / f"prompt-{count}.wav")

    def _speak(self, request: _Request, wav_path: Path) -> None:
        voice_id = self._voice_ids.get(request.lang)
        if voice_id is None:
            log.debug("no %s voice; prompt not spoken: %r", request.lang, request.text)
            return
        try:
            _render(request.text, wav_path, self._settings, voice_id)
            if self._cancel.is_set():
                log.debug("prompt superseded before it was played: %r", request.text)
                return
            player = self._player
            assert player is not None
            completed = player.play(
                RenderedPrompt(request.text, request.lang, wav_path), self._cancel
            )
        except PlaybackError as e:
            self._set_reason("output", f"audio output failed: {e}")
        except SpeechError as e:
            self._set_reason("output", str(e))
        except Exception as e:  # a player bug: report it, keep the worker
            log.debug("speech output failed", exc_info=True)
            self._set_reason("output", f"speech output failed: {type(e).__name__}: {e}")
        else:
            log.debug("prompt %s: %r", "spoken" if completed else "cut off", request.text)
            self._set_reason("output", None)
        finally:
            wav_path.unlink(missing_ok=True)

    def _set_reason(self, kind: str, reason: str | None) -> None:
        before = self.unavailable_reason
        previous = {
            "fatal": self._fatal_reason,
            "voice": self._voice_reason,
            "output": self._output_reason,
        }[kind]
        if kind == "fatal":
            self._fatal_reason = reason
        elif kind == "voice":
            self._voice_reason = reason
        else:
            self._output_reason = reason
        if reason is not None and previous is None:
            log.warning("voice prompts: %s", reason)
        elif reason is None and previous is not None:
            log.info("voice prompts: audio output works again")
        elif reason is not None and reason != previous:
            log.debug("voice prompts: %s", reason)
        if kind == "fatal":
            with self._cond:
                self._pending = None
                self._cond.notify_all()
        after = self.unavailable_reason
        if after != before and self._on_status is not None:
            try:
                self._on_status(after)
            except Exception:
                log.exception("speech status callback failed")


class NullSpeaker:
    """No voice at all, with the reason why (for the log and the staff panel)."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    @property
    def available(self) -> bool:
        return False

    @property
    def unavailable_reason(self) -> str | None:
        return self._reason

    def say(self, text: str, lang: str) -> None:
        normalize_lang(lang)

    def stop(self) -> None:
        pass


class RecordingSpeaker:
    """A fake for UI tests: records every ``say(text, lang)`` call in ``said``."""

    def __init__(self, unavailable_reason: str | None = None) -> None:
        self.said: list[tuple[str, str]] = []
        self.stopped = False
        self._reason = unavailable_reason

    @property
    def available(self) -> bool:
        return self._reason is None

    @property
    def unavailable_reason(self) -> str | None:
        return self._reason

    @property
    def last(self) -> tuple[str, str] | None:
        return self.said[-1] if self.said else None

    def say(self, text: str, lang: str) -> None:
        normalize_lang(lang)  # a bad language is a caller bug: fail in its tests
        self.said.append((text, lang))

    def stop(self) -> None:
        self.stopped = True
