"""Keys the kiosk generates for itself and keeps in its database."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from kiosk.store.db import Database
from kiosk.store.models import LocalSecret

TICKET_KEY = "ticket_hash"


def local_key(db: Database, name: str) -> bytes:
    """Get the key called ``name``, creating a random 32-byte one the first time."""
    with db.read() as session:
        row = session.get(LocalSecret, name)
        if row is not None:
            return row.value
    with db.write() as session:
        row = session.get(LocalSecret, name)  # another process may have won the race
        if row is None:
            row = LocalSecret(name=name, value=secrets.token_bytes(32))
            session.add(row)
        return row.value


def person_hash(key: bytes, id_number: str) -> str:
    """Hex HMAC-SHA256 of a normalised ID number: stable per kiosk, never reversible."""
    return hmac.new(key, id_number.encode("ascii"), hashlib.sha256).hexdigest()
