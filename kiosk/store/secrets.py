"""The key of the person hash on ticket records: the kiosk makes it, the key store keeps it."""

from __future__ import annotations

import hashlib
import hmac

from kiosk.store.db import Database
from kiosk.store.keystore import TICKET_KEY

__all__ = ["TICKET_KEY", "local_key", "person_hash"]


def local_key(db: Database, name: str) -> bytes:
    """Get the key called ``name`` from the database's key store, made the first time.

    The key is never in the database: a copy of the database alone cannot tell whose
    hashes its tickets carry.
    """
    return db.keys.get_or_create(name)


def person_hash(key: bytes, id_number: str) -> str:
    """Hex HMAC-SHA256 of a normalised ID number: stable per kiosk, never reversible."""
    return hmac.new(key, id_number.encode("ascii"), hashlib.sha256).hexdigest()
