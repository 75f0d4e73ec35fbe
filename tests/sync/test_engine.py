"""The kiosk's sync against a real hall server on 127.0.0.1: outbox exactly once, faults,
leased numbers offline, roster downloads."""

from __future__ import annotations

import base64
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from hall.keys import KeyStore
from hall.store.models import Ticket as HallTicket
from hall.testing import HallServer, start_server, stop_server
from hall.usecases import halls
from hall.usecases.roster import import_roster
from kiosk.domain.clock import ManualClock, SystemClock
from kiosk.domain.ticket import TicketRequest
from kiosk.store import sync_state
from kiosk.store import tickets as ticket_store
from kiosk.store.db import Database, open_database
from kiosk.store.models import OutboxEvent
from kiosk.store.roster import lookup, roster_info
from sync.errors import BadResponse, ServerError, ServerUnreachable
from tests.hall.numbers import valid_numbers
from tests.sync.conftest import FaultProxy, HallSetup, make_engine, new_hall

ZONE = ZoneInfo("Asia/Shanghai")


def issue(db: Database, n: int, *, prefix: str = "A", priority: bool = False,
          kiosk_id: str = "k1", clock: object = None) -> list[str]:  # fmt: skip
    request = TicketRequest(
        service_code="medical_insurance",
        service_prefix="A" if prefix == "L" else prefix,
        priority=priority,
        category="elderly" if priority else None,
    )
    return [
        ticket_store.issue_ticket(
            db, clock or SystemClock(), request, kiosk_id=kiosk_id, open_local_blocks=False
        ).number
        for _ in range(n)
    ]


def server_tickets(server: HallServer, hall_name: str) -> list[str]:
    hall_id = halls.hall_id(server.db, hall_name)
    with server.db.read() as session:
        return list(session.scalars(select(HallTicket.number).where(HallTicket.hall_id == hall_id)))


def unsent(db: Database) -> int:
    return sync_state.outbox_status(db).pending


def test_server_down_then_up_each_ticket_once(tmp_path: Path, kiosk_db: Database) -> None:
    """The real server stopped while tickets are issued, then started again (the kiosk
    reaches it through a pass-through proxy, so its URL stays the same)."""
    folder = tmp_path / "hall"
    folder.mkdir()
    database_url = f"sqlite:///{folder / 'hall.db'}"
    server = start_server(database_url, folder)
    proxy = FaultProxy(server.url)
    setup = new_hall(server, kiosks=1)
    engine = make_engine(kiosk_db, proxy.url, setup.tokens["k1"], batch_size=7)
    try:
        engine.ensure_leases()
        stop_server(server)
        numbers = issue(kiosk_db, 20)
        with pytest.raises(ServerUnreachable):
            engine.push()
        status = engine.status_snapshot()
        assert (status.online, status.pending) == (False, 20)
        assert status.last_error and "unreachable" in status.last_error
        server = start_server(database_url, folder)
        proxy.point_at(server.url)
        result = engine.push()
        assert (result.sent, result.rejected, result.remaining) == (20, 0, 0)
        assert sorted(server_tickets(server, setup.name)) == sorted(numbers)
        # A replay (the answer was lost before the kiosk marked the events): counted once.
        with kiosk_db.write() as session:
            session.execute(update(OutboxEvent).values(sent_at=None))
        again = engine.push()
        assert (again.sent, again.duplicates) == (20, 20)
        assert sorted(server_tickets(server, setup.name)) == sorted(numbers)
        assert engine.status_snapshot().last_success is not None
    finally:
        proxy.close()
        stop_server(server)


@pytest.mark.parametrize(
    ("mode", "error", "retried"),
    [("error500", ServerError, True), ("hang", ServerUnreachable, True),
     ("garbage", BadResponse, False)],
)  # fmt: skip
def test_faults_retry_then_clear_status_nothing_lost(
    proxy: FaultProxy, setup: HallSetup, kiosk_db: Database, mode: str,
    error: type[Exception], retried: bool,
) -> None:  # fmt: skip
    engine = make_engine(kiosk_db, proxy.url, setup.tokens["k1"], read_timeout_s=0.5)
    engine.ensure_leases()
    numbers = issue(kiosk_db, 12)
    proxy.mode, proxy.hang_s = mode, 1.5
    with pytest.raises(error) as caught:
        engine.push()
    assert proxy.seen[mode] == (3 if retried else 1)  # retries=2: three tries in all
    assert unsent(kiosk_db) == 12
    status = engine.status_snapshot()
    assert status.last_error == caught.value.message  # type: ignore[attr-defined]
    with kiosk_db.read() as session:
        errors = set(session.scalars(select(OutboxEvent.last_error)))
    assert errors == {caught.value.message}  # type: ignore[attr-defined]
    proxy.mode = "pass"
    assert engine.push().sent == 12
    assert sorted(server_tickets(setup.server, setup.name)) == sorted(numbers)
    assert engine.status_snapshot().last_error is None


def test_two_kiosks_offline_never_share_a_number(
    proxy: FaultProxy, setup: HallSetup, tmp_path: Path
) -> None:
    today = datetime.now(ZONE).replace(hour=9)
    clock = ManualClock(today)
    dbs = [open_database(tmp_path / f"k{i}.db") for i in (1, 2)]
    engines = []
    for i, db in enumerate(dbs, start=1):
        engine = make_engine(
            db, proxy.url, setup.tokens[f"k{i}"], kiosk_id=f"k{i}",
            lease_size=10, lease_low_water=5, reserve_days=1, reserve_size=15,
        )  # fmt: skip
        engine.clock = clock
        engine.ensure_leases()
        engines.append(engine)
    proxy.mode = "down"
    issued: dict[str, list[tuple[int, str]]] = {"k1": [], "k2": []}
    for day in (0, 1):  # today, and tomorrow morning from the reserve leased in advance
        clock.set(today + timedelta(days=day))
        for _turn in range(40):  # interleaved, until both run dry
            for i, db in enumerate(dbs, start=1):
                try:
                    number = issue(db, 1, kiosk_id=f"k{i}", clock=clock)[0]
                    issued[f"k{i}"].append((day, number))
                except ticket_store.NumbersExhausted:
                    pass
        for engine in engines:
            with pytest.raises(ServerUnreachable):
                engine.push()
    per_day = [10, 15]
    assert [len(v) for v in issued.values()] == [sum(per_day)] * 2
    everything = issued["k1"] + issued["k2"]
    assert len(everything) == len(set(everything)) == 50  # no (day, number) twice
    proxy.mode = "pass"
    for engine in engines:
        result = engine.push()
        assert result.rejected == 0
    assert len(server_tickets(setup.server, setup.name)) == 50
    for db in dbs:
        db.close()


HEADER = "身份证号,类别,有效期起,有效期至\n"


def publish(
    server: HallServer, hall_name: str, people: list[str], *, new_key: bool = False
) -> None:
    path = server.key_dir.parent / f"roster-{hall_name}-{len(people)}-{new_key}.csv"
    path.write_text(HEADER + "".join(f"{p},elderly,,\n" for p in people), encoding="utf-8")
    import_roster(
        server.db, KeyStore(server.key_dir), hall_name, path, datetime.now(ZONE), new_key=new_key
    )


def test_roster_snapshot_delta_and_a_cut_download(
    proxy: FaultProxy, setup: HallSetup, kiosk_db: Database
) -> None:
    people = valid_numbers(60)
    engine = make_engine(kiosk_db, proxy.url, setup.tokens["k1"])
    assert "no roster" in engine.pull_roster()
    publish(setup.server, setup.name, people[:40])
    assert "installed: 40 entries" in engine.pull_roster()
    assert lookup(kiosk_db, people[0])
    # The hall's key is in the kiosk's key store, not in its database.
    key = base64.b64decode(engine.client.roster_key().key_b64)
    assert any(kiosk_db.keys.get(name) == key for name in kiosk_db.keys.names())
    assert key not in kiosk_db.path.read_bytes()
    assert all(key not in p.read_bytes() for p in kiosk_db.path.parent.glob("kiosk.db*"))
    assert "current" in engine.pull_roster()
    publish(setup.server, setup.name, people[10:50])  # same key: a delta
    assert "changes applied" in engine.pull_roster()
    assert not lookup(kiosk_db, people[0]) and lookup(kiosk_db, people[45])
    before = roster_info(kiosk_db)
    publish(setup.server, setup.name, people[20:60], new_key=True)  # new key: a snapshot
    proxy.mode, proxy.only = "truncate", "/roster/snapshot"
    with pytest.raises(BadResponse, match="cut short"):
        engine.pull_roster()
    assert roster_info(kiosk_db) == before  # the old roster is still in use
    assert lookup(kiosk_db, people[45]) and not lookup(kiosk_db, people[55])
    proxy.mode = "pass"
    assert "installed: 40 entries" in engine.pull_roster()
    assert lookup(kiosk_db, people[55]) and not lookup(kiosk_db, people[15])


def test_catalogue_etag_and_heartbeat(setup: HallSetup, kiosk_db: Database) -> None:
    from kiosk.services.sync_engine import DeviceStates

    engine = make_engine(kiosk_db, setup.server.url, setup.tokens["k1"])
    assert engine.pull_catalogue() is True
    assert engine.pull_catalogue() is False  # 304: nothing new
    assert kiosk_db.path.with_name("kiosk-catalogue.json").exists()
    engine.heartbeat(DeviceStates(printer="paper_out", reader="ok", voice="ok"))
    hall_id = halls.hall_id(setup.server.db, setup.name)
    from hall.store.models import Client, KioskState

    with setup.server.db.read() as session:
        state = session.scalars(
            select(KioskState)
            .join(Client, Client.id == KioskState.client_id)
            .where(Client.hall_id == hall_id, Client.name == "k1")
        ).one()
        assert (state.printer, state.reader, state.voice) == ("paper_out", "ok", "ok")


_PUSHER = """
import sys
from pathlib import Path
from kiosk.store.db import open_database
from tests.sync.conftest import make_engine
db = open_database(Path(sys.argv[1]))
engine = make_engine(db, sys.argv[2], sys.argv[3], batch_size=5)
print("pushing", flush=True)
while engine.push(max_batches=1).remaining:
    pass
print("done", flush=True)
"""


def test_killed_mid_sync_nothing_lost_or_doubled(setup: HallSetup, kiosk_db: Database) -> None:
    engine = make_engine(kiosk_db, setup.server.url, setup.tokens["k1"])
    engine.ensure_leases()
    numbers = issue(kiosk_db, 90)
    pusher = subprocess.Popen(
        [sys.executable, "-c", _PUSHER, str(kiosk_db.path), setup.server.url, setup.tokens["k1"]],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert pusher.stdout is not None
    assert pusher.stdout.readline().strip() == "pushing"
    while not server_tickets(setup.server, setup.name):
        pass
    pusher.kill()  # SIGKILL, mid-way
    pusher.wait()
    assert 0 < len(server_tickets(setup.server, setup.name)) < 90
    assert unsent(kiosk_db) > 0  # may be all 90: killed after the server stored a batch
    engine.push()
    assert unsent(kiosk_db) == 0
    assert sorted(server_tickets(setup.server, setup.name)) == sorted(numbers)
    with kiosk_db.read() as session:
        assert session.scalar(select(func.count()).where(OutboxEvent.sent_at.is_(None))) == 0


def test_an_l_ticket_reaches_the_helper_alerts(setup: HallSetup, kiosk_db: Database) -> None:
    engine = make_engine(kiosk_db, setup.server.url, setup.tokens["k1"])
    engine.ensure_leases()
    issue(kiosk_db, 3)
    (number,) = issue(kiosk_db, 1, prefix="L", priority=True)
    assert sync_state.has_urgent(kiosk_db)
    result = engine.push(urgent_only=True)
    assert (result.sent, result.remaining) == (1, 3)
    with setup.server.client(setup.tokens.get("c1") or "") as counter:
        alerts = counter.get("/alerts").json()["alerts"]
    assert [a["number"] for a in alerts] == [number]


def test_print_failures_reprints_and_voids_reach_the_server(
    setup: HallSetup, kiosk_db: Database
) -> None:
    engine = make_engine(kiosk_db, setup.server.url, setup.tokens["k1"])
    engine.ensure_leases()
    clock = SystemClock()
    request = TicketRequest("medical_insurance", "A")
    first, second = (
        ticket_store.issue_ticket(kiosk_db, clock, request, kiosk_id="k1", open_local_blocks=False)
        for _ in range(2)
    )
    ticket_store.mark_print_failed(kiosk_db, first.id, "paper jam")
    ticket_store.count_reprint(kiosk_db, first.id)
    ticket_store.mark_printed(kiosk_db, clock, first.id)
    ticket_store.mark_printed(kiosk_db, clock, first.id)  # again (a retry): one event
    ticket_store.void_ticket(kiosk_db, clock, second.id)
    assert engine.push().rejected == 0
    with setup.server.db.read() as session:
        rows = {t.number: t for t in session.scalars(select(HallTicket).where(
            HallTicket.id.in_([first.id, second.id])))}  # fmt: skip
        a, b = rows[first.number], rows[second.number]
        assert (a.print_failures, a.reprints, a.printed) == (1, 1, True)
        assert b.state == "voided"
