"""Folders and files only the kiosk's user can open: 0700 / 0600, or an ACL on Windows.

The ticket database, its ``-wal``/``-shm`` files, the logs and the key files are made
private the moment they are created (the mode is given to ``open``/``mkdir``, never
fixed afterwards), and tightened again on every start in case a copy or an installer
loosened them. On Windows the same folders and files get an ACL that grants the kiosk's
user and the Administrators group full control and nobody else anything (inheritance
from the parent folder removed), set with the system's ``icacls``.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
#: Well-known SID of the built-in Administrators group (the same in every language).
ADMINISTRATORS_SID = "*S-1-5-32-544"
IS_WINDOWS = sys.platform == "win32"


def icacls_command(path: Path, user: str, *, folder: bool) -> list[str]:
    """The ``icacls`` call that leaves ``path`` to ``user`` and the Administrators only."""
    inherit = "(OI)(CI)" if folder else ""
    return [
        "icacls",
        str(path),
        "/inheritance:r",
        "/grant:r",
        f"{user}:{inherit}F",
        "/grant:r",
        f"{ADMINISTRATORS_SID}:{inherit}F",
    ]


def _windows_user() -> str:
    domain = os.environ.get("USERDOMAIN", "")
    user = os.environ.get("USERNAME", "")
    return f"{domain}\\{user}" if domain and user else user


def _restrict_windows(path: Path, *, folder: bool) -> None:  # pragma: no cover - Windows
    command = icacls_command(path, _windows_user(), folder=folder)
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except OSError as e:
        log.warning("cannot restrict access to %s: %s", path, e)
        return
    if result.returncode != 0:
        log.warning("icacls could not restrict %s: %s", path, result.stdout + result.stderr)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed; the folder itself is private to this user."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if IS_WINDOWS:  # pragma: no cover - Windows
        _restrict_windows(path, folder=True)
    else:
        _chmod(path, DIR_MODE)
    return path


def _chmod(path: Path, mode: int) -> None:
    """Take every right from group and others; the owner's rights stay as they are (a file
    made read-only on purpose stays read-only). A folder or file of another user (a
    technician's read-only look at a kiosk's files) is left as it is, with a warning."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077:
            os.chmod(path, current & 0o700)
    except PermissionError as e:
        log.warning("cannot make %s private (%s); its owner must: chmod %o", path, e, mode)


def private_file(path: Path) -> None:
    """Make an existing file private to this user (nothing happens if it does not exist)."""
    if IS_WINDOWS:  # pragma: no cover - Windows
        if path.exists():
            _restrict_windows(path, folder=False)
        return
    if path.exists():
        _chmod(path, FILE_MODE)


def create_private_file(path: Path) -> None:
    """Create an empty file readable only by this user, unless it exists; tighten it if it does."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    private_file(path)
