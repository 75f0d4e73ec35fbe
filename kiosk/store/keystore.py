"""The kiosk's keys, kept apart from the ticket database they protect.

Two keys make ID numbers unguessable: the key of the person hash on ticket records
(made by the kiosk, :data:`TICKET_KEY`) and the key of the roster in use (one per roster
version, made by ``kiosk roster import`` or sent by the hall server with its roster).
Whoever has the database *and* a key can test every possible ID number of a county and a
decade in a minute; whoever has the database alone cannot test one (see
``docs/threat-model.md``). So the keys never sit in the database or beside it:

- :class:`KeyringKeyStore`: the operating system's secret store through ``keyring``
  (Windows Credential Manager, protected with DPAPI by the user's logon; macOS Keychain;
  the Secret Service on a Linux desktop whose keyring is unlocked). Chosen only when such a
  backend is really there and answers without asking anyone: a kiosk has nobody to type a
  keyring password, so a locked or missing keyring must never block or prompt.
- :class:`FileKeyStore`: otherwise one file per key in ``keys/`` under the *config*
  folder (never the data folder), the folder 0700 and each file 0600 from the moment it
  is created (written to a private temporary file and linked into place, so a crash
  leaves either no key or the whole key).

A key is written under a name and never overwritten with another value: a roster key has
a fresh name per roster (its *key id*, the only thing ``roster_meta`` stores), so the old
key stays until the new roster is committed and is deleted only after.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from kiosk.fileperm import FILE_MODE, IS_WINDOWS, private_dir, private_file
from kiosk.store.db import StoreError

log = logging.getLogger(__name__)

TICKET_KEY = "ticket-hash"
ROSTER_KEY_PREFIX = "roster-"
KEY_BYTES = 32
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class KeyStoreError(StoreError):
    """A key could not be read, written or found."""


def new_roster_key_id() -> str:
    return f"{ROSTER_KEY_PREFIX}{secrets.token_hex(8)}"


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise KeyStoreError(f"not a key name: {name!r}")


class KeyStore(ABC):
    """Named keys (bytes). ``location`` says where, for technicians and the log."""

    location: str

    @abstractmethod
    def get(self, name: str) -> bytes | None: ...

    @abstractmethod
    def _add(self, name: str, key: bytes) -> bytes:
        """Store ``key`` under ``name`` unless a key is there; return the key stored."""

    @abstractmethod
    def delete(self, name: str) -> None: ...

    @abstractmethod
    def names(self) -> list[str]: ...

    def put(self, name: str, key: bytes) -> None:
        """Store ``key`` as ``name``; the same key again is fine, another one is an error."""
        _check_name(name)
        stored = self._add(name, key)
        if stored != key:
            raise KeyStoreError(f"{self.location}: a different key named {name} is already there")

    def get_or_create(self, name: str, nbytes: int = KEY_BYTES) -> bytes:
        """The key called ``name``; a new random one the first time (races are safe)."""
        _check_name(name)
        key = self.get(name)
        if key is None:
            key = self._add(name, secrets.token_bytes(nbytes))
        return key

    def require(self, name: str) -> bytes:
        key = self.get(name)
        if key is None:
            raise KeyStoreError(f"key {name} is missing from {self.location}")
        return key


class FileKeyStore(KeyStore):
    """One file per key in a private folder (the config folder's ``keys/``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.location = f"key folder {directory}"

    def _path(self, name: str) -> Path:
        _check_name(name)
        return self.directory / f"{name}.key"

    def get(self, name: str) -> bytes | None:
        path = self._path(name)
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as e:
            raise KeyStoreError(f"cannot read key {path}: {e}") from e
        try:
            return base64.b64decode(text.strip(), validate=True)
        except ValueError as e:
            raise KeyStoreError(f"{path}: not a key file") from e

    def _add(self, name: str, key: bytes) -> bytes:
        path = self._path(name)
        try:
            private_dir(self.directory)
            temp = self.directory / f".{name}.{secrets.token_hex(4)}.tmp"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            try:
                with os.fdopen(fd, "w", encoding="ascii") as file:
                    file.write(base64.b64encode(key).decode("ascii") + "\n")
                    file.flush()
                    os.fsync(file.fileno())
                private_file(temp)
                try:
                    if IS_WINDOWS:  # pragma: no cover - rename does not replace there
                        os.rename(temp, path)
                    else:
                        os.link(temp, path)  # fails if the name is taken: no overwrite
                except FileExistsError:
                    pass
            finally:
                temp.unlink(missing_ok=True)
            _sync_dir(self.directory)
        except OSError as e:
            raise KeyStoreError(f"cannot write key {path}: {e}") from e
        stored = self.get(name)
        if stored is None:
            raise KeyStoreError(f"key {path} vanished after it was written")
        return stored

    def delete(self, name: str) -> None:
        try:
            self._path(name).unlink(missing_ok=True)
            _sync_dir(self.directory)
        except OSError as e:
            raise KeyStoreError(f"cannot delete key {name} in {self.directory}: {e}") from e

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.key") if _NAME.match(p.stem))


def _sync_dir(directory: Path) -> None:
    if IS_WINDOWS or not directory.exists():  # pragma: no cover - no directory fsync there
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class KeyringKeyStore(KeyStore):
    """Keys in the OS secret store, one credential per key under one service name.

    Secret stores cannot list what they hold, so the names are kept in one more
    credential (``_INDEX``), used only to clean up keys of old rosters.
    """

    _INDEX = "key-index"

    def __init__(self, backend: Any, service: str) -> None:
        self._backend = backend
        self.service = service
        self.location = f"{type(backend).__module__}.{type(backend).__name__} ({service})"

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(self.service, *args)
        except Exception as e:  # keyring raises its own and the platform's errors
            raise KeyStoreError(f"{self.location}: cannot {what}: {e}") from e

    def get(self, name: str) -> bytes | None:
        _check_name(name)
        text = self._call("read a key", self._backend.get_password, name)
        if text is None:
            return None
        try:
            return base64.b64decode(text, validate=True)
        except ValueError as e:
            raise KeyStoreError(f"{self.location}: key {name} is not a key") from e

    def _add(self, name: str, key: bytes) -> bytes:
        existing = self.get(name)
        if existing is not None:
            return existing
        self._set_index([*self.names(), name])
        self._call("write a key", self._backend.set_password, name, _b64(key))
        stored = self.get(name)
        if stored is None:
            raise KeyStoreError(f"{self.location}: key {name} vanished after it was written")
        return stored

    def delete(self, name: str) -> None:
        _check_name(name)
        if self.get(name) is not None:
            self._call("delete a key", self._backend.delete_password, name)
        self._set_index([n for n in self.names() if n != name])

    def names(self) -> list[str]:
        text = self._call("read the key index", self._backend.get_password, self._INDEX)
        try:
            listed = json.loads(text) if text else []
        except ValueError:
            listed = []
        return sorted({n for n in listed if isinstance(n, str) and _NAME.match(n)})

    def _set_index(self, names: list[str]) -> None:
        text = json.dumps(sorted(set(names)))
        self._call("write the key index", self._backend.set_password, self._INDEX, text)


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


#: keyring backends that are a real OS secret store (never a plain-text file backend).
OS_BACKENDS = {
    "keyring.backends.Windows.WinVaultKeyring",
    "keyring.backends.macOS.Keyring",
    "keyring.backends.SecretService.Keyring",
}


def _name_of(backend: object) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def os_secret_store() -> tuple[Any | None, str]:
    """The OS secret store's keyring backend if one answers without a prompt, and why (not).

    Headless Linux (no D-Bus session, no Secret Service, or a locked keyring that would
    ask for a password) gets ``None``: the caller uses the key folder instead.
    """
    try:
        import keyring
    except ImportError:
        return None, "keyring is not installed"
    try:
        backend = keyring.get_keyring()
    except Exception as e:
        return None, f"no usable OS secret store ({e})"
    name = _name_of(backend)
    if name not in OS_BACKENDS:
        return None, f"no OS secret store (keyring offers {name})"
    if name.endswith("SecretService.Keyring") and not _secret_service_unlocked():
        return None, "the Secret Service keyring is locked or unavailable"
    return backend, name


def _secret_service_unlocked() -> bool:
    """True if the default Secret Service collection is open without asking anyone."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    try:
        import secretstorage

        with secretstorage.dbus_init() as connection:
            collection = secretstorage.get_default_collection(connection)
            return not collection.is_locked()
    except Exception:
        return False


def open_key_store(key_dir: Path, *, service: str, use_os_store: bool = True) -> KeyStore:
    """The OS secret store if there is a usable one, else the key folder ``key_dir``.

    The choice is made once, the first time the store is opened with no key in the
    folder, and kept: a marker file in ``key_dir`` says the keys are in the OS store. A
    kiosk whose keys are there and whose secret store is not available at this start
    (locked, no session) gets an error that says so, never a new set of keys in the
    folder that would orphan the old ones. Keys already in the folder stay there even if
    a secret store appears later.
    """
    marker = key_dir / OS_STORE_MARKER
    files = FileKeyStore(key_dir)
    if marker.exists():
        backend, why = os_secret_store()
        if backend is None:
            raise KeyStoreError(
                f"this kiosk keeps its keys in the OS secret store ({marker} says so), and"
                f" it is not available now: {why}. Unlock it or start the kiosk in the"
                " user session that holds it."
            )
        return KeyringKeyStore(backend, service)
    if files.names() or not use_os_store:
        return files
    backend, why = os_secret_store()
    if backend is None:
        log.info("keys: %s; using the key folder %s", why, key_dir)
        return files
    log.info("keys: OS secret store %s", why)
    try:
        private_dir(key_dir)
        marker.write_text(f"keys are in the OS secret store: {why}, service {service}\n")
    except OSError as e:
        raise KeyStoreError(f"cannot write {marker}: {e}") from e
    return KeyringKeyStore(backend, service)


OS_STORE_MARKER = "IN-OS-SECRET-STORE"

__all__ = [
    "KEY_BYTES",
    "ROSTER_KEY_PREFIX",
    "TICKET_KEY",
    "FileKeyStore",
    "KeyStore",
    "KeyStoreError",
    "KeyringKeyStore",
    "new_roster_key_id",
    "open_key_store",
    "os_secret_store",
]
