"""The staff PIN lockout, kept in a small file in the data folder so a restart keeps it.

Not in the ticket database: a wrong PIN must not wait for (or hold) the write lock the
ticket counter needs. The file holds two numbers, nothing secret.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

from kiosk.atomicfile import write_atomically
from kiosk.domain.pin import LockoutState

log = logging.getLogger(__name__)

FILE_NAME = "staff-lockout.json"


def load_lockout(path: Path) -> LockoutState:
    """The saved state; a missing file is a clean start. A damaged file counts as one
    that says "locked now", so deleting or garbling it never gives extra tries."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        failures, locked_until = data["failures"], data["locked_until"]
        if not isinstance(failures, int) or not isinstance(locked_until, int | float):
            raise ValueError("wrong types")
        if not math.isfinite(locked_until):
            raise ValueError("locked_until is not finite")
        return LockoutState(failures=failures, locked_until=float(locked_until))
    except FileNotFoundError:
        return LockoutState()
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("staff lockout file %s unreadable (%s): treated as locked", path, e)
        return LockoutState(failures=0, locked_until=math.inf)


def save_lockout(path: Path, state: LockoutState) -> None:
    """Write the state (atomically); a failure is logged, the PIN check goes on."""
    data = {"failures": state.failures, "locked_until": state.locked_until}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(data).encode("utf-8"), mode=0o600)
    except OSError as e:
        log.error("cannot save the staff lockout to %s: %s", path, e)
