"""Private folders and files: the POSIX modes here, the Windows ACL command as it is built."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kiosk.fileperm import create_private_file, icacls_command, private_dir


def test_folders_and_files_are_tightened_even_if_they_existed_loose(tmp_path: Path):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    file = folder / "kiosk.db"
    file.write_bytes(b"")
    os.chmod(file, 0o644)  # e.g. copied back from a backup
    private_dir(folder)
    create_private_file(file)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_windows_acl_is_the_user_and_administrators_only(tmp_path: Path):
    folder = icacls_command(Path("C:/kiosk/data"), "HALL\\kiosk", folder=True)
    assert folder[:3] == ["icacls", str(Path("C:/kiosk/data")), "/inheritance:r"]
    assert folder[3:] == [
        "/grant:r",
        "HALL\\kiosk:(OI)(CI)F",
        "/grant:r",
        "*S-1-5-32-544:(OI)(CI)F",
    ]
    file = icacls_command(Path("C:/kiosk/data/kiosk.db"), "kiosk", folder=False)
    assert "kiosk:F" in file and "*S-1-5-32-544:F" in file and "/inheritance:r" in file
