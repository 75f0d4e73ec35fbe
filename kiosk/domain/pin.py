"""Staff PIN: stored as a salted scrypt hash; five wrong tries lock the panel for 5 minutes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass

_N, _R, _P = 2**14, 8, 1  # ~50 ms on a kiosk PC: slow for guessing, fine for one login


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise ValueError("a staff PIN is 4 to 12 digits")
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        digest = hashlib.scrypt(
            pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def valid_pin_hash(stored: str) -> bool:
    parts = stored.split("$")
    return len(parts) == 6 and parts[0] == "scrypt" and all(parts[1:])


@dataclass(frozen=True)
class PinAttempt:
    ok: bool
    tries_left: int
    locked_for_s: float


class PinGuard:
    """Counts wrong PINs; after ``max_tries`` refuses every PIN for ``lockout_s``."""

    def __init__(
        self,
        stored_hash: str,
        *,
        monotonic: Callable[[], float],
        max_tries: int = 5,
        lockout_s: float = 300,
    ) -> None:
        self._stored = stored_hash
        self._now = monotonic
        self._max = max_tries
        self._lockout_s = lockout_s
        self._failures = 0
        self._locked_until = 0.0

    def locked_for_s(self) -> float:
        return max(0.0, self._locked_until - self._now())

    def check(self, pin: str) -> PinAttempt:
        remaining = self.locked_for_s()
        if remaining > 0:
            return PinAttempt(False, 0, remaining)
        if verify_pin(pin, self._stored):
            self._failures = 0
            return PinAttempt(True, self._max, 0.0)
        self._failures += 1
        if self._failures >= self._max:
            self._failures = 0
            self._locked_until = self._now() + self._lockout_s
            return PinAttempt(False, 0, self._lockout_s)
        return PinAttempt(False, self._max - self._failures, 0.0)
