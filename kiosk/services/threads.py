"""Background threads yield the CPU to the GUI thread.

On a two-core kiosk PC, speech synthesis and ticket rendering can keep both cores busy;
the GUI thread then waits for a core and the screen stutters. Device and worker threads
lower their own scheduling priority (and threads they start, such as espeak's, inherit
it), so the screen stays smooth whatever the devices are doing.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

BACKGROUND_NICENESS = 10


def lower_this_thread_priority(niceness: int = BACKGROUND_NICENESS) -> None:
    """Lower the calling thread's priority; best effort, never raises."""
    try:
        if hasattr(os, "setpriority"):  # Linux: the nice value is per thread
            tid = threading.get_native_id()
            current = os.getpriority(os.PRIO_PROCESS, tid)
            os.setpriority(os.PRIO_PROCESS, tid, max(current, niceness))
        elif os.name == "nt":
            import ctypes

            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            thread_priority_below_normal = -1
            kernel32.SetThreadPriority(kernel32.GetCurrentThread(), thread_priority_below_normal)
    except (OSError, AttributeError) as e:
        log.debug("cannot lower thread priority: %s", e)
