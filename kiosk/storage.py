"""This kiosk's ticket database and key store, where the config says, made private."""

from __future__ import annotations

from kiosk import APP_NAME
from kiosk.config import LoadedConfig
from kiosk.store.db import Database, open_database
from kiosk.store.keystore import KeyStore, open_key_store


def open_keys(loaded: LoadedConfig) -> KeyStore:
    """The OS secret store (production only) or the key folder in the config folder.

    Demo mode and an explicit ``key_folder`` (tests, tools) always use the folder.
    """
    service = f"{APP_NAME}-demo" if loaded.demo else APP_NAME
    use_os_store = not loaded.demo and loaded.key_folder is None
    return open_key_store(loaded.key_dir, service=service, use_os_store=use_os_store)


def open_kiosk_database(loaded: LoadedConfig) -> Database:
    """The ticket database with its key store, migrated (keys moved out of old files)."""
    return open_database(
        loaded.database_path,
        busy_timeout_s=loaded.config.database.busy_timeout_s,
        keys=open_keys(loaded),
    )
