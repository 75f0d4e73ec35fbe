"""Tables of the hall pages (migration 0002): staff accounts and their browser sessions,
failed logins (the rate limit), display tokens and visitors' ratings.

Kept apart from :mod:`hall.store.models` (same ``Base``) so the pages can change without
touching the tables the kiosks sync with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hall.store.models import Base, UtcDateTime


class StaffRole:
    COUNTER = "counter"
    HELPER = "helper"
    ADMIN = "admin"
    ALL = (COUNTER, HELPER, ADMIN)


class StaffUser(Base):
    """A person who logs in to the pages. ``hall_id`` None: an admin of every hall."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"), nullable=True)
    #: argon2id hash (argon2-cffi's encoded form, parameters included).
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class StaffSession(Base):
    """A logged-in browser: the SHA-256 of its cookie, and the counter window it works."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    window: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The services this window calls, comma-separated; empty: all.
    services: Mapped[str] = mapped_column(Text, default="")


class LoginFailure(Base):
    """One failed login, by user name and by client address (``name:...`` / ``ip:...``)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class DisplayToken(Base):
    """A read-only token for a hall's display (a TV); the database keeps its SHA-256."""

    __tablename__ = "display_tokens"
    __table_args__ = (UniqueConstraint("hall_id", "name", name="uq_display_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Rating(Base):
    """A visitor's 好差评 rating of one served ticket: at most one (the key is the ticket)."""

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_hall_at", "hall_id", "rated_at"),)

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    #: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
    level: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime())
