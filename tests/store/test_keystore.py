"""The key store: a private key folder, or the OS secret store when one answers."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from kiosk.store import keystore
from kiosk.store.keystore import (
    OS_STORE_MARKER,
    FileKeyStore,
    KeyringKeyStore,
    KeyStoreError,
    open_key_store,
    os_secret_store,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_folder_and_files_are_private_from_the_start(tmp_path: Path):
    store = FileKeyStore(tmp_path / "cfg" / "keys")
    old = os.umask(0o022)  # a usual umask: files would be 0644 if the store left it to umask
    try:
        key = store.get_or_create("ticket-hash")
    finally:
        os.umask(old)
    assert len(key) == 32
    assert mode(store.directory) == 0o700
    (file,) = store.directory.iterdir()  # no temporary file left behind
    assert file.name == "ticket-hash.key" and mode(file) == 0o600
    assert store.get_or_create("ticket-hash") == key  # made once, then read
    assert FileKeyStore(store.directory).get("ticket-hash") == key


def test_a_key_is_never_overwritten_with_another(tmp_path: Path):
    store = FileKeyStore(tmp_path / "keys")
    store.put("roster-00", b"a" * 32)
    store.put("roster-00", b"a" * 32)  # the same key again is fine (a retried migration)
    with pytest.raises(KeyStoreError, match="different key"):
        store.put("roster-00", b"b" * 32)
    assert store.get("roster-00") == b"a" * 32
    store.delete("roster-00")
    assert store.get("roster-00") is None and store.names() == []


def test_racing_creators_all_get_the_same_key(tmp_path: Path):
    store = FileKeyStore(tmp_path / "keys")
    results: list[bytes] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        results.append(FileKeyStore(store.directory).get_or_create("ticket-hash"))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 8


def test_names_are_checked(tmp_path: Path):
    store = FileKeyStore(tmp_path / "keys")
    with pytest.raises(KeyStoreError):
        store.get("../kiosk.db")


class MemoryBackend(KeyringBackend):
    """A stand-in for the OS secret store (the edge this test cannot reach on Linux CI)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.items[(service, username)]


def test_keyring_store_keeps_keys_and_an_index_of_names():
    backend = MemoryBackend()
    store = KeyringKeyStore(backend, "lobby-kiosk")
    key = store.get_or_create("ticket-hash")
    store.put("roster-01", b"r" * 32)
    assert store.names() == ["roster-01", "ticket-hash"]
    assert KeyringKeyStore(backend, "lobby-kiosk").get("ticket-hash") == key
    store.delete("roster-01")
    assert store.names() == ["ticket-hash"]
    assert ("lobby-kiosk", "roster-01") not in backend.items


def test_headless_linux_has_no_usable_secret_store(monkeypatch: pytest.MonkeyPatch):
    """No D-Bus session (a kiosk started by systemd): never a prompt, the key folder."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    backend, why = os_secret_store()
    assert backend is None and why


def test_os_store_is_used_when_it_answers_and_the_choice_sticks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    backend = MemoryBackend()
    monkeypatch.setattr(keystore, "os_secret_store", lambda: (backend, "test store"))
    key_dir = tmp_path / "keys"
    store = open_key_store(key_dir, service="lobby-kiosk")
    assert isinstance(store, KeyringKeyStore)
    store.get_or_create("ticket-hash")
    assert (key_dir / OS_STORE_MARKER).exists() and not list(key_dir.glob("*.key"))

    # Next start, the secret store is locked: an error that says so, not new keys.
    monkeypatch.setattr(keystore, "os_secret_store", lambda: (None, "locked"))
    with pytest.raises(KeyStoreError, match=r"OS secret store.*locked"):
        open_key_store(key_dir, service="lobby-kiosk")


def test_keys_already_in_the_folder_stay_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    key_dir = tmp_path / "keys"
    FileKeyStore(key_dir).get_or_create("ticket-hash")
    monkeypatch.setattr(keystore, "os_secret_store", lambda: (MemoryBackend(), "appeared"))
    assert isinstance(open_key_store(key_dir, service="lobby-kiosk"), FileKeyStore)
    assert isinstance(
        open_key_store(tmp_path / "demo", service="x", use_os_store=False), FileKeyStore
    )
