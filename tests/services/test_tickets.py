"""TicketService: a ticket on paper is never reported as an error, nor reprinted."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kiosk.domain.catalogue import parse_catalogue
from kiosk.domain.clock import ManualClock
from kiosk.domain.ticket import TicketRequest
from kiosk.paths import assets_dir
from kiosk.services.tickets import TicketService, TicketSettings
from kiosk.store import tickets as ticket_store
from kiosk.store.db import open_database
from kiosk.store.models import PrintState, Ticket
from kiosk.store.print_journal import PrintJournal
from printer.fake import FakeTicketPrinter
from printer.ticket import TicketContent

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Holds the database's write lock, as a staff command or a backup might: at least
# ``argv[2]`` seconds, and until the test says so (a line on stdin).
_LOCKER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("UPDATE tickets SET reprint_count = reprint_count")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
sys.stdin.readline()
con.execute("COMMIT")
"""


class LockingPrinter(FakeTicketPrinter):
    """A printer after whose paper another process takes the write lock for ``hold_s``."""

    def __init__(self, db_path: Path, hold_s: float) -> None:
        super().__init__()
        self.db_path, self.hold_s = db_path, hold_s
        self.locker: subprocess.Popen[str] | None = None

    def print_ticket(self, content: TicketContent) -> None:
        super().print_ticket(content)
        self.locker = subprocess.Popen(
            [sys.executable, "-c", _LOCKER, str(self.db_path), str(self.hold_s)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.locker.stdout is not None
        assert self.locker.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.locker is not None and self.locker.poll() is None:
            assert self.locker.stdin is not None
            self.locker.stdin.write("go\n")
            self.locker.stdin.close()
            self.locker.wait(30)


def _service(tmp_path: Path, printer: FakeTicketPrinter, busy_timeout_s: float):
    db = open_database(tmp_path / "kiosk.db", busy_timeout_s=busy_timeout_s)
    clock = ManualClock(datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))
    catalogue = parse_catalogue((assets_dir() / "catalogue.toml").read_text("utf-8"))
    service = TicketService(
        db, clock, catalogue, printer, TicketSettings(kiosk_id="K01", hall_name="测试大厅")
    )
    return db, service, catalogue


def _state(db, number: str) -> str:
    with db.read() as session:
        return session.scalars(select(Ticket.print_state).where(Ticket.number == number)).one()


def test_printed_ticket_shown_while_the_database_is_locked(qtbot, tmp_path: Path):
    printer = LockingPrinter(tmp_path / "kiosk.db", hold_s=5)
    db, service, catalogue = _service(tmp_path, printer, busy_timeout_s=0.5)
    service.start()
    offer = catalogue.services[0]
    failures: list[str] = []
    service.issue_failed.connect(failures.append)
    try:
        with qtbot.waitSignal(service.ticket_issued, timeout=10_000) as blocker:
            service.issue(TicketRequest(offer.code, offer.prefix))
        outcome = blocker.args[0]
        # The visitor holds paper and sees the number, while the lock is still held.
        assert outcome.printed and outcome.print_error is None
        assert printer.locker is not None and printer.locker.poll() is None
        assert failures == []
        assert _state(db, outcome.ticket.number) == PrintState.PENDING  # not yet recorded
        # Marking it printed is retried in the background until the lock goes.
        printer.release()
        qtbot.waitUntil(
            lambda: _state(db, outcome.ticket.number) == PrintState.PRINTED, timeout=60_000
        )
        assert PrintJournal.beside(db.path).entries() == {}
    finally:
        printer.release()
        service.shutdown()
        db.close()


def test_ticket_on_paper_is_never_marked_for_reprint_after_a_crash(qtbot, tmp_path: Path):
    """The kiosk stops while the lock is held: the paper is out, the row still says
    'printing'. At the next start it is marked printed, not sent to staff for a reprint."""
    printer = LockingPrinter(tmp_path / "kiosk.db", hold_s=3)
    db, service, catalogue = _service(tmp_path, printer, busy_timeout_s=0.2)
    service.start()
    offer = catalogue.services[0]
    with qtbot.waitSignal(service.ticket_issued, timeout=10_000) as blocker:
        service.issue(TicketRequest(offer.code, offer.prefix))
    number = blocker.args[0].ticket.number
    service.shutdown()  # stops before the retry can succeed, like a power cut would
    printer.release()
    assert _state(db, number) == PrintState.PENDING
    db.close()

    db = open_database(tmp_path / "kiosk.db")
    recovery = ticket_store.recover_interrupted_prints(db, PrintJournal.beside(db.path))
    assert recovery.printed == [number] and recovery.failed == []
    assert _state(db, number) == PrintState.PRINTED
    db.close()


def test_ticket_cut_off_mid_print_is_marked_for_reprint(tmp_path: Path):
    db = open_database(tmp_path / "kiosk.db")
    clock = ManualClock(datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))
    ticket = ticket_store.issue_ticket(
        db,
        clock,
        TicketRequest("x", "A"),
        kiosk_id="K01",
        number_width=3,
        open_local_blocks=True,
    )
    journal = PrintJournal.beside(db.path)
    other = time.time()  # a journal line for some other ticket does not save this one
    journal.record("00000000-0000-0000-0000-000000000000", datetime.fromtimestamp(other, SHANGHAI))
    recovery = ticket_store.recover_interrupted_prints(db, journal)
    assert recovery.failed == [ticket.number] and recovery.printed == []
    assert _state(db, ticket.number) == PrintState.FAILED
    assert journal.entries() == {}
    db.close()


def test_daily_quota_declines_without_using_a_number(qtbot, tmp_path: Path):
    from kiosk.domain.catalogue import parse_catalogue as parse

    db = open_database(tmp_path / "kiosk.db")
    clock = ManualClock(datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI))
    catalogue = parse(
        '[[service]]\ncode = "med"\nprefix = "A"\nname_zh = "医保"\nname_en = "Medical"\n'
        'location_zh = "1号窗口"\nlocation_en = "Window 1"\ndaily_quota = 1\n'
        'hours = { mon = "08:30-17:00", tue = "08:30-17:00" }\n'
    )
    service = TicketService(
        db, clock, catalogue, FakeTicketPrinter(), TicketSettings(kiosk_id="K01", hall_name="厅")
    )
    service.start()
    med = catalogue.by_code("med")
    try:
        with qtbot.waitSignal(service.ticket_issued, timeout=10_000):
            service.issue(TicketRequest("med", "A"))
        assert service.availability(med).open  # not known to be used up yet
        with qtbot.waitSignal(service.issue_declined, timeout=10_000) as blocker:
            service.issue(TicketRequest("med", "A"))
        declined = blocker.args[0].availability
        assert (declined.open, declined.reason) == (False, "quota_used")
        assert declined.opens_at == datetime(2026, 12, 1, 8, 30, tzinfo=SHANGHAI)
        assert service.availability(med).reason == "quota_used"  # the tile greys now
        with db.read() as session:
            assert session.scalars(select(Ticket.number)).all() == ["A001"]
        clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))  # a new day: open again
        assert service.availability(med).open
    finally:
        service.shutdown()
        db.close()
