"""Display tokens: read-only tokens for a hall's TV display (shown once, stored hashed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hall.errors import Conflict, Invalid, NotFound
from hall.store.db import Database
from hall.store.models import Hall
from hall.store.page_models import DisplayToken
from hall.tokens import new_token, token_hash
from hall.usecases.halls import find_hall


@dataclass(frozen=True)
class DisplayRow:
    name: str
    created_at: datetime
    revoked: bool


def add_display(db: Database, hall_name: str, name: str, now: datetime) -> str:
    """A new display token (returned once); the display opens /display/HALL?token=..."""
    name = name.strip()
    if not name or len(name) > 32:
        raise Invalid("a display name is 1 to 32 characters")
    token = new_token()
    with db.write() as uow:
        hall = find_hall(uow.session, hall_name)
        exists = uow.session.scalars(
            select(DisplayToken).where(DisplayToken.hall_id == hall.id, DisplayToken.name == name)
        ).first()
        if exists is not None:
            raise Conflict(f"display {name!r} exists already in {hall_name}")
        uow.session.add(
            DisplayToken(hall_id=hall.id, name=name, token_hash=token_hash(token), created_at=now)
        )
    return token


def revoke_display(db: Database, hall_name: str, name: str, now: datetime) -> None:
    with db.write() as uow:
        hall = find_hall(uow.session, hall_name)
        display = uow.session.scalars(
            select(DisplayToken).where(DisplayToken.hall_id == hall.id, DisplayToken.name == name)
        ).first()
        if display is None:
            raise NotFound(f"no display named {name!r} in {hall_name}")
        display.revoked_at = now


def display_hall(db: Database, hall_name: str, token: str) -> int | None:
    """The hall's id when ``token`` is a live display token of that hall, else None."""
    with db.read() as session:
        return session.scalar(
            select(Hall.id)
            .join(DisplayToken, DisplayToken.hall_id == Hall.id)
            .where(Hall.name == hall_name, DisplayToken.token_hash == token_hash(token))
            .where(DisplayToken.revoked_at.is_(None))
        )


def list_displays(db: Database, hall_id: int) -> list[DisplayRow]:
    with db.read() as session:
        rows = session.scalars(
            select(DisplayToken).where(DisplayToken.hall_id == hall_id).order_by(DisplayToken.name)
        ).all()
        return [DisplayRow(d.name, d.created_at, d.revoked_at is not None) for d in rows]
