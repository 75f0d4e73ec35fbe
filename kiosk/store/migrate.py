"""Run Alembic migrations from inside the app, so a kiosk upgraded in the field keeps its data."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    # A plain read: no write lock (see kiosk.store.db), so a kiosk busy issuing tickets does
    # not stall `kiosk check` or `kiosk roster info`, and a read-only file can be opened.
    with engine.execution_options(sqlite_begin="DEFERRED").connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def upgrade_to_head(engine: Engine) -> None:
    before = current_revision(engine)
    head = head_revision()
    if before == head:
        return
    log.info("migrating ticket database from %s to %s", before or "empty", head)
    upgrade(engine, "head")
