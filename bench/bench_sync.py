"""The kiosk's sync with a real hall server (``hall serve``, SQLite, on 127.0.0.1).

    .venv/bin/python bench/bench_sync.py [--rounds 3] [--taps 20] [--roster 1000000]

Figures beside their targets (issue 16):

- drain: 10,000 queued ``ticket.issued`` events pushed by the sync engine in batches of
  500 until the outbox is empty (target < 10 s; median of ``--rounds``).
- alert: the whole kiosk (real widgets and services, fake printer/reader/speaker) with
  its sync thread running; from the tap on a service tile that issues an ``L`` ticket to
  the alert row stored at the server (target p95 < 2 s over ``--taps`` taps).
- stall: the longest event-loop stall on the GUI thread (5 ms probe timer) during those
  taps and while the sync thread drains 5,000 more events (target < 50 ms).
- end of day: ``SyncEngine.end_of_day`` on a kiosk with no roster, the hall having a
  1,000,000-entry roster: flush, catalogue, full snapshot download (key, checksum, count
  checked) and install, leases, day report (target < 30 s).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_cache = Path(tempfile.gettempdir()) / "lobby-kiosk-bench-escpos"
_cache.mkdir(exist_ok=True)
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(_cache))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from hall.keys import KeyStore  # noqa: E402
from hall.store.db import Database as HallDatabase  # noqa: E402
from hall.store.db import open_database as open_hall_database  # noqa: E402
from hall.store.models import Alert  # noqa: E402
from hall.usecases import halls  # noqa: E402
from kiosk.domain.catalogue import parse_catalogue  # noqa: E402
from kiosk.domain.clock import SystemClock  # noqa: E402
from kiosk.paths import assets_dir  # noqa: E402
from kiosk.services.sync_engine import SyncEngine, SyncSettings  # noqa: E402
from kiosk.store import sync_state  # noqa: E402
from kiosk.store.db import Database, open_database  # noqa: E402
from kiosk.store.models import OutboxEvent, PrintState, Ticket  # noqa: E402
from sync.client import ClientSettings, HallClient  # noqa: E402

DRAIN_TARGET_S = 10.0
ALERT_P95_TARGET_S = 2.0
STALL_TARGET_MS = 50.0
EOD_TARGET_S = 30.0
CATALOGUE_TOML = assets_dir() / "catalogue.toml"


def line(name: str, value: str, target: str, ok: bool) -> None:
    print(f"  {name:<52} {value:>12}   {target:<10} {'OK' if ok else 'MISSED'}", flush=True)


class Hall:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.url_db = f"sqlite:///{folder / 'hall.db'}"
        self.key_dir = folder / "keys"
        with socket_port() as port:
            self.port = port
        env = dict(os.environ, HALL_DATABASE_URL=self.url_db, HALL_KEY_DIR=str(self.key_dir),
                   HALL_RATE_PER_TOKEN_S="10000")  # fmt: skip
        self.log = open(folder / "server.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hall", "serve", "--port", str(self.port), "--log-level",
             "warning"], env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("hall serve did not start")
            time.sleep(0.1)
        self.db: HallDatabase = open_hall_database(self.url_db)
        self._n = 0

    def new_hall(self) -> tuple[str, str, str]:
        self._n += 1
        name = f"Bench hall {self._n}"
        now = datetime.now(UTC)
        halls.create_hall(self.db, KeyStore(self.key_dir), name, now)
        kiosk = halls.add_client(self.db, name, "k1", "kiosk", now)
        counter = halls.add_client(self.db, name, "c1", "counter", now)
        data = {
            "version": "bench",
            "services": [
                {
                    k: getattr(s, k)
                    for k in ("code", "prefix", "name_zh", "name_en", "location_zh", "location_en")
                }
                for s in catalogue().services
            ],
        }
        halls.set_catalogue(self.db, name, data)
        return name, kiosk, counter

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(15)
        self.db.close()
        self.log.close()


class socket_port:
    def __enter__(self) -> int:
        import socket

        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        return int(self.s.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.s.close()


def catalogue():  # type: ignore[no-untyped-def]
    return parse_catalogue(CATALOGUE_TOML.read_text(encoding="utf-8"), "catalogue.toml")


def engine_for(db: Database, url: str, token: str, batch: int = 500) -> SyncEngine:
    client = HallClient(ClientSettings(url=url, token=token, read_timeout_s=60))
    return SyncEngine(
        db, SystemClock(), client, SyncSettings(kiosk_id="k1", batch_size=batch),
        [s.prefix for s in catalogue().services],
    )  # fmt: skip


def queue_tickets(db: Database, engine: SyncEngine, count: int) -> None:
    """``count`` tickets (numbers leased from the hall) and their outbox events, written in
    one transaction (the benchmark measures the drain, not the issuing)."""
    day = datetime.now(SystemClock().now().tzinfo).date()
    for start in range(0, count, 1000):
        lease = engine.client.lease(day, "A", min(1000, count - start))
        sync_state.add_lease(db, day, "A", lease.start, lease.end, lease.source)
    now = SystemClock().now()
    with db.write() as session:
        blocks = sync_state.numbers_left(db, day, "A")
        assert blocks >= count
        numbers = session.execute(
            select(func.min(Ticket.seq)).where(Ticket.day == day)  # warm the table
        )
        del numbers
        from kiosk.store.models import NumberBlock

        rows = session.scalars(
            select(NumberBlock)
            .where(
                NumberBlock.day == day,
                NumberBlock.prefix == "A",
                NumberBlock.next <= NumberBlock.end,
            )
            .order_by(NumberBlock.start)
        ).all()
        left = count
        events = []
        for block in rows:
            while left and block.next <= (block.end or 0):
                seq = block.next
                block.next += 1
                left -= 1
                ticket_id = str(uuid.uuid4())
                number = f"A{seq:03d}"
                session.add(Ticket(
                    id=ticket_id, day=day, prefix="A", seq=seq, number=number,
                    service_code="medical_insurance", priority=False, kiosk_id="k1",
                    issued_at=now, print_state=PrintState.PRINTED, reprint_count=0,
                ))  # fmt: skip
                events.append(OutboxEvent(
                    id=str(uuid.uuid4()), kind="ticket.issued", ticket_id=ticket_id,
                    payload=json.dumps({
                        "ticket_id": ticket_id, "number": number, "day": day.isoformat(),
                        "service_code": "medical_insurance", "priority": False,
                        "category": None, "reason": None, "kiosk_id": "k1",
                        "issued_at": now.isoformat(),
                    }),
                    urgent=False, created_at=now, attempts=0,
                ))  # fmt: skip
            if not left:
                break
        session.flush()
        session.add_all(events)


def bench_drain(hall: Hall, work: Path, rounds: int) -> float:
    times = []
    for r in range(rounds):
        _, token, _ = hall.new_hall()
        db = open_database(work / f"drain-{r}.db")
        engine = engine_for(db, hall.url, token)
        queue_tickets(db, engine, 10_000)
        started = time.perf_counter()
        result = engine.push()
        times.append(time.perf_counter() - started)
        assert result.sent == 10_000 and result.remaining == 0, result
        engine.client.close()
        db.close()
    median = statistics.median(times)
    line("drain 10,000 queued events (median)", f"{median:.2f} s", "< 10 s",
         median < DRAIN_TARGET_S)  # fmt: skip
    return median


def bench_alert_and_stall(hall: Hall, work: Path, taps: int) -> None:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest

    from idreader.testing import make_card
    from kiosk.config import ServerSection
    from kiosk.testing import build_rig

    name, token, _ = hall.new_hall()
    hall_id = halls.hall_id(hall.db, name)
    server = ServerSection(url=hall.url, token=token, push_interval_s=2, queue_poll_s=5)
    rig = build_rig(work / "alert", server=server, now=SystemClock("Asia/Shanghai").now())
    rig.window.resize(1920, 1080)
    rig.window.show()
    rig.kiosk.start()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000 - 5)
        last[0] = now

    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(tick)

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def spin_until(
        condition: Callable[[], bool], timeout_s: float = 60, poll_s: float = 0.01
    ) -> None:
        """Run the GUI loop until ``condition`` (checked on another thread: the benchmark's
        own database reads must not stall the loop it measures) holds."""
        done = threading.Event()

        def watch() -> None:
            deadline = time.monotonic() + timeout_s
            while not condition() and time.monotonic() < deadline:
                time.sleep(poll_s)
            done.set()

        threading.Thread(target=watch, daemon=True).start()
        while not done.is_set():
            spin(5)
        assert condition(), "timed out"

    def alerts() -> int:
        with hall.db.read() as session:
            return (
                session.scalar(
                    select(func.count()).select_from(Alert).where(Alert.hall_id == hall_id)
                )
                or 0
            )

    deadline = time.monotonic() + 30
    while sync_state.numbers_left(rig.db, rig.clock.now().date(), "L") == 0:
        spin(50)
        assert time.monotonic() < deadline, "no leases"
    last[0] = time.perf_counter()
    probe.start()
    delays = []
    w = rig.window
    for i in range(taps):
        rig.clock.set(SystemClock("Asia/Shanghai").now())
        w.go_home()
        card = make_card(birth_date=date(1950, 3, 9), seed=1000 + i)
        rig.reader.lay(card)
        while w.current() is not w.result_screen:
            spin(5)
        before = i  # a fresh hall: one alert per tap so far
        tile = w.result_screen.grid.tiles["medical_insurance"]
        started = time.perf_counter()
        stored: list[float] = []

        def alerted(before: int = before, stored: list[float] = stored) -> bool:
            if alerts() > before:
                stored.append(time.perf_counter())
                return True
            return False

        QTest.mouseClick(tile, Qt.MouseButton.LeftButton)
        spin_until(alerted, 30)
        delays.append(stored[0] - started)
        spin(300)
    p95 = sorted(delays)[max(0, round(0.95 * len(delays)) - 1)]
    line(f"tap on an L ticket -> alert at the server (p95 of {taps})", f"{p95:.2f} s", "< 2 s",
         p95 < ALERT_P95_TARGET_S)  # fmt: skip
    print(f"    median {statistics.median(delays):.2f} s, max {max(delays):.2f} s")
    probe.stop()
    tap_stall = max(gaps)
    # A big drain on the sync thread while the GUI thread runs its loop (the queue is
    # written first, with the probe stopped: writing it is the benchmark's work).
    queue_tickets(rig.db, engine_for(rig.db, hall.url, token), 5000)
    gaps.clear()
    last[0] = time.perf_counter()
    probe.start()
    started = time.perf_counter()
    spin_until(lambda: sync_state.outbox_status(rig.db).pending == 0, 300, poll_s=0.2)
    drained = time.perf_counter() - started
    probe.stop()
    drain_stall = max(gaps)
    line("longest UI event-loop stall, L taps with sync", f"{tap_stall:.1f} ms", "< 50 ms",
         tap_stall < STALL_TARGET_MS)  # fmt: skip
    line("longest UI event-loop stall, 5,000-event drain", f"{drain_stall:.1f} ms", "< 50 ms",
         drain_stall < STALL_TARGET_MS)  # fmt: skip
    print(f"    (the sync thread drained them in {drained:.1f} s)")
    rig.kiosk.shutdown()


def bench_end_of_day(hall: Hall, work: Path, entries: int) -> float:
    from hall.usecases.roster import _publish

    name, token, _ = hall.new_hall()
    with hall.db.read() as session:
        key_id = halls.find_hall(session, name).roster_key_id
    assert key_id is not None
    rows = {(os.urandom(32), "elderly"): (None, None) for _ in range(entries)}
    prep = time.perf_counter()
    _publish(hall.db, name, key_id, rows, datetime.now(UTC), label="bench")
    print(f"    (hall published {entries:,} entries in {time.perf_counter() - prep:.1f} s)")
    from kiosk.store.keystore import FileKeyStore

    db = open_database(work / "eod.db", keys=FileKeyStore(work / "eod-keys"))
    engine = engine_for(db, hall.url, token)
    started = time.perf_counter()
    result = engine.end_of_day(lambda p, t: None)
    elapsed = time.perf_counter() - started
    assert result.complete, result.problems
    from kiosk.store.roster import roster_info

    info = roster_info(db)
    assert info is not None and info.entries == entries, info
    line(f"end-of-day sync with a {entries:,}-entry roster snapshot", f"{elapsed:.1f} s",
         "< 30 s", elapsed < EOD_TARGET_S)  # fmt: skip
    engine.client.close()
    db.close()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--taps", type=int, default=20)
    parser.add_argument("--roster", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    from kiosk.app import ensure_qapplication

    ensure_qapplication()
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        work = Path(tmp)
        hall = Hall(work)
        print(f"sync benchmark: hall server {hall.url} (SQLite), work dir {work}")
        try:
            bench_drain(hall, work, args.rounds)
            bench_alert_and_stall(hall, work, args.taps)
            bench_end_of_day(hall, work, args.roster)
        finally:
            hall.close()
        print(f"  (load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
