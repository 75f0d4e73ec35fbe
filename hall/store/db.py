"""Engines and the unit of work, for SQLite (one hall) and PostgreSQL (a city).

SQLite: WAL, ``synchronous=FULL`` on every connection, and every write transaction starts
with ``BEGIN IMMEDIATE``, so "read, then write" never interleaves with another writer
(another thread or another process). PostgreSQL: ordinary READ COMMITTED transactions;
the use cases take the row locks they need (``SELECT ... FOR UPDATE [SKIP LOCKED]``).

Live updates: a use case calls :meth:`UnitOfWork.notify`; the note reaches listeners only
if the transaction commits. On PostgreSQL it is a ``pg_notify`` inside the transaction
(delivered by the server on commit, to every worker that LISTENs); on SQLite the notes go
to the in-process broadcaster after the commit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

#: The PostgreSQL channel live updates travel on.
NOTIFY_CHANNEL = "hall_events"

Note = dict[str, Any]
NoteSink = Callable[[list[Note]], None]


class StoreError(Exception):
    """The hall database could not do what was asked."""


def make_engine(url: str, *, busy_timeout_s: float = 30.0, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
            pool_size=pool_size,
            max_overflow=40,
        )
        busy_ms = int(busy_timeout_s * 1000)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we emit our own BEGIN
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_size=pool_size, max_overflow=40, pool_pre_ping=True)
    raise StoreError(f"unsupported database URL {parsed.render_as_string(hide_password=True)}")


class UnitOfWork:
    """One transaction and the live-update notes it will send if it commits."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.notes: list[Note] = []

    def notify(self, hall_id: int, kind: str, **data: Any) -> None:
        note = {"hall_id": hall_id, "kind": kind, **data}
        if note not in self.notes:  # a batch of 500 tickets says "queue changed" once
            self.notes.append(note)


class Database:
    """The engine plus transactions for writing and reading, on either engine."""

    def __init__(self, url: str, *, busy_timeout_s: float = 30.0, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout_s=busy_timeout_s, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(
            self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False
        )
        self._sinks: list[NoteSink] = []

    def add_note_sink(self, sink: NoteSink) -> None:
        """Called with the notes of every committed write (SQLite: the in-process bus)."""
        self._sinks.append(sink)

    @contextmanager
    def write(self) -> Iterator[UnitOfWork]:
        """One write transaction: committed on normal exit, rolled back whole on error."""
        uow: UnitOfWork | None = None
        try:
            with self._writer() as session, session.begin():
                uow = UnitOfWork(session)
                yield uow
                if uow.notes and not self.is_sqlite:
                    for note in uow.notes:
                        session.execute(
                            text("SELECT pg_notify(:channel, :payload)"),
                            {"channel": NOTIFY_CHANNEL, "payload": json.dumps(note)},
                        )
        except SQLAlchemyError as e:
            raise StoreError(f"database write failed: {e}") from e
        if uow is not None and uow.notes and self.is_sqlite:
            for sink in self._sinks:
                try:
                    sink(uow.notes)
                except Exception:  # a listener's fault must not undo a committed write
                    log.exception("live-update listener failed")

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with self._reader() as session, session.begin():
                yield session
        except SQLAlchemyError as e:
            raise StoreError(f"database read failed: {e}") from e

    def migrate(self) -> None:
        from hall.store.migrate import upgrade_to_head

        try:
            upgrade_to_head(self.engine)
        except SQLAlchemyError as e:
            raise StoreError(f"cannot open or upgrade the hall database: {e}") from e

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, migrate: bool = True, pool_size: int = 10) -> Database:
    db = Database(url, pool_size=pool_size)
    if migrate:
        db.migrate()
    return db
