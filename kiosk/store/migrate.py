"""Run Alembic migrations from inside the app, so a kiosk upgraded in the field keeps its data."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

if TYPE_CHECKING:
    from kiosk.store.keystore import KeyStore

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


def upgrade(engine: Engine, revision: str = "head", *, keys: KeyStore | None = None) -> None:
    """Migrate to ``revision``. ``keys``: where a migration moves keys out of the database.

    A migration that removed secrets from the database asks (``wipe``) for the file to be
    rewritten afterwards, so that the removed bytes are gone from the file and its WAL.
    """
    cfg = alembic_config()
    cfg.attributes["keys"] = keys
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    if cfg.attributes.get("wipe"):
        wipe_free_space(engine)


def wipe_free_space(engine: Engine) -> None:
    """Overwrite what deleted rows left in the file and empty the WAL.

    ``secure_delete`` zeroes freed content; ``VACUUM`` rebuilds the file from live rows
    only; the TRUNCATE checkpoint copies the WAL back and cuts it to zero bytes.
    """
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA secure_delete=OFF")
        cursor.close()
    finally:
        raw.close()
    log.info("ticket database rewritten: removed secrets are gone from the file and its WAL")


def upgrade_to_head(engine: Engine, *, keys: KeyStore | None = None) -> None:
    before = current_revision(engine)
    head = head_revision()
    if before == head:
        return
    log.info("migrating ticket database from %s to %s", before or "empty", head)
    upgrade(engine, "head", keys=keys)
