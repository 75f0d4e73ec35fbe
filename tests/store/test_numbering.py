import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kiosk.domain.clock import ManualClock
from kiosk.domain.numbering import format_number
from kiosk.domain.ticket import TicketRequest
from kiosk.store.db import Database
from kiosk.store.models import NumberBlock, OutboxEvent, Ticket
from kiosk.store.tickets import NumbersExhausted, issue_ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
MEDICAL = TicketRequest("medical_insurance", "A")
HOUSING = TicketRequest("housing_fund", "G")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 30, 8, 30, tzinfo=SHANGHAI))


def issue(db, clock, request=MEDICAL, **kw):
    return issue_ticket(db, clock, request, kiosk_id="K01", **kw)


def test_format_number_pads_and_never_truncates():
    assert format_number("A", 37) == "A037"
    assert format_number("L", 12, 3) == "L012"
    assert format_number("A", 1000, 3) == "A1000"
    assert format_number("B", 5, 4) == "B0005"
    for bad in ("", "a", "AB", "1"):
        with pytest.raises(ValueError):
            format_number(bad, 1)
    with pytest.raises(ValueError):
        format_number("A", 0)


def test_sequence_per_prefix(db, clock):
    assert [issue(db, clock).number for _ in range(3)] == ["A001", "A002", "A003"]
    assert issue(db, clock, HOUSING).number == "G001"
    assert issue(db, clock).number == "A004"


def test_priority_tickets_share_one_l_sequence(db, clock):
    first = issue(db, clock, TicketRequest("medical_insurance", "A", priority=True))
    second = issue(db, clock, TicketRequest("housing_fund", "G", priority=True))
    assert (first.number, second.number) == ("L001", "L002")
    assert issue(db, clock).number == "A001"  # normal sequence untouched


def test_past_999_continues_at_1000(db, clock):
    numbers = [issue(db, clock).number for _ in range(1001)]
    assert numbers[998:] == ["A999", "A1000", "A1001"]
    assert len(set(numbers)) == 1001


def test_counter_resets_at_local_day_change(db, clock):
    clock.set(datetime(2026, 11, 30, 23, 59, 59, tzinfo=SHANGHAI))
    assert issue(db, clock).number == "A001"
    assert issue(db, clock).number == "A002"
    clock.advance(seconds=2)  # 00:00:01 next day in Shanghai, still 30 Nov in UTC
    ticket = issue(db, clock)
    assert ticket.number == "A001"
    assert ticket.day.isoformat() == "2026-12-01"


def test_ticket_and_outbox_row_commit_together(db, clock):
    ticket = issue(db, clock, TicketRequest("medical_insurance", "A", priority=True))
    with db.read() as s:
        row = s.get(Ticket, ticket.id)
        events = s.scalars(select(OutboxEvent).where(OutboxEvent.ticket_id == ticket.id)).all()
    assert row is not None and row.number == "L001" and row.print_state == "pending"
    assert [e.kind for e in events] == ["ticket.issued"]
    assert events[0].urgent is True
    assert '"number": "L001"' in events[0].payload


def test_failed_transaction_uses_no_number(db, clock):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.write() as s:
        from kiosk.store.tickets import draw_number

        draw_number(s, clock.now().date(), "A", open_local_blocks=True)
        raise Boom
    assert issue(db, clock).number == "A001"


def test_leased_blocks_are_drawn_in_order_and_exhaust(db, clock):
    day = clock.now().date()
    with db.write() as s:
        s.add(NumberBlock(day=day, prefix="A", start=201, end=202, next=201, source="lease:1"))
        s.add(NumberBlock(day=day, prefix="A", start=101, end=101, next=101, source="lease:0"))
    got = [issue(db, clock, open_local_blocks=False).number for _ in range(3)]
    assert got == ["A101", "A201", "A202"]
    with pytest.raises(NumbersExhausted):
        issue(db, clock, open_local_blocks=False)


def test_two_processes_never_share_a_number(tmp_path: Path, db: Database):
    per_process = 150
    script = Path(__file__).with_name("_issuer.py")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(db.path), str(per_process), f"K0{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outputs = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    numbers = outputs[0] + outputs[1]
    assert len(numbers) == 2 * per_process
    assert len(set(numbers)) == len(numbers), "a number was issued twice"
    for prefix in "AL":
        seqs = sorted(int(n[1:]) for n in numbers if n[0] == prefix)
        assert seqs == list(range(1, len(seqs) + 1)), f"gap in the {prefix} sequence"
    with db.read() as s:
        assert s.query(Ticket).count() == 2 * per_process


def test_killed_mid_issue_loses_nothing_and_repeats_nothing(tmp_path: Path, db: Database):
    """SIGKILL a process that is issuing tickets as fast as it can (as a power cut would
    stop it): every number it handed out is in the database, the sequence has no gap, and
    the next number continues after the last one."""
    import signal

    script = Path(__file__).with_name("_crasher.py")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(db.path)], stdout=subprocess.PIPE, text=True
    )
    handed_out = []
    assert proc.stdout is not None
    for line in proc.stdout:
        handed_out.append(line.strip())
        if len(handed_out) == 60:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    reopened = Database(db.path)
    with reopened.read() as s:
        stored = sorted(t.seq for t in s.query(Ticket).all())
    assert stored == list(range(1, len(stored) + 1))  # no gap, no repeat
    assert {int(n[1:]) for n in handed_out} <= set(stored)  # nothing handed out was lost
    clock = ManualClock(datetime.now().astimezone())
    following = issue_ticket(reopened, clock, MEDICAL, kiosk_id="K01")
    assert int(following.number[1:]) == len(stored) + 1
