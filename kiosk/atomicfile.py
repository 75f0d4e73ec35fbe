"""Replace a small file whole: a crash leaves the old content or the new, never half."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, give it ``mode`` (by
    default the mode ``path`` has now, else 0600) and the owner ``path`` has, and rename
    it over ``path``.

    Raises OSError; the temporary file is removed on failure.
    """
    try:
        before: os.stat_result | None = path.stat()
    except FileNotFoundError:
        before = None
    if mode is None:
        mode = stat.S_IMODE(before.st_mode) if before else 0o600
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        if before is not None and hasattr(os, "chown"):
            try:  # root editing the kiosk user's file must not make it root's
                os.chown(temp, before.st_uid, before.st_gid)
            except PermissionError:
                pass  # not root: the file was ours to begin with
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if os.name != "nt":  # make the rename itself durable (Windows cannot fsync a folder)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
