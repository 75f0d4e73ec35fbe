"""Where the kiosk finds its shipped assets and keeps its data, frozen or not."""

from __future__ import annotations

import sys
from pathlib import Path

from platformdirs import PlatformDirs

from kiosk import APP_NAME

_DIRS = PlatformDirs(APP_NAME, appauthor=False)


def assets_dir() -> Path:
    """The shipped ``assets/`` folder.

    In a PyInstaller build it sits under ``sys._MEIPASS``; in a checkout or editable
    install it is the repository's top-level ``assets/``.
    """
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"


def fonts_dir() -> Path:
    return assets_dir() / "fonts"


def default_config_path() -> Path:
    return Path(_DIRS.user_config_dir) / "kiosk.toml"


def default_data_dir() -> Path:
    return Path(_DIRS.user_data_dir)


def default_log_dir() -> Path:
    return Path(_DIRS.user_log_dir)
