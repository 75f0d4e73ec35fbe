"""One thread per blocking resource; results come back to the GUI thread as Qt events.

Like Picard's one-thread pools: jobs for one resource (the printer, the database, the
network) run in submission order on that resource's own thread, so the device never sees
two callers at once and the GUI thread never waits on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from kiosk.services.threads import lower_this_thread_priority

log = logging.getLogger(__name__)

DoneCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


@dataclass(frozen=True)
class _Finished:
    on_done: DoneCallback | None
    on_error: ErrorCallback | None
    result: Any
    error: BaseException | None


class ResourceWorker(QObject):
    # One opaque Python object per emission: Qt queues it without converting anything.
    _finished = Signal(object)  # _Finished

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=name, initializer=lower_this_thread_priority
        )
        self._finished.connect(self._deliver)
        self._closed = False

    def submit(
        self,
        job: Callable[[], Any],
        on_done: DoneCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> Future[Any] | None:
        if self._closed:
            log.warning("%s worker is shut down; job dropped", self.name)
            return None
        future = self._pool.submit(job)

        def _report(f: Future[Any]) -> None:
            if f.cancelled():  # dropped by shutdown(): nobody is waiting for it
                return
            error = f.exception()
            result = None if error is not None else f.result()
            # Emitted on the worker thread; Qt queues it to this object's (GUI) thread.
            self._finished.emit(_Finished(on_done, on_error, result, error))

        future.add_done_callback(_report)
        return future

    @Slot(object)
    def _deliver(self, finished: _Finished) -> None:
        on_done, on_error, error = finished.on_done, finished.on_error, finished.error
        if error is not None:
            if on_error is not None:
                on_error(error)
            else:
                log.error("%s job failed", self.name, exc_info=error)
        elif on_done is not None:
            on_done(finished.result)

    def shutdown(self, wait: bool = True) -> None:
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)
