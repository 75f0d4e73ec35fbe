"""Statements that differ between SQLite and PostgreSQL, behind one function each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def insert_ignore(
    session: Session, table: Table, values: dict[str, Any], index_elements: list[str]
) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING``: True when the row went in, False when a row
    with the same key was there (atomic on both engines, across processes)."""
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    statement = (
        insert(table)
        .values(values)
        .on_conflict_do_nothing(index_elements=index_elements)
        .returning(table.c[index_elements[0]])
    )
    return session.execute(statement).first() is not None


def insert_ignore_many(
    session: Session, table: Table, rows: list[dict[str, Any]], key: str
) -> set[Any]:
    """Many rows with ``INSERT ... ON CONFLICT DO NOTHING RETURNING key`` (executemany:
    the statement is compiled once and cached): the keys of the rows that went in (the
    others were there already, or were inserted by another transaction meanwhile)."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    statement = insert(table).on_conflict_do_nothing(index_elements=[key]).returning(table.c[key])
    return set(session.connection().execute(statement, rows).scalars())
