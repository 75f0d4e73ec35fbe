"""The hall server's settings: one typed, frozen object, read once from the environment.

Every value has a default fit for one hall on one PC; a city deployment sets
``HALL_DATABASE_URL`` (``postgresql+psycopg://...``) and ``HALL_KEY_DIR``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_data_path


class SettingsError(ValueError):
    """A setting has a value the server cannot use; the message names the variable."""


def _data_dir() -> Path:
    return user_data_path("lobby-hall", appauthor=False)


@dataclass(frozen=True)
class HallSettings:
    #: SQLAlchemy URL: ``sqlite:////path/hall.db`` or ``postgresql+psycopg://user@host/db``.
    database_url: str = field(default_factory=lambda: f"sqlite:///{_data_dir() / 'hall.db'}")
    #: Folder of the roster keys (one file per key, mode 0600). Never beside the database
    #: in a backup: the keys are what make the hashed roster unreadable.
    key_dir: Path = field(default_factory=lambda: _data_dir() / "keys")
    #: The halls' time zone: business days and report hours are counted in it.
    timezone: str = "Asia/Shanghai"
    #: Largest request body accepted, in bytes (413 above).
    max_body_bytes: int = 1 << 20
    #: Requests per second allowed per token (a burst of twice that is allowed).
    rate_per_token_s: float = 50.0
    #: An unacknowledged helper alert escalates after this many seconds.
    alert_escalate_after_s: int = 120
    #: Call-next serves at most this many priority (L) tickets in a row at one window
    #: while normal tickets wait.
    max_priority_in_row: int = 3
    #: A kiosk not heard from for this long is offline.
    offline_after_s: int = 180
    #: A kiosk whose oldest unsent outbox event is older than this is behind.
    outbox_behind_after_s: int = 300

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise SettingsError(f"HALL_TIMEZONE: unknown time zone {self.timezone!r}") from e
        for name in ("max_body_bytes", "alert_escalate_after_s", "offline_after_s"):
            if getattr(self, name) < 1:
                raise SettingsError(f"HALL_{name.upper()}: must be at least 1")
        if self.rate_per_token_s <= 0:
            raise SettingsError("HALL_RATE_PER_TOKEN_S: must be positive")
        if self.max_priority_in_row < 1:
            raise SettingsError("HALL_MAX_PRIORITY_IN_ROW: must be at least 1")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HallSettings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, kind in (
            ("database_url", str),
            ("key_dir", Path),
            ("timezone", str),
            ("max_body_bytes", int),
            ("rate_per_token_s", float),
            ("alert_escalate_after_s", int),
            ("max_priority_in_row", int),
            ("offline_after_s", int),
            ("outbox_behind_after_s", int),
        ):
            raw = env.get(f"HALL_{name.upper()}")
            if raw is None or raw == "":
                continue
            try:
                values[name] = kind(raw)
            except ValueError as e:
                raise SettingsError(f"HALL_{name.upper()}: {raw!r} is not a {kind.__name__}") from e
        return cls(**values)  # type: ignore[arg-type]
