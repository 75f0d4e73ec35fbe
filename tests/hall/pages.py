"""A hall set up for the pages (catalogue, kiosk, staff, display) and a browser, shared by
the page tests, docs/render_pages.py and bench/bench_pages.py."""

from __future__ import annotations

import contextlib
import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from hall.store.models import Ticket, TicketState
from hall.store.page_models import Rating
from hall.testing import HallServer
from hall.usecases import displays, halls, users
from tests.hall.wire import CATALOGUE, issued

PASSWORD = "correct horse 1"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
#: An ID number, whole or in part (a masked one keeps its first six and last four).
ID_NUMBER = re.compile(r"\d{6}(\d{8}|\*{8})\d{3}[\dXx]|\d{17}[\dXx]")


@dataclass
class PageHall:
    server: HallServer
    name: str
    tokens: dict[str, str]
    display_token: str

    @property
    def display_url(self) -> str:
        return f"{self.server.url}/display/{quote(self.name, safe='')}?token={self.display_token}"

    def user(self, role: str) -> str:
        """The login name of this hall's account with ``role``."""
        return f"{role}-{self.name.replace(' ', '')}"[:32]

    def issue(self, number: str, **kwargs: Any) -> str:
        """A ticket as kiosk k1 posts it; returns its id."""
        event = issued(number, **kwargs)
        with self.server.client(self.tokens["k1"]) as kiosk:
            answer = kiosk.post("/events", json={"events": [event]})
            assert answer.status_code == 200, answer.text
            assert answer.json()["results"][0]["status"] == "accepted", answer.text
        return str(event["payload"]["ticket_id"])

    def counter_api(self) -> httpx.Client:
        return self.server.client(self.tokens["c1"])


def page_hall(server: HallServer, name: str) -> PageHall:
    tokens = server.new_hall(name)
    halls.set_catalogue(server.db, name, CATALOGUE)
    now = datetime.now(UTC)
    hall = PageHall(server, name, tokens, displays.add_display(server.db, name, "tv-1", now))
    for role in ("counter", "helper", "admin"):
        users.add_user(server.db, hall.user(role), role, PASSWORD, name, now)
    return hall


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (nothing downloaded)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Any, base_url: str, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button")
    page.wait_for_load_state()


def wait_live(page: Any) -> None:
    """Until the page's event stream is open (live.js marks it)."""
    page.wait_for_selector("[data-live='1']", state="attached", timeout=10_000)


SERVICES = [("medical_insurance", "A", 0.55), ("social_security_card", "B", 0.45)]
CATEGORIES = ["elderly", "subsistence", "disabled", "extreme_poverty", None]


def seed_day(server: HallServer, hall_name: str, day: date, count: int, seed: int = 7) -> None:
    """``count`` finished tickets of a past ``day`` (08:30-17:00 hall time), written
    straight into the database: served or not come, waits, L categories, print failures,
    ratings. For the report's screenshots and benchmark, not for the queue's rules."""
    rng = random.Random(seed)
    zone = ZoneInfo("Asia/Shanghai")
    opens = datetime.combine(day, time(8, 30), zone)
    numbers: dict[str, int] = {}
    with server.db.write() as uow:
        hall_id = halls.find_hall(uow.session, hall_name).id
        for i in range(count):
            code, prefix, _ = rng.choices(SERVICES, weights=[s[2] for s in SERVICES])[0]
            priority = rng.random() < 0.12
            letter = "L" if priority else prefix
            numbers[letter] = numbers.get(letter, 0) + 1
            # Busier in the morning: a triangle peaking at 10:00.
            issued_at = opens + timedelta(minutes=rng.triangular(0, 500, 90))
            wait = timedelta(minutes=rng.gammavariate(2.0, 4.0 if priority else 9.0))
            state = TicketState.SERVED if rng.random() < 0.93 else TicketState.SKIPPED
            ticket_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            uow.session.add(
                Ticket(
                    id=ticket_id, hall_id=hall_id, day=day,
                    number=f"{letter}{numbers[letter]:03d}", service_code=code,
                    priority=priority, category=rng.choice(CATEGORIES) if priority else None,
                    reason="roster" if priority else None, kiosk=f"k{1 + i % 2}",
                    issued_at=issued_at, state=state, window=str(1 + i % 5),
                    called_at=issued_at + wait, first_called_at=issued_at + wait,
                    done_at=issued_at + wait + timedelta(minutes=6), calls=1, printed=True,
                    print_failures=1 if rng.random() < 0.01 else 0, reprints=0,
                )
            )  # fmt: skip
            if state == TicketState.SERVED and rng.random() < 0.3:
                level = rng.choices([5, 4, 3, 2, 1], weights=[60, 25, 9, 4, 2])[0]
                uow.session.flush()
                uow.session.add(
                    Rating(ticket_id=ticket_id, hall_id=hall_id, level=level,
                           comment="", rated_at=issued_at + wait + timedelta(minutes=8))
                )  # fmt: skip
