"""SQLAlchemy 2 models of the hall database (SQLite or PostgreSQL). Changes go through
migrations. Request/response shapes live apart, in :mod:`sync.protocol`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes, stored as UTC (SQLite keeps them naive, PostgreSQL as timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the hall store; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Role:
    KIOSK = "kiosk"
    COUNTER = "counter"


class TicketState:
    WAITING = "waiting"
    CALLED = "called"
    SERVED = "served"
    SKIPPED = "skipped"
    VOIDED = "voided"


class Hall(Base):
    __tablename__ = "halls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: The catalogue as JSON (a ``sync.protocol.Catalogue``) and its ETag; None: not set.
    catalogue_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    catalogue_etag: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: The roster key in use (its file lives in the key folder, never in this database).
    roster_key_id: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Client(Base):
    """A kiosk or a counter of a hall, with the SHA-256 of its bearer token."""

    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("hall_id", "role", "name", name="uq_clients_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class KioskState(Base):
    """What the last heartbeat said, and when it came."""

    __tablename__ = "kiosk_state"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    kiosk_time: Mapped[datetime] = mapped_column(UtcDateTime())
    clock_skew_s: Mapped[float] = mapped_column()
    printer: Mapped[str] = mapped_column(String(32))
    reader: Mapped[str] = mapped_column(String(32))
    voice: Mapped[str] = mapped_column(String(32))
    outbox_pending: Mapped[int] = mapped_column(Integer)
    oldest_pending_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    app_version: Mapped[str] = mapped_column(String(32), default="")
    roster_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Event(Base):
    """Every event a kiosk posted, once: the UUID is the primary key (insert-or-ignore)."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    kind: Mapped[str] = mapped_column(String(40))
    kiosk_time: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    payload: Mapped[str] = mapped_column(Text)


class Ticket(Base):
    """A ticket in the hall's queue, built from the kiosks' events."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_queue", "hall_id", "day", "state", "priority", "issued_at", "number"),
        Index("ix_tickets_service", "hall_id", "day", "service_code", "state"),
        Index("ix_tickets_window", "hall_id", "window", "state"),
        UniqueConstraint("hall_id", "day", "number", name="uq_tickets_number"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[str] = mapped_column(String(12))
    service_code: Mapped[str] = mapped_column(String(32))
    priority: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kiosk: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), default=TicketState.WAITING)
    window: Mapped[str | None] = mapped_column(String(64), nullable=True)
    called_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    first_called_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    printed: Mapped[bool] = mapped_column(Boolean, default=False)
    print_failures: Mapped[int] = mapped_column(Integer, default=0)
    reprints: Mapped[int] = mapped_column(Integer, default=0)
    transferred_from: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Window(Base):
    """A counter window's call-order state: priority calls made in a row."""

    __tablename__ = "windows"

    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    priority_in_row: Mapped[int] = mapped_column(Integer, default=0)


class NumberCounter(Base):
    """The next number the hall will lease for one prefix on one day."""

    __tablename__ = "number_counters"

    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(1), primary_key=True)
    next: Mapped[int] = mapped_column(Integer)


class Lease(Base):
    """Numbers ``start``..``end`` of a prefix on a day, leased to one kiosk."""

    __tablename__ = "leases"
    __table_args__ = (Index("ix_leases_day", "hall_id", "day", "prefix"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    day: Mapped[date] = mapped_column(Date)
    prefix: Mapped[str] = mapped_column(String(1))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    leased_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Alert(Base):
    """A priority ticket a helper must attend to."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_open", "hall_id", "acked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), unique=True)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    acked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PrinterIncident(Base):
    """A printer status change a kiosk reported (paper out, offline, ...)."""

    __tablename__ = "printer_incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class RosterVersion(Base):
    """A published roster: its metadata and the compressed snapshot, ready to serve."""

    __tablename__ = "roster_versions"
    __table_args__ = (UniqueConstraint("hall_id", "version", name="uq_roster_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    version: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    snapshot_gz: Mapped[bytes] = mapped_column(LargeBinary)


class RosterEntry(Base):
    """One hashed entry, alive from ``added_version`` until ``removed_version``."""

    __tablename__ = "roster_entries"
    __table_args__ = (
        Index("ix_roster_added", "hall_id", "added_version"),
        Index("ix_roster_removed", "hall_id", "removed_version"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    category: Mapped[str] = mapped_column(String(24))
    valid_from: Mapped[str | None] = mapped_column(String(10), nullable=True)
    valid_to: Mapped[str | None] = mapped_column(String(10), nullable=True)
    added_version: Mapped[int] = mapped_column(Integer)
    removed_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


# The pages' tables (staff, sessions, display tokens, ratings) share this metadata, so the
# migrations can be checked against every model.
from hall.store import page_models as _page_models  # noqa: E402, F401
