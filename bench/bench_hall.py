"""Hall server benchmark: a real ``hall serve`` on SQLite and on PostgreSQL (2 workers).

    .venv/bin/python bench/bench_hall.py [--engines sqlite,postgresql] [--runs 3]

Each figure is printed beside its target with PASS or MISS; a figure measured several
times is the median of the runs. Clients are httpx in threads of this process, on the
same 2-core machine as the server (and, for PostgreSQL, the database): the figures are
what one PC does with everything on it. PostgreSQL runs durable (fsync, synchronous
commit), SQLite with WAL and ``synchronous=FULL``.

- ingest: 20 kiosks at once, each posting batches of 50 ``ticket.issued`` events
  (target >= 2,000 events/s).
- lease: blocks of 20 numbers, 600 requests from one kiosk at a time (target p99 < 20 ms),
  then 1,200 from 4 kiosks at once (shown for information: SQLite serialises writers,
  so there each waits for the others' fsyncs).
- roster: a 1,000,000-entry snapshot fetched and checked (target < 10 s), then a delta
  of 10,000 entries (5,000 removed, 5,000 added) fetched and checked (target < 1 s).
- call-next: 5,500 tickets waiting, 500 calls from one window (target p99 < 20 ms), then
  500 from 2 windows at once (for information).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hall.testing import HallServer, pg_cluster, running_server
from hall.usecases.halls import hall_id
from hall.usecases.roster import _publish
from sync.protocol import decode_roster_body

TODAY = datetime.now(UTC).astimezone().date()
_numbers = iter(range(1, 10**9))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(name: str, value: float, unit: str, target: str, ok: bool) -> None:
    print(f"  {name:<42} {value:>10.1f} {unit:<9} target {target:<12} {verdict(ok)}")


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def issued(kiosk: str, at: datetime, service: str = "medical_insurance") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": "ticket.issued",
        "kiosk_id": kiosk,
        "kiosk_time": at.isoformat(),
        "payload": {
            "ticket_id": str(uuid.uuid4()),
            "number": f"A{next(_numbers)}",
            "day": server_day().isoformat(),
            "service_code": service,
            "priority": False,
            "kiosk_id": kiosk,
            "issued_at": at.isoformat(),
        },
    }


def server_day() -> Any:
    from hall.settings import HallSettings

    return datetime.now(HallSettings().zone).date()


def _ingest_once(server: HallServer, run: int) -> float:
    tokens = server.new_hall(f"Ingest {run}", kiosks=20, counters=0)
    names = sorted(tokens)
    batches = [
        [[issued(k, datetime.now(UTC)) for _ in range(50)] for _ in range(12)] for k in names
    ]

    def kiosk(index: int) -> int:
        with server.client(tokens[names[index]]) as client:
            for batch in batches[index]:
                answer = client.post("/events", json={"events": batch})
                assert answer.status_code == 200, answer.text
        return sum(len(b) for b in batches[index])

    start = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        total = sum(pool.map(kiosk, range(20)))
    return total / (time.perf_counter() - start)


def bench_ingest(server: HallServer, runs: int) -> None:
    rate = statistics.median(_ingest_once(server, run) for run in range(runs))
    report("ingest, 20 kiosks, batches of 50", rate, "events/s", ">= 2000", rate >= 2000)


def latencies(calls: list[Callable[[], None]], threads: int) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()

    def timed(call: Callable[[], None]) -> None:
        start = time.perf_counter()
        call()
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            times.append(elapsed)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(timed, calls))
    return times


def _post_call(client: httpx.Client, path: str, body: dict[str, Any]) -> Callable[[], None]:
    def go() -> None:
        answer = client.post(path, json=body)
        assert answer.status_code in (200, 201), answer.text

    return go


def _lease_once(server: HallServer, run: int, kiosks: int) -> tuple[float, float]:
    tokens = server.new_hall(f"Lease {run}-{kiosks}", kiosks=kiosks, counters=0)
    clients = [server.client(t) for t in tokens.values()]
    body = {"day": server_day().isoformat(), "prefix": "A", "count": 20}
    calls = [_post_call(clients[i % kiosks], "/leases", body) for i in range(600 * kiosks)]
    for client in clients:  # warm the connections
        _post_call(client, "/leases", body)()
    times = latencies(calls, kiosks)
    for client in clients:
        client.close()
    return p(times, 0.5), p(times, 0.99)


def bench_leases(server: HallServer, runs: int) -> None:
    for kiosks in (1, 4):
        figures = [_lease_once(server, run, kiosks) for run in range(runs)]
        p50 = statistics.median(f[0] for f in figures)
        p99 = statistics.median(f[1] for f in figures)
        print(f"  (lease p50 {p50:.1f} ms, {kiosks} at once)")
        if kiosks == 1:
            report("lease p99, one kiosk at a time", p99, "ms", "< 20", p99 < 20)
        else:
            print(f"  (lease p99 {p99:.1f} ms, {kiosks} kiosks at once)")


def fake_entries(count: int, seed: int) -> dict[tuple[bytes, str], tuple[str | None, str | None]]:
    rng = random.Random(seed)
    return {(rng.randbytes(32), "elderly"): (None, None) for _ in range(count)}


def bench_roster(server: HallServer, runs: int) -> None:
    tokens = server.new_hall("Roster", kiosks=1, counters=0)
    key_id = _key_id(server, "Roster")
    entries = fake_entries(1_000_000, 1)
    start = time.perf_counter()
    _publish(server.db, "Roster", key_id, entries, datetime.now(UTC), label="bench-1M")
    print(f"  (publishing 1,000,000 entries took {time.perf_counter() - start:.1f} s)")
    changed = dict(entries)
    for key in list(changed)[:5000]:
        del changed[key]
    changed.update(fake_entries(5000, 2))
    _publish(server.db, "Roster", key_id, changed, datetime.now(UTC), label="bench-delta")
    snapshots, deltas = [], []
    with server.client(tokens["k1"]) as kiosk:
        for _ in range(runs):
            snapshots.append(_fetch(kiosk, "/roster/snapshot", 1_000_000))
            deltas.append(_fetch(kiosk, "/roster/delta?since=1", 10_000))
    snapshot, delta = statistics.median(snapshots), statistics.median(deltas)
    report("roster snapshot 1,000,000 (fetch + check)", snapshot, "s", "< 10", snapshot < 10)
    report("roster delta 10,000 (fetch + check)", delta, "s", "< 1", delta < 1)


def _key_id(server: HallServer, name: str) -> str:
    from hall.store.models import Hall

    with server.db.read() as session:
        hall = session.get(Hall, hall_id(server.db, name))
        assert hall is not None and hall.roster_key_id is not None
        return hall.roster_key_id


def _fetch(kiosk: httpx.Client, path: str, expected: int) -> float:
    start = time.perf_counter()
    answer = kiosk.get(path, timeout=120)
    lines = decode_roster_body(
        answer.content,
        count=int(answer.headers["x-roster-count"]),
        checksum=answer.headers["x-roster-checksum"],
    )
    count = sum(1 for _ in lines)
    elapsed = time.perf_counter() - start
    assert count == expected, (count, expected)
    return elapsed


def _calls_once(server: HallServer, run: int, windows_at_once: int) -> tuple[float, float]:
    tokens = server.new_hall(f"Calls {run}-{windows_at_once}", kiosks=1, counters=2)
    start = datetime.now(UTC) - timedelta(hours=3)
    events = [issued("k1", start + timedelta(seconds=i)) for i in range(5500)]
    with server.client(tokens["k1"]) as kiosk:
        for first in range(0, len(events), 500):
            kiosk.post("/events", json={"events": events[first : first + 500]})
    windows = [server.client(tokens["c1"]), server.client(tokens["c2"])]
    calls = [
        _post_call(windows[i % 2], "/counter/call-next", {"window": f"W{i % 2}"})
        for i in range(500)
    ]
    for window in windows:  # warm the connections (each call serves one more ticket)
        _post_call(window, "/counter/call-next", {"window": "warm-up"})()
    times = latencies(calls, windows_at_once)
    for window in windows:
        window.close()
    return p(times, 0.5), p(times, 0.99)


def bench_call_next(server: HallServer, runs: int) -> None:
    for at_once in (1, 2):
        figures = [_calls_once(server, run, at_once) for run in range(runs)]
        p50 = statistics.median(f[0] for f in figures)
        p99 = statistics.median(f[1] for f in figures)
        print(f"  (call-next p50 {p50:.1f} ms, {at_once} window(s) at once)")
        if at_once == 1:
            report("call-next p99, 5,000 waiting", p99, "ms", "< 20", p99 < 20)
        else:
            print(f"  (call-next p99 {p99:.1f} ms, 2 windows at once)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip", default="", help="comma list: ingest,lease,roster,calls")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for engine in args.engines.split(","):
        with ExitStack() as stack:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-hall-")))
            pg = stack.enter_context(pg_cluster(durable=True)) if engine == "postgresql" else None
            workers = 2 if engine == "postgresql" else 1
            env = {"HALL_RATE_PER_TOKEN_S": "100000"}
            server = stack.enter_context(
                running_server(engine, folder, pg, workers=workers, env=env)
            )
            print(f"\n{engine} ({workers} worker{'s' if workers > 1 else ''}):")
            steps: Iterator[tuple[str, Callable[[HallServer, int], None]]] = iter(
                [
                    ("ingest", bench_ingest),
                    ("lease", bench_leases),
                    ("calls", bench_call_next),
                    ("roster", bench_roster),
                ]
            )
            for name, step in steps:
                if name not in skip:
                    step(server, args.runs)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
