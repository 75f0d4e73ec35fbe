"""Settings of the hall pages, read once from the environment like :class:`HallSettings`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_cache_path


@dataclass(frozen=True)
class PageSettings:
    #: Spoken calls are rendered once per phrase into this folder (``HALL_VOICE_DIR``).
    voice_dir: Path = field(
        default_factory=lambda: user_cache_path("lobby-hall", appauthor=False) / "voice"
    )
    #: pyttsx3 voice for the calls; empty: the first Mandarin voice (``HALL_VOICE``).
    voice: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PageSettings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if env.get("HALL_VOICE_DIR"):
            values["voice_dir"] = Path(env["HALL_VOICE_DIR"])
        if env.get("HALL_VOICE"):
            values["voice"] = env["HALL_VOICE"]
        return cls(**values)  # type: ignore[arg-type]
