from pathlib import Path

import pytest

from kiosk.store.db import Database, open_database
from kiosk.store.keystore import FileKeyStore


@pytest.fixture
def keys(tmp_path: Path) -> FileKeyStore:
    """The key folder a kiosk keeps in its config folder, apart from the data folder."""
    return FileKeyStore(tmp_path / "config" / "keys")


@pytest.fixture
def db(tmp_path: Path, keys: FileKeyStore) -> Database:
    database = open_database(tmp_path / "data" / "kiosk.db", keys=keys)
    yield database
    database.close()
