"""The printed journal: proof that paper came out, kept apart from the database's lock.

Once a ticket is on paper, that fact must survive whatever happens next: the database
may be locked by another process (a staff command, a backup) for seconds, or the kiosk
may be switched off before ``mark_printed`` commits. So the moment the printer returns,
the ticket id goes into this small append-only file beside the database (one line,
flushed and fsynced: no lock to wait for), and the database is updated afterwards, with
retries. At start-up :func:`kiosk.store.tickets.recover_interrupted_prints` reads the
journal first: a ticket it names is marked printed, never sent to staff for a reprint.

The file holds ticket ids (random UUIDs) and times only: nothing about the visitor.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)


class PrintJournal:
    """Append-only list of tickets known to be on paper but maybe not yet marked so."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._open: set[str] = set()

    @classmethod
    def beside(cls, database_path: Path) -> PrintJournal:
        return cls(database_path.with_name(database_path.name + "-printed"))

    def record(self, ticket_id: str, printed_at: datetime) -> None:
        """Durably note that ``ticket_id`` is on paper (flushed and fsynced)."""
        line = f"{ticket_id} {printed_at.isoformat()}\n".encode("ascii")
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            self._open.add(ticket_id)

    def settled(self, ticket_id: str) -> None:
        """The database now says ``ticket_id`` is printed; empty the file once all are."""
        with self._lock:
            self._open.discard(ticket_id)
            if not self._open:
                self._truncate()

    def entries(self) -> dict[str, datetime]:
        """Ticket id -> time printed, for every well-formed line (a torn last line is
        ignored: its ticket was not yet acknowledged to anyone)."""
        try:
            text = self.path.read_bytes().decode("ascii", errors="replace")
        except FileNotFoundError:
            return {}
        found: dict[str, datetime] = {}
        for raw in text.splitlines():
            parts = raw.split(" ")
            if len(parts) != 2:
                continue
            try:
                found[parts[0]] = datetime.fromisoformat(parts[1])
            except ValueError:
                continue
        return found

    def clear(self) -> None:
        with self._lock:
            self._open.clear()
            self._truncate()

    def _truncate(self) -> None:
        try:
            os.truncate(self.path, 0)
        except FileNotFoundError:
            pass
        except OSError as e:  # harmless: the lines are applied again at the next start
            log.warning("could not empty the printed journal %s: %s", self.path, e)
