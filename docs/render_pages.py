"""Screenshots of every hall page at phone (390x844) and desktop (1440x900) sizes, in
docs/pages/NAME-phone.png and NAME-desktop.png.

    .venv/bin/python docs/render_pages.py [--out DIR]

Starts a real ``hall serve`` on SQLite in a temp folder, fills a hall (yesterday: 420
finished tickets for the report; today: a live queue, calls, an L ticket for the helpers,
a served ticket to rate) and photographs each page in Debian's Chromium.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hall.testing import running_server
from tests.hall.pages import DESKTOP, PHONE, chromium, log_in, page_hall, seed_day, wait_live
from tests.hall.wire import ZONE, minutes_ago

HALL = "示范市政务服务中心"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "pages")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server("sqlite", Path(tmp), None, env={"HALL_VOICE_DIR": f"{tmp}/voice"}) as server,
    ):
        hall = page_hall(server, HALL)
        yesterday = datetime.now(ZONE).date() - timedelta(days=1)
        seed_day(server, HALL, yesterday, 420)
        ids = {}
        for i, (number, kwargs) in enumerate(
            [
                ("A001", {}), ("A002", {}), ("B001", {"service": "social_security_card"}),
                ("L001", {"priority": True, "category": "elderly"}), ("A003", {}),
                ("B002", {"service": "social_security_card"}), ("A004", {}), ("A005", {}),
                ("L002", {"priority": True, "category": "subsistence"}), ("A006", {}),
                ("B003", {"service": "social_security_card"}), ("A007", {}),
            ]
        ):  # fmt: skip
            ids[number] = hall.issue(number, at=minutes_ago(40 - 3 * i), **kwargs)
        with hall.counter_api() as api:
            for window in ("1", "2", "4"):
                api.post("/counter/call-next", json={"window": window})
            alerts = api.get("/alerts").json()["alerts"]
            api.post(f"/alerts/{alerts[0]['id']}/ack", json={"helper": "王芳"})
            served = api.post("/counter/call-next", json={"window": "6"}).json()
            api.post(f"/counter/tickets/{served['ticket_id']}/served", json={"window": "6"})
        late = hall.issue("L003", priority=True, category="disabled", at=minutes_ago(1))
        del late
        base = server.url
        shots: list[tuple[str, str, str | None, Any]] = [
            ("login", "/login", None, None),
            ("counter-setup", "/counter", "counter", None),
            ("counter", "/counter", "counter", "window"),
            ("helpers", "/helpers", "helper", None),
            ("visitor-waiting", f"/t/{ids['A007']}", None, None),
            ("visitor-called", f"/t/{ids['A001']}", None, None),
            ("visitor-rating", f"/t/{served['ticket_id']}", None, None),
            ("reports", f"/reports?from={yesterday.isoformat()}", "admin", None),
            ("admin", "/admin", "admin", None),
            ("forbidden", "/admin", "counter", None),
        ]
        with chromium() as browser:
            for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
                for name, path, role, step in shots:
                    context = browser.new_context(viewport=size, locale="zh-CN")
                    page = context.new_page()
                    if role:
                        log_in(page, base, hall.user(role))
                    page.goto(base + path)
                    if step == "window" and page.locator("input[name=window]").count():
                        page.fill("input[name=window]", "3")
                        page.click("form[action='/counter/window'] button")
                        page.click("[data-testid=call-next]")
                    if name == "reports":
                        page.wait_for_selector("body[data-charts-ready]")
                    if page.locator("[data-events]").count():
                        wait_live(page)
                    page.wait_for_timeout(400)
                    page.screenshot(path=str(args.out / f"{name}-{size_name}.png"), full_page=True)
                    context.close()
                # The display: a TV (desktop) or a small screen (phone), with and without a call.
                context = browser.new_context(viewport=size, locale="zh-CN")
                display = context.new_page()
                display.goto(hall.display_url)
                wait_live(display)
                with hall.counter_api() as api:
                    api.post("/counter/call-next", json={"window": "5"})
                display.wait_for_selector("#flash:not([hidden])")
                display.wait_for_timeout(300)
                display.screenshot(path=str(args.out / f"display-call-{size_name}.png"))
                display.evaluate("document.getElementById('flash').hidden = true")
                display.screenshot(path=str(args.out / f"display-{size_name}.png"))
                display.evaluate("document.getElementById('live-status').hidden = false")
                display.evaluate("document.body.classList.add('offline')")
                display.screenshot(path=str(args.out / f"display-offline-{size_name}.png"))
                context.close()
    print(f"screenshots in {args.out} ({datetime.now(UTC):%H:%M:%S} UTC)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
