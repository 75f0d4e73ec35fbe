"""Roster keys: one HMAC key per hall (and per rotation), in files of their own.

The hashed roster sits in the database; the key that made the hashes sits in
``HallSettings.key_dir``, one file per key (``<key_id>.key``, mode 0600, folder 0700), so a
copy of the database alone reveals nothing. The database names the key in use by its id.
Several hosts serving one city share the key folder the way they share TLS certificates.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

KEY_BYTES = 32
_KEY_ID = re.compile(r"^[a-z0-9-]{8,40}$")


class KeyStoreError(Exception):
    """A roster key is missing or unreadable."""


class KeyStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key_id: str) -> Path:
        if not _KEY_ID.match(key_id):
            raise KeyStoreError(f"malformed roster key id {key_id!r}")
        return self.folder / f"{key_id}.key"

    def create(self, hall_name: str) -> str:
        """Make a new random key and return its id."""
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        slug = re.sub(r"[^a-z0-9]+", "-", hall_name.lower()).strip("-")[:16] or "hall"
        key_id = f"{slug}-{secrets.token_hex(6)}"
        path = self._path(key_id)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(KEY_BYTES))
            f.flush()
            os.fsync(f.fileno())
        return key_id

    def load(self, key_id: str) -> bytes:
        try:
            key = self._path(key_id).read_bytes()
        except OSError as e:
            raise KeyStoreError(
                f"roster key {key_id} is not in {self.folder} (copy the key folder from the "
                "host that made it)"
            ) from e
        if len(key) != KEY_BYTES:
            raise KeyStoreError(f"roster key {key_id} is damaged")
        return key
