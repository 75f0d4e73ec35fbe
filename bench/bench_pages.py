"""Hall pages under load, on one uvicorn worker (SQLite):

1. 100 open live connections (70 hall displays, 30 helper pages): a counter's call (and,
   for the helpers, an L ticket's alert) reaches every one of them; p95 of the delay from
   the request to the event's arrival, per round, over ROUNDS rounds (target < 1 s).
2. The report page of a day with 5,000 tickets: the server's answer (HTML with the chart
   data), and in Chromium until every chart is drawn (target < 500 ms).

    .venv/bin/python bench/bench_pages.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from hall.testing import running_server
from tests.hall.pages import PASSWORD, PageHall, chromium, log_in, page_hall, seed_day
from tests.hall.wire import ZONE, issued

DISPLAYS, HELPERS = 70, 30


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


async def _listen(
    client: httpx.AsyncClient, path: str, wanted: str, ready: asyncio.Event,
    arrivals: asyncio.Queue[tuple[str, float]], label: str,
) -> None:  # fmt: skip
    async with client.stream("GET", path) as answer:
        answer.raise_for_status()
        event = ""
        async for line in answer.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
                if event == "hello":
                    ready.set()
                elif event == wanted:
                    await arrivals.put((label, time.perf_counter()))


async def fan_out(hall: PageHall, rounds: int) -> list[float]:
    base = hall.server.url
    limits = httpx.Limits(max_connections=DISPLAYS + HELPERS + 10)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as tv, \
            httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as staff:  # fmt: skip
        await tv.get(f"/display/{quote(hall.name, safe='')}", params={"token": hall.display_token})
        token = (await staff.get("/login")).cookies["hall_csrf"]
        login = await staff.post("/login", data={
            "name": hall.user("helper"), "password": PASSWORD, "csrf_token": token})  # fmt: skip
        assert login.status_code == 303, login.text
        arrivals: asyncio.Queue[tuple[str, float]] = asyncio.Queue()
        readies = []
        tasks = []
        display_path = f"/display/{quote(hall.name, safe='')}/events"
        for i in range(DISPLAYS + HELPERS):
            ready = asyncio.Event()
            readies.append(ready)
            if i < DISPLAYS:
                job = _listen(tv, display_path, "call", ready, arrivals, "display")
            else:
                job = _listen(staff, "/helpers/events", "refresh", ready, arrivals, "helper")
            tasks.append(asyncio.create_task(job))
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
        api = _api(hall, "k1")
        counter = _api(hall, "c1")
        p95s = []
        for n in range(1, rounds + 1):
            started = time.perf_counter()
            event = issued(f"L{n:03d}", priority=True, category="elderly")
            await api.post("/events", json={"events": [event]})  # helpers hear the alert
            called = time.perf_counter()
            answer = await counter.post("/counter/call-next", json={"window": "3"})
            assert answer.status_code == 200, answer.text
            delays = []
            for _ in range(DISPLAYS + HELPERS):
                label, at = await asyncio.wait_for(arrivals.get(), 30)
                delays.append(at - (called if label == "display" else started))
            p95s.append(_p95(delays))
            await asyncio.sleep(0.2)
        await api.aclose()
        await counter.aclose()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return p95s


def _api(hall: PageHall, name: str) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {hall.tokens[name]}"}
    return httpx.AsyncClient(base_url=hall.server.api, timeout=30, headers=headers)


def report_page(hall: PageHall, day: str, repeats: int) -> tuple[list[float], list[float]]:
    server_ms: list[float] = []
    browser_ms: list[float] = []
    harness_ms: list[float] = []
    with httpx.Client(base_url=hall.server.url, timeout=60) as client:
        token = client.get("/login").cookies["hall_csrf"]
        client.post("/login", data={"name": hall.user("admin"), "password": PASSWORD,
                                    "csrf_token": token})  # fmt: skip
        for _ in range(repeats):
            started = time.perf_counter()
            answer = client.get("/reports", params={"from": day})
            server_ms.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200 and "5000" in answer.text
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        log_in(page, hall.server.url, hall.user("admin"))
        for _ in range(repeats):
            started = time.perf_counter()
            page.goto(f"{hall.server.url}/reports?from={day}")
            page.wait_for_selector("body[data-charts-ready='7']")
            harness_ms.append((time.perf_counter() - started) * 1000)
            # The browser's own clock: navigation start -> all charts painted.
            browser_ms.append(float(page.get_attribute("body", "data-charts-ms") or "nan"))
        context.close()
    print(
        f"  (the same loads timed from Playwright, with its round trips to the browser: "
        f"median {statistics.median(harness_ms):.0f} ms)"
    )
    return server_ms, browser_ms


def main() -> int:
    parser = argparse.ArgumentParser(description="hall pages benchmark")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--only", choices=["fanout", "report"])
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server("sqlite", Path(tmp), None, env={"HALL_VOICE_DIR": f"{tmp}/voice"}) as server,
    ):
        hall = page_hall(server, "Bench hall")
        if args.only != "report":
            p95s = asyncio.run(fan_out(hall, args.rounds))
            print(
                f"call -> {DISPLAYS} displays + {HELPERS} helper pages, one worker: p95 per "
                f"round median {statistics.median(p95s) * 1000:.0f} ms, worst "
                f"{max(p95s) * 1000:.0f} ms ({args.rounds} rounds)   target p95 < 1000 ms"
            )
        if args.only != "fanout":
            day = datetime.now(ZONE).date() - timedelta(days=1)
            seed_day(server, hall.name, day, 5000)
            server_ms, browser_ms = report_page(hall, day.isoformat(), 10)
            print(
                f"report page, 5,000 tickets: server answer median "
                f"{statistics.median(server_ms):.0f} ms (max {max(server_ms):.0f}); in Chromium, "
                f"navigation start -> 7 charts painted, median "
                f"{statistics.median(browser_ms):.0f} ms (max {max(browser_ms):.0f})   "
                "target < 500 ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
