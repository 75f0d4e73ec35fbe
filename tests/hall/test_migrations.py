"""The Alembic migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hall.store.db import open_database
from hall.store.migrate import current_revision, head_revision
from hall.store.models import Base
from hall.testing import ENGINES


@pytest.mark.parametrize("engine", ENGINES)
def test_migrated_schema_matches_the_models(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'hall.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    db = open_database(url)
    try:
        assert current_revision(db.engine) == head_revision()
        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        db.migrate()  # a second start changes nothing
    finally:
        db.close()
