"""SQLAlchemy 2.0 typed models of the kiosk's database. Changes go through migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
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
    """Aware datetimes stored as UTC ISO-8601 text (SQLite has no time zone type)."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ticket store; pass an aware one")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value)


class Base(DeclarativeBase):
    pass


class PrintState:
    PENDING = "pending"
    PRINTED = "printed"
    FAILED = "failed"


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("day", "prefix", "seq", name="uq_tickets_day_prefix_seq"),
        Index("ix_tickets_day_service", "day", "service_code"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    prefix: Mapped[str] = mapped_column(String(1))
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(12))
    service_code: Mapped[str] = mapped_column(String(32))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    kiosk_id: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    waiting_ahead: Mapped[int | None] = mapped_column(Integer, nullable=True)
    print_state: Mapped[str] = mapped_column(String(16), default=PrintState.PENDING)
    print_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    printed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reprint_count: Mapped[int] = mapped_column(Integer, default=0)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Green channel: why this ticket is a priority one. Never the plain ID number.
    category: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    id_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # A short per-day reference for staff (kiosk.domain.ticket.visitor_reference): no part
    # of the ID number is ever stored, not even masked.
    visitor_ref: Mapped[str | None] = mapped_column(String(8), nullable=True)


class NumberBlock(Base):
    """A run of numbers this kiosk may issue for one prefix on one day.

    Stand-alone kiosks open one block with no end. A hall server can instead lease
    bounded blocks (``end`` set) to each kiosk so several kiosks never collide, even
    while the server is unreachable; allocation always draws from the lowest open block.
    """

    __tablename__ = "number_blocks"
    __table_args__ = (Index("ix_number_blocks_day_prefix", "day", "prefix"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    prefix: Mapped[str] = mapped_column(String(1))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    next: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(64), default="local")


class OutboxEvent(Base):
    """An event waiting to go up to the hall server; its id makes a retry idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "urgent"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("tickets.id"), nullable=True
    )
    payload: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)


class RosterEntry(Base):
    """One person's entitlement in one category, keyed by HMAC-SHA256 of the ID number."""

    __tablename__ = "roster_entries"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(24), primary_key=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer)


class RosterMeta(Base):
    """The roster in use: its version, which key, where it came from. One row, id 1.

    ``key_id`` names the roster's hash key in the key store (kiosk.store.keystore); the
    key itself is never in the database.
    """

    __tablename__ = "roster_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(200))
    entries: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StaffAudit(Base):
    """Every staff action that bypasses the card: who, what, why, for which ticket."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    staff: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(200))
    ticket_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    visitor_ref: Mapped[str | None] = mapped_column(String(8), nullable=True)
