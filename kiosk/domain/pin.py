"""Staff PIN: stored as a salted scrypt hash; five wrong tries lock the panel for 5 minutes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass

_N, _R, _P = 2**14, 8, 1  # ~50 ms on a kiosk PC: slow for guessing, fine for one login
#: A staff PIN has at least this many digits (a million combinations; with five tries per
#: five minutes, guessing one takes years).
MIN_PIN_DIGITS = 6
MAX_PIN_DIGITS = 12


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    if not (pin.isascii() and pin.isdigit()) or not MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS:
        raise ValueError(f"a staff PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits")
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    """The parts of a stored hash; ValueError if it is not one :func:`hash_pin` could make."""
    scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
    if scheme != "scrypt":
        raise ValueError("not an scrypt hash")
    cost = tuple(int(x) for x in (n, r, p) if x.isascii() and x.isdigit())
    if len(cost) != 3:
        raise ValueError("scrypt parameters must be numbers")
    n_, r_, p_ = cost
    if not (2 <= n_ <= 2**20 and n_ & (n_ - 1) == 0 and 1 <= r_ <= 32 and 1 <= p_ <= 16):
        raise ValueError("scrypt parameters out of range")
    salt = base64.b64decode(salt_b64, validate=True)
    digest = base64.b64decode(digest_b64, validate=True)
    if len(salt) < 8 or not 16 <= len(digest) <= 64:
        raise ValueError("salt or digest too short")
    return n_, r_, p_, salt, digest


def verify_pin(pin: str, stored: str) -> bool:
    try:
        n, r, p, salt, expected = _parse(stored)
        digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected))
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(digest, expected)


def valid_pin_hash(stored: str) -> bool:
    """Whether ``stored`` has the form :func:`hash_pin` writes (the config check uses this)."""
    try:
        _parse(stored)
    except (ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class PinAttempt:
    ok: bool
    tries_left: int
    locked_for_s: float


@dataclass(frozen=True)
class LockoutState:
    """Wrong PINs so far and until when the panel is locked (wall clock, epoch seconds).

    Plain data, so the staff service can keep it in a file and a restart of the kiosk
    does not give a guesser five fresh tries.
    """

    failures: int = 0
    locked_until: float = 0.0


class PinGuard:
    """Counts wrong PINs; after ``max_tries`` refuses every PIN for ``lockout_s``.

    ``now_s`` is the wall clock (the lockout must outlast a restart); a clock set back
    never makes the lockout longer than ``lockout_s``. ``on_change`` is called with the
    new state after every attempt that changed it, for saving.
    """

    def __init__(
        self,
        stored_hash: str,
        *,
        now_s: Callable[[], float],
        max_tries: int = 5,
        lockout_s: float = 300,
        state: LockoutState | None = None,
        on_change: Callable[[LockoutState], None] | None = None,
    ) -> None:
        self._stored = stored_hash
        self._now = now_s
        self._max = max_tries
        self._lockout_s = lockout_s
        self._on_change = on_change
        state = state or LockoutState()
        self._failures = min(max(0, state.failures), max_tries - 1)
        self._locked_until = min(state.locked_until, self._now() + lockout_s)

    @property
    def state(self) -> LockoutState:
        return LockoutState(self._failures, self._locked_until)

    def locked_for_s(self) -> float:
        return max(0.0, min(self._locked_until - self._now(), self._lockout_s))

    def check(self, pin: str) -> PinAttempt:
        remaining = self.locked_for_s()
        if remaining > 0:
            return PinAttempt(False, 0, remaining)
        before = self.state
        attempt = self._check(pin)
        if self._on_change is not None and self.state != before:
            self._on_change(self.state)
        return attempt

    def _check(self, pin: str) -> PinAttempt:
        if verify_pin(pin, self._stored):
            self._failures = 0
            return PinAttempt(True, self._max, 0.0)
        self._failures += 1
        if self._failures >= self._max:
            self._failures = 0
            self._locked_until = self._now() + self._lockout_s
            return PinAttempt(False, 0, self._lockout_s)
        return PinAttempt(False, self._max - self._failures, 0.0)
