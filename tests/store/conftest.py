from pathlib import Path

import pytest

from kiosk.store.db import Database, open_database


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_database(tmp_path / "kiosk.db")
    yield database
    database.close()
