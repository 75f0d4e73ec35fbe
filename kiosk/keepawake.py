"""Keep the PC awake and the screen on while the kiosk runs.

Windows: ``SetThreadExecutionState`` (the request ends with the process). Linux: the
session script of the Debian package (``packaging/linux/kiosk-session``) turns blanking
off and holds a ``systemd-inhibit`` lock around the kiosk, so nothing is done here.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)

ES_CONTINUOUS = 0x80000000
ES_SYSTEM_REQUIRED = 0x00000001
ES_DISPLAY_REQUIRED = 0x00000002


def keep_awake() -> bool:
    """Ask the OS to keep the system and the display on; True if it was asked."""
    if sys.platform != "win32":
        return False
    import ctypes

    flags = ES_CONTINUOUS | ES_SYSTEM_REQUIRED | ES_DISPLAY_REQUIRED
    if not ctypes.windll.kernel32.SetThreadExecutionState(flags):  # type: ignore[attr-defined]
        log.warning("Windows refused to keep the display on (SetThreadExecutionState)")
        return False
    return True
