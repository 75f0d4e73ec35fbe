"""Use cases of the hall server: one function, one transaction each.

Routes and CLI commands only parse, call one of these and shape the answer. The same
function serves SQLite and PostgreSQL; where they differ, the difference sits in
:mod:`hall.store.sql` or in the locks the function takes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientRef:
    """Who is calling: a kiosk or a counter of one hall (from its bearer token)."""

    id: int
    hall_id: int
    hall_name: str
    role: str
    name: str
