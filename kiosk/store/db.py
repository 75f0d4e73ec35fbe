"""SQLite engine for the ticket database: WAL, fsync on every commit, writers serialised.

Every write transaction starts with ``BEGIN IMMEDIATE`` so "read the counter, then write
it" cannot interleave with another process, and ``synchronous=FULL`` so a ticket that was
committed (and then printed) survives a power cut at the wall socket.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.fileperm import create_private_file, private_dir, private_file

if TYPE_CHECKING:
    from kiosk.store.keystore import KeyStore

log = logging.getLogger(__name__)

#: What SQLite writes beside the database; each is private like the database itself.
SIDE_FILES = ("-wal", "-shm", "-journal")


class StoreError(Exception):
    """The ticket database could not do what was asked."""


def make_private(path: Path) -> None:
    """The database's folder 0700, the file and its -wal/-shm 0600 (an ACL on Windows).

    An absent database is created empty (SQLite takes a zero-length file as an empty
    database) with mode 0600, so it is never readable by others, not even for a moment;
    SQLite gives its -wal and -shm files the database file's mode.
    """
    private_dir(path.parent)
    create_private_file(path)
    for suffix in SIDE_FILES:
        private_file(path.with_name(path.name + suffix))


def make_engine(path: Path, *, busy_timeout_s: float = 10.0, read_only: bool = False) -> Engine:
    """An engine on the database file; ``read_only`` opens it for reading only (SQLite's
    ``mode=ro``): nothing is created or changed, no write lock is ever taken. Otherwise the
    file is made private first (see :func:`make_private`)."""
    if read_only:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        engine = create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(
                uri, uri=True, timeout=busy_timeout_s, check_same_thread=False
            ),
        )
    else:
        try:
            make_private(path)
        except OSError as e:
            raise StoreError(f"{path}: cannot create the database privately: {e}") from e
        engine = create_engine(
            f"sqlite:///{path}",
            connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
        )
    busy_ms = int(busy_timeout_s * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop the stdlib driver from issuing its own (deferred) BEGIN; we emit ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        # Set per transaction, so a no-wait attempt never leaves a pooled connection impatient.
        wait_ms = int(options.get("sqlite_busy_ms", busy_ms))
        connection.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
        connection.exec_driver_sql(f"BEGIN {options.get('sqlite_begin', 'IMMEDIATE')}")

    return engine


class Database:
    """The engine plus session factories for writing (IMMEDIATE) and reading (DEFERRED).

    ``keys`` is the key store of this database's keys (ticket hash, roster); they are
    never in the database itself. A database opened without one (a tool that only counts
    tickets) refuses anything that needs a key.
    """

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_s: float = 10.0,
        read_only: bool = False,
        keys: KeyStore | None = None,
    ) -> None:
        self.path = path
        self.read_only = read_only
        self._keys = keys
        self.engine = make_engine(path, busy_timeout_s=busy_timeout_s, read_only=read_only)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._no_wait_writer = sessionmaker(
            self.engine.execution_options(sqlite_busy_ms=0), expire_on_commit=False
        )
        self._reader = sessionmaker(
            self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False
        )

    @contextmanager
    def write(self, *, wait: bool = True) -> Iterator[Session]:
        """One write transaction: committed on normal exit, rolled back on error.

        ``wait=False``: fail at once (``StoreError``) if another writer holds the lock,
        instead of waiting up to the busy timeout.
        """
        factory = self._writer if wait else self._no_wait_writer
        try:
            with factory() as session, session.begin():
                yield session
        except SQLAlchemyError as e:
            raise StoreError(f"database write failed: {e}") from e

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._reader() as session, session.begin():
                yield session
        except SQLAlchemyError as e:
            raise StoreError(f"database read failed: {e}") from e

    @property
    def keys(self) -> KeyStore:
        if self._keys is None:
            raise StoreError(f"{self.path} was opened without its key store")
        return self._keys

    def migrate(self) -> None:
        from kiosk.store.migrate import upgrade_to_head

        try:
            upgrade_to_head(self.engine, keys=self._keys)
        except SQLAlchemyError as e:
            raise StoreError(f"{self.path}: cannot open or upgrade the database: {e}") from e

    def close(self) -> None:
        self.engine.dispose()

    def check_writable(self) -> None:
        """Take the write lock, rewrite one header field with its own value and roll back:
        nothing changes, but a read-only file, a lock held past the busy timeout or a
        damaged file raise StoreError. (SQLite grants BEGIN IMMEDIATE on a read-only WAL
        database; only the first write fails.)"""
        try:
            with self.engine.connect() as connection:
                transaction = connection.begin()  # BEGIN IMMEDIATE (see make_engine)
                try:
                    version = int(connection.exec_driver_sql("PRAGMA user_version").scalar_one())
                    connection.exec_driver_sql(f"PRAGMA user_version = {version:d}")
                finally:
                    transaction.rollback()
        except SQLAlchemyError as e:
            raise StoreError(f"{self.path}: cannot write: {e}") from e


def open_database(
    path: Path, *, busy_timeout_s: float = 10.0, keys: KeyStore | None = None
) -> Database:
    """Open (creating if needed) and migrate the ticket database."""
    db = Database(path, busy_timeout_s=busy_timeout_s, keys=keys)
    try:
        db.migrate()
    except BaseException:
        db.close()
        raise
    return db


def open_database_for_reading(
    path: Path, *, busy_timeout_s: float = 10.0, keys: KeyStore | None = None
) -> Database | None:
    """Open an existing database read-only, for commands that only look (no write lock,
    nothing created). None if there is no database yet. A database that still needs a
    migration is opened normally (and migrated): its tables are not what the code reads."""
    if not path.exists():
        return None
    db = Database(path, busy_timeout_s=busy_timeout_s, read_only=True, keys=keys)
    try:
        from kiosk.store.migrate import current_revision, head_revision

        at_head = current_revision(db.engine) == head_revision()
    except SQLAlchemyError as e:
        db.close()
        raise StoreError(f"{path}: cannot read the database: {e}") from e
    except BaseException:
        db.close()
        raise
    if at_head:
        return db
    db.close()
    return open_database(path, busy_timeout_s=busy_timeout_s, keys=keys)
