"""Voice prompts with the real engine: pyttsx3 + espeak-ng render every prompt here.

Only the sound card is stood in for: this machine has none, and a test must see which
prompts were actually played. ``GatedPlayer`` records each rendered WAV it is handed
and holds "playback" until the test lets it go; ``CommandPlayer`` tests run real
processes (aplay, small Python scripts).
"""

from __future__ import annotations

import array
import logging
import math
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.domain.spoken import prompt_text
from kiosk.services.speech import (
    MUTED_REASON,
    CommandPlayer,
    NullSpeaker,
    Pyttsx3Speaker,
    RecordingSpeaker,
    RenderedPrompt,
    Speaker,
    SpeechError,
    VoiceInfo,
    VoiceSettings,
    choose_voice,
    find_voice,
    save_wav,
)

TIMEOUT_S = 15.0
SPEECH_LOGGER = "kiosk.services.speech"
TICKET_ZH = prompt_text("ticket_issued", "zh", number="L012", place="3号窗口")
TICKET_EN = prompt_text("ticket_issued", "en", number="L012", place="3号窗口")


@dataclass(frozen=True)
class WavStats:
    duration_s: float
    rms: float
    channels: int
    sample_width: int


def wav_stats(path: Path) -> WavStats:
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2, "expected 16-bit PCM"
        frames = wav.readframes(wav.getnframes())
        stats = (wav.getnframes() / wav.getframerate(), wav.getnchannels(), wav.getsampwidth())
    samples = array.array("h", frames)
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0
    return WavStats(stats[0], rms, stats[1], stats[2])


def wait_until(predicate: Callable[[], bool], timeout_s: float = TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# ------------------------------------------------------------------ real engine -> WAV

AUDIBLE_RMS = 300.0  # 16-bit samples; espeak-ng speech measures in the thousands


def test_chinese_ticket_prompt_is_written_as_audible_speech(tmp_path: Path) -> None:
    wav = save_wav(TICKET_ZH, "zh", tmp_path / "ticket-zh.wav")

    stats = wav_stats(wav)
    assert 0.5 < stats.duration_s < 30
    assert stats.rms > AUDIBLE_RMS
    assert stats.channels == 1


def test_english_ticket_prompt_is_written_as_audible_speech(tmp_path: Path) -> None:
    wav = save_wav(TICKET_EN, "en", tmp_path / "ticket-en.wav")

    stats = wav_stats(wav)
    assert 0.5 < stats.duration_s < 30
    assert stats.rms > AUDIBLE_RMS


def test_the_whole_prompt_is_rendered_not_just_its_start(tmp_path: Path) -> None:
    # pyttsx3's runAndWait returns while espeak is still synthesising; the file must
    # only be used once the engine reports the utterance finished.
    short = wav_stats(save_wav("请取走您的票。", "zh", tmp_path / "short.wav"))
    full = wav_stats(save_wav(TICKET_ZH, "zh", tmp_path / "full.wav"))
    assert full.duration_s > short.duration_s * 2


def test_volume_comes_from_the_settings(tmp_path: Path) -> None:
    loud = wav_stats(save_wav(TICKET_ZH, "zh", tmp_path / "loud.wav", VoiceSettings(volume=1.0)))
    quiet = wav_stats(save_wav(TICKET_ZH, "zh", tmp_path / "quiet.wav", VoiceSettings(volume=0.3)))
    assert quiet.rms < loud.rms * 0.6
    assert quiet.rms > 0


def test_rate_comes_from_the_settings(tmp_path: Path) -> None:
    slow = wav_stats(save_wav(TICKET_EN, "en", tmp_path / "slow.wav", VoiceSettings(rate_wpm=100)))
    fast = wav_stats(save_wav(TICKET_EN, "en", tmp_path / "fast.wav", VoiceSettings(rate_wpm=250)))
    assert slow.duration_s > fast.duration_s * 1.3


def test_save_wav_overwrites_an_old_file(tmp_path: Path) -> None:
    target = tmp_path / "prompt.wav"
    save_wav(TICKET_ZH, "zh", target)
    long_duration = wav_stats(target).duration_s

    save_wav("您好。", "zh", target)

    assert wav_stats(target).duration_s < long_duration


def test_save_wav_into_a_missing_folder_is_a_speech_error(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="cannot write"):
        save_wav(TICKET_ZH, "zh", tmp_path / "missing" / "prompt.wav")


def test_save_wav_with_an_unknown_driver_is_a_speech_error(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="no_such_driver"):
        save_wav(TICKET_ZH, "zh", tmp_path / "x.wav", VoiceSettings(driver="no_such_driver"))


def test_engine_still_works_after_a_failed_job(tmp_path: Path) -> None:
    with pytest.raises(SpeechError):
        save_wav(TICKET_ZH, "zh", tmp_path / "x.wav", VoiceSettings(driver="no_such_driver"))
    assert wav_stats(save_wav(TICKET_ZH, "zh", tmp_path / "ok.wav")).rms > AUDIBLE_RMS


# ------------------------------------------------------------------ voices


def test_a_mandarin_voice_is_chosen_for_chinese_and_english_for_english() -> None:
    player = GatedPlayer()
    with Pyttsx3Speaker(VoiceSettings(), player=player) as speaker:
        assert speaker.wait_ready(TIMEOUT_S)
        voices = speaker.voice_ids
    # espeak-ng: the pinyin variant reads hanzi correctly on 1.51 as well.
    assert voices["zh"] == "sit/cmn-latn-pinyin"
    assert voices["en"] is not None and voices["en"].startswith("gmw/en")


def test_configured_voices_are_honoured() -> None:
    settings = VoiceSettings(voice_zh="cmn", voice_en="gmw/en")
    with Pyttsx3Speaker(settings, player=GatedPlayer()) as speaker:
        assert speaker.wait_ready(TIMEOUT_S)
        assert speaker.voice_ids == {"zh": "sit/cmn", "en": "gmw/en"}


def test_an_unknown_configured_voice_falls_back_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=SPEECH_LOGGER)
    with Pyttsx3Speaker(VoiceSettings(voice_zh="no-such-voice"), player=GatedPlayer()) as speaker:
        assert speaker.wait_ready(TIMEOUT_S)
        assert speaker.voice_ids["zh"] == "sit/cmn-latn-pinyin"
        assert speaker.available
    assert any(
        "no-such-voice" in r.getMessage() for r in caplog.records if r.levelname == "WARNING"
    )


ESPEAK_LIKE = [
    VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",)),
    VoiceInfo("sit/yue", "Chinese (Cantonese)", ("yue",)),
    VoiceInfo("sit/cmn", "Chinese (Mandarin, latin as English)", ("cmn",)),
    VoiceInfo("sit/cmn-latn-pinyin", "Chinese (Mandarin, latin as Pinyin)", ("cmn-latn-pinyin",)),
    VoiceInfo("gmw/en-us", "English (America)", ("en-us",)),
]
TOKENS = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Speech\\Voices\\Tokens\\"
SAPI_299 = [  # pyttsx3 2.99 reports a language per SAPI5 voice
    VoiceInfo(TOKENS + "TTS_MS_EN-US_ZIRA_11.0", "Microsoft Zira Desktop", ("en-US",)),
    VoiceInfo(TOKENS + "TTS_MS_ZH-HK_TRACY_11.0", "Microsoft Tracy Desktop", ("zh-HK",)),
    VoiceInfo(TOKENS + "TTS_MS_ZH-CN_HUIHUI_11.0", "Microsoft Huihui Desktop", ("zh-CN",)),
]
SAPI_298 = [  # pyttsx3 2.98 (pinned on Windows) reports none
    VoiceInfo(
        TOKENS + "TTS_MS_EN-US_ZIRA_11.0", "Microsoft Zira Desktop - English (United States)"
    ),
    VoiceInfo(TOKENS + "TTS_MS_ZH-HK_TRACY_11.0", "Microsoft Tracy Desktop - Chinese(Hong Kong)"),
    VoiceInfo(
        TOKENS + "TTS_MS_ZH-CN_HUIHUI_11.0", "Microsoft Huihui Desktop - Chinese (Simplified)"
    ),
]


@pytest.mark.parametrize(
    ("voices", "zh", "en"),
    [
        (ESPEAK_LIKE, "sit/cmn-latn-pinyin", "gmw/en-us"),
        (SAPI_299, TOKENS + "TTS_MS_ZH-CN_HUIHUI_11.0", TOKENS + "TTS_MS_EN-US_ZIRA_11.0"),
        (SAPI_298, TOKENS + "TTS_MS_ZH-CN_HUIHUI_11.0", TOKENS + "TTS_MS_EN-US_ZIRA_11.0"),
    ],
)
def test_choose_voice(voices: list[VoiceInfo], zh: str, en: str) -> None:
    chosen_zh = choose_voice(voices, "zh")
    chosen_en = choose_voice(voices, "en-US")
    assert chosen_zh is not None and chosen_zh.id == zh
    assert chosen_en is not None and chosen_en.id == en


def test_cantonese_is_never_chosen_for_mandarin_prompts() -> None:
    cantonese_only = [v for v in SAPI_299 if "ZH-CN" not in v.id] + [ESPEAK_LIKE[1]]
    assert choose_voice(cantonese_only, "zh") is None
    assert choose_voice([], "en") is None


def test_find_voice_by_id_short_name_or_language() -> None:
    assert find_voice(ESPEAK_LIKE, "SIT/CMN") == ESPEAK_LIKE[2]
    assert find_voice(ESPEAK_LIKE, "cmn-latn-pinyin") == ESPEAK_LIKE[3]
    assert find_voice(ESPEAK_LIKE, "English (America)") == ESPEAK_LIKE[4]
    assert find_voice(SAPI_299, "tts_ms_zh-cn_huihui_11.0") == SAPI_299[2]
    assert find_voice(ESPEAK_LIKE, "fr") is None


# ------------------------------------------------------------------ the worker


@dataclass
class Played:
    text: str
    lang: str
    wav: WavStats
    completed: bool | None = None  # None while "playing"
    returned: bool = False  # play() has returned to the speaker


class GatedPlayer:
    """Stands in for the sound card: records each rendered prompt and plays it until the
    test sets ``release`` (completed) or the speaker cancels it (cut off). While
    ``proceed`` is clear, a cut-off prompt does not return, so the test can arrange what
    waits in the speaker's slot."""

    def __init__(self, release: bool = True) -> None:
        self.played: list[Played] = []
        self.release = threading.Event()
        self.proceed = threading.Event()
        self.proceed.set()
        if release:
            self.release.set()
        self._cond = threading.Condition()

    def play(self, prompt: RenderedPrompt, cancel: threading.Event) -> bool:
        entry = Played(prompt.text, prompt.lang, wav_stats(prompt.wav_path))
        with self._cond:
            self.played.append(entry)
            self._cond.notify_all()
        while not self.release.is_set() and not cancel.is_set():
            cancel.wait(0.01)
        completed = not cancel.is_set()
        with self._cond:
            entry.completed = completed
            self._cond.notify_all()
        if not completed:
            self.proceed.wait(TIMEOUT_S)
        entry.returned = True
        return completed

    def wait_started(self, text: str) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: any(p.text == text for p in self.played), TIMEOUT_S)

    def wait_cut_off(self, text: str) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: any(p.text == text and p.completed is False for p in self.played),
                TIMEOUT_S,
            )

    def summary(self) -> list[tuple[str, bool | None]]:
        with self._cond:
            return [(p.text, p.completed) for p in self.played]


@pytest.fixture
def player() -> GatedPlayer:
    return GatedPlayer(release=False)


@pytest.fixture
def speaker(player: GatedPlayer) -> Iterator[Pyttsx3Speaker]:
    speaker = Pyttsx3Speaker(VoiceSettings(), player=player)
    assert speaker.wait_ready(TIMEOUT_S)
    yield speaker
    player.release.set()
    player.proceed.set()
    speaker.stop()


def test_prompts_are_rendered_by_the_engine_and_played(
    speaker: Pyttsx3Speaker, player: GatedPlayer
) -> None:
    player.release.set()
    speaker.say(TICKET_ZH, "zh")
    assert speaker.wait_idle(TIMEOUT_S)
    speaker.say(TICKET_EN, "en-US")
    assert speaker.wait_idle(TIMEOUT_S)

    assert player.summary() == [(TICKET_ZH, True), (TICKET_EN, True)]
    assert [p.lang for p in player.played] == ["zh", "en"]
    for played in player.played:
        assert 0.5 < played.wav.duration_s < 30
        assert played.wav.rms > AUDIBLE_RMS
    assert speaker.available and speaker.unavailable_reason is None


def test_say_returns_while_a_prompt_is_still_playing(
    speaker: Pyttsx3Speaker, player: GatedPlayer
) -> None:
    player.proceed.clear()
    speaker.say("第一句。", "zh")
    assert player.wait_started("第一句。")

    speaker.say("Second.", "en")  # the player holds the first prompt: must not wait for it

    assert not player.played[0].returned
    assert len(player.played) == 1
    player.release.set()
    player.proceed.set()
    assert speaker.wait_idle(TIMEOUT_S)
    assert player.summary() == [("第一句。", False), ("Second.", True)]


def test_a_new_prompt_cuts_off_the_playing_one_and_replaces_the_waiting_one(
    speaker: Pyttsx3Speaker, player: GatedPlayer
) -> None:
    player.proceed.clear()
    speaker.say("请把身份证放在读卡区上。", "zh")
    assert player.wait_started("请把身份证放在读卡区上。")

    speaker.say("正在读卡，请不要拿开身份证。", "zh")
    assert player.wait_cut_off("请把身份证放在读卡区上。")
    speaker.say(TICKET_ZH, "zh")  # replaces the reading prompt, still waiting in the slot

    player.release.set()
    player.proceed.set()
    assert speaker.wait_idle(TIMEOUT_S)
    assert player.summary() == [("请把身份证放在读卡区上。", False), (TICKET_ZH, True)]


def test_stop_cuts_off_playback_and_ends_the_worker(
    speaker: Pyttsx3Speaker, player: GatedPlayer
) -> None:
    speaker.say(TICKET_ZH, "zh")
    assert player.wait_started(TICKET_ZH)

    speaker.stop()

    assert not speaker.running
    assert player.summary() == [(TICKET_ZH, False)]
    speaker.say("还在吗？", "zh")  # after stop: ignored, no error
    assert len(player.played) == 1


def test_rendering_on_the_worker_and_save_wav_elsewhere_do_not_disturb_each_other(
    speaker: Pyttsx3Speaker, player: GatedPlayer, tmp_path: Path
) -> None:
    player.release.set()
    for i in range(5):
        speaker.say(f"第 {i} 句：{TICKET_ZH}", "zh")
        stats = wav_stats(save_wav(TICKET_EN, "en", tmp_path / f"{i}.wav"))
        assert stats.rms > AUDIBLE_RMS
        assert speaker.wait_idle(TIMEOUT_S)
    assert len(player.played) == 5
    assert all(p.completed and p.wav.rms > AUDIBLE_RMS for p in player.played)


def test_empty_text_is_ignored_and_a_bad_language_is_a_caller_error(
    speaker: Pyttsx3Speaker, player: GatedPlayer
) -> None:
    speaker.say("   ", "zh")
    with pytest.raises(ValueError):
        speaker.say("Bonjour", "fr")
    assert speaker.wait_idle(TIMEOUT_S)
    assert player.played == []


# ------------------------------------------------------------------ real players


def test_real_player_process_is_terminated_when_a_new_prompt_arrives(tmp_path: Path) -> None:
    log_file = tmp_path / "player.log"
    script = tmp_path / "slow_player.py"
    script.write_text(
        "import pathlib, sys, time\n"
        "log, wav = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])\n"
        "with log.open('a') as f: f.write(f'start {wav.name} {wav.stat().st_size}\\n')\n"
        "time.sleep(60)\n"
        "with log.open('a') as f: f.write('end\\n')\n"
    )

    def lines() -> list[str]:
        return log_file.read_text().splitlines() if log_file.exists() else []

    player = CommandPlayer([sys.executable, str(script), str(log_file)])
    with Pyttsx3Speaker(VoiceSettings(), player=player) as speaker:
        speaker.say(TICKET_ZH, "zh")
        assert wait_until(lambda: len(lines()) == 1)
        speaker.say(TICKET_EN, "en")  # the first player process must be ended for this
        assert wait_until(lambda: len(lines()) == 2)
        speaker.stop()
        assert not speaker.running

    started = [line.split() for line in lines()]
    assert [name for _, name, _ in started] == ["prompt-1.wav", "prompt-2.wav"]
    assert all(int(size) > 10_000 for _, _, size in started)  # real audio was handed over


def test_no_sound_device_is_reported_once_and_the_worker_carries_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=SPEECH_LOGGER)
    statuses: list[str | None] = []
    player = CommandPlayer(["aplay", "-q", "-D", "kiosk_test_no_such_device"])
    with Pyttsx3Speaker(VoiceSettings(), player=player, on_status=statuses.append) as speaker:
        for text in ("您好。", "请取走您的票。", TICKET_ZH):
            speaker.say(text, "zh")
            assert speaker.wait_idle(TIMEOUT_S)
        assert speaker.running
        reason = speaker.unavailable_reason

    assert not speaker.available
    assert reason is not None
    assert reason.startswith("audio output failed: aplay exited with 1")
    assert "audio open error" in reason
    warnings = [r for r in caplog.records if r.name == SPEECH_LOGGER and r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert statuses == [reason]


def test_audio_output_that_comes_back_is_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=SPEECH_LOGGER)
    exit_code = tmp_path / "exit_code"
    exit_code.write_text("3")
    script = tmp_path / "flaky_player.py"
    script.write_text(
        "import pathlib, sys\n"
        "sys.stderr.write('device busy\\n')\n"
        "sys.exit(int(pathlib.Path(sys.argv[1]).read_text()))\n"
    )
    statuses: list[str | None] = []
    player = CommandPlayer([sys.executable, str(script), str(exit_code)])
    with Pyttsx3Speaker(VoiceSettings(), player=player, on_status=statuses.append) as speaker:
        for _ in range(2):
            speaker.say("您好。", "zh")
            assert speaker.wait_idle(TIMEOUT_S)
        assert not speaker.available
        exit_code.write_text("0")
        for _ in range(2):
            speaker.say("您好。", "zh")
            assert speaker.wait_idle(TIMEOUT_S)
        assert speaker.available

    assert len(statuses) == 2
    assert statuses[0] is not None and statuses[0].endswith("exited with 3: device busy")
    assert statuses[1] is None
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == SPEECH_LOGGER]
    assert sum(level == "WARNING" for level, _ in messages) == 1
    assert sum("works again" in message for _, message in messages) == 1


# ------------------------------------------------------------------ no voice at all


def test_missing_engine_makes_a_silent_speaker_that_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    statuses: list[str | None] = []
    player = GatedPlayer()
    speaker = Pyttsx3Speaker(
        VoiceSettings(driver="no_such_driver"), player=player, on_status=statuses.append
    )
    assert speaker.wait_ready(TIMEOUT_S)
    for _ in range(3):
        speaker.say(TICKET_ZH, "zh")  # a no-op, never an error
    assert speaker.wait_idle(TIMEOUT_S)
    speaker.stop()

    assert not speaker.available
    reason = speaker.unavailable_reason
    assert reason is not None and "no speech engine" in reason and "no_such_driver" in reason
    assert statuses == [reason]
    assert player.played == []
    warnings = [r for r in caplog.records if r.name == SPEECH_LOGGER and r.levelname == "WARNING"]
    assert [w.getMessage() for w in warnings] == [f"voice prompts: {reason}"]


def test_muted_by_config_starts_no_engine() -> None:
    player = GatedPlayer()
    speaker = Pyttsx3Speaker(VoiceSettings(enabled=False), player=player)

    speaker.say(TICKET_ZH, "zh")
    speaker.stop()

    assert not speaker.available
    assert speaker.unavailable_reason == MUTED_REASON == "muted by config"
    assert not speaker.running
    assert speaker.voice_ids == {}
    assert player.played == []


def test_null_speaker() -> None:
    speaker: Speaker = NullSpeaker("no sound card in the demo laptop")
    speaker.say("您好", "zh")
    speaker.stop()
    assert not speaker.available
    assert speaker.unavailable_reason == "no sound card in the demo laptop"


def test_recording_speaker_records_calls_for_ui_tests() -> None:
    recorder = RecordingSpeaker()
    speaker: Speaker = recorder
    speaker.say(TICKET_ZH, "zh")
    speaker.say(TICKET_EN, "en")
    with pytest.raises(ValueError):
        speaker.say("Hallo", "de")
    speaker.stop()
    assert recorder.said == [(TICKET_ZH, "zh"), (TICKET_EN, "en")]
    assert recorder.last == (TICKET_EN, "en")
    assert recorder.stopped
    assert speaker.available
    assert not RecordingSpeaker(unavailable_reason="muted by config").available


@pytest.mark.parametrize(
    "bad",
    [{"volume": 1.5}, {"volume": -0.1}, {"rate_wpm": 10}, {"rate_wpm": 1000}],
)
def test_voice_settings_are_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        VoiceSettings(**bad)  # type: ignore[arg-type]
