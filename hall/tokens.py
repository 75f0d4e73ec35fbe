"""Bearer tokens: 32 random bytes shown once; the database keeps only their SHA-256.

A token has 256 bits of entropy, so a plain SHA-256 (no salt, no slow hash) is enough to
make a copied database useless for calling the API, and it lets a request find its client
with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "hall_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
