"""The hall pages in a real browser (Debian's Chromium through Playwright) against a real
``hall serve``: the counter calls and the display shows it, an L ticket rings on the
helpers' page, the visitor's page follows its ticket live and takes one rating, roles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hall.store.page_models import Rating
from hall.testing import HallServer, running_server
from tests.hall.pages import ID_NUMBER, PageHall, chromium, log_in, page_hall, wait_live


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallServer]:
    folder = tmp_path_factory.mktemp("hall-pages")
    env = {"HALL_VOICE_DIR": str(folder / "voice")}
    with running_server("sqlite", folder, None, env=env) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


@pytest.fixture
def hall(web: HallServer, hall_name: str) -> PageHall:
    return page_hall(web, hall_name)


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def _no_id_number(page: Any) -> None:
    assert ID_NUMBER.search(page.content()) is None


def test_a_counter_calls_next_and_the_display_shows_it(
    hall: PageHall, browser: Any, context: Any
) -> None:
    hall.issue("A001")
    display = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    display.goto(hall.display_url)
    assert "token=" not in display.url  # the token moved into a cookie
    wait_live(display)
    expect(display.locator(".waiting")).to_contain_text("医疗保险")

    counter = context.new_page()
    log_in(counter, hall.server.url, hall.user("counter"))
    counter.fill("input[name=window]", "3")
    counter.click("form[action='/counter/window'] button")
    counter.click("[data-testid=call-next]")

    expect(display.locator("#flash .num")).to_have_text("A001", timeout=1000)
    expect(display.locator("[data-testid=serving-A001]")).to_contain_text("3", timeout=1000)
    expect(counter.locator("[data-testid=current-number]")).to_have_text("A001")
    _no_id_number(display)
    display.context.close()


def test_an_l_ticket_rings_on_the_helpers_page_and_is_acknowledged(
    hall: PageHall, context: Any
) -> None:
    helper = context.new_page()
    log_in(helper, hall.server.url, hall.user("helper"))
    assert helper.url.endswith("/helpers")
    wait_live(helper)

    hall.issue("L001", priority=True, category="elderly")

    alert = helper.locator("[data-testid=alert-L001]")
    expect(alert).to_be_visible(timeout=2000)
    expect(alert).to_contain_text("老年人")
    expect(alert).to_contain_text("医疗保险")
    expect(alert).to_contain_text("k1")
    alert.locator("button").click()
    expect(alert).to_have_count(0)
    with hall.counter_api() as api:
        taken = api.get("/alerts", params={"open_only": False}).json()["alerts"]
    assert [(a["number"], a["acked_by"]) for a in taken] == [("L001", hall.user("helper"))]
    _no_id_number(helper)


def test_the_visitor_page_follows_its_ticket_and_takes_one_rating(
    hall: PageHall, context: Any
) -> None:
    hall.issue("A001")
    mine = hall.issue("A002")
    page = context.new_page()
    page.goto(f"{hall.server.url}/t/{mine}")
    wait_live(page)
    card = page.locator("[data-testid=ticket-card]")
    expect(card.locator("[data-testid=number]")).to_have_text("A002")
    expect(card.locator("[data-testid=ahead]")).to_have_text("1")
    assert "A001" not in page.content()  # nothing about any other ticket

    with hall.counter_api() as api:
        assert api.post("/counter/call-next", json={"window": "5"}).json()["number"] == "A001"
        expect(card.locator("[data-testid=ahead]")).to_have_text("0", timeout=2000)
        assert api.post("/counter/call-next", json={"window": "5"}).json()["number"] == "A002"
        expect(card.locator("[data-testid=status]")).to_contain_text("请到 5 号窗口")
        answer = api.post(f"/counter/tickets/{mine}/served", json={"window": "5"})
        assert answer.status_code == 200
    form = page.locator("[data-testid=rating-form]")
    expect(form).to_be_visible(timeout=2000)
    for words in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        expect(form).to_contain_text(words)
    form.get_by_label("满意 Satisfied", exact=True).check()
    page.fill("textarea[name=comment]", "窗口很耐心")
    form.locator("button").click()
    expect(page.locator(".flash.ok")).to_contain_text("感谢")
    expect(page.locator("[data-testid=rated]")).to_contain_text("满意")

    # A second rating (a replayed form) is refused; the first one stays.
    csrf = {c["name"]: c["value"] for c in context.cookies()}["hall_csrf"]
    again = page.request.post(
        f"{hall.server.url}/t/{mine}/rating",
        form={"csrf_token": csrf, "level": "1", "comment": "x"},
        max_redirects=0,
    )
    assert again.status == 303 and again.headers["location"].endswith("rated=2")
    with hall.server.db.read() as session:
        ratings = session.execute(
            select(Rating.level, Rating.comment).where(Rating.ticket_id == mine)
        ).all()
    assert [tuple(r) for r in ratings] == [(4, "窗口很耐心")]
    _no_id_number(page)


def test_a_counter_account_cannot_open_admin_pages(hall: PageHall, context: Any) -> None:
    page = context.new_page()
    log_in(page, hall.server.url, hall.user("counter"))
    for path in ("/admin", "/reports", "/helpers"):
        answer = page.goto(f"{hall.server.url}{path}")
        assert answer is not None and answer.status == 403, path
        expect(page.locator(".message")).to_contain_text("不对")
    # Logged out, the pages send you to the login form.
    page.context.clear_cookies()
    page.goto(f"{hall.server.url}/admin")
    assert "/login" in page.url


def test_an_admin_sees_the_day_in_charts(hall: PageHall, context: Any, tmp_path: Path) -> None:
    hall.issue("A001")
    hall.issue("L001", priority=True, category="subsistence")
    page = context.new_page()
    log_in(page, hall.server.url, hall.user("admin"))
    page.goto(f"{hall.server.url}/reports?hall={hall.name}")
    expect(page.locator("body")).to_have_attribute("data-charts-ready", "7")
    expect(page.locator("[data-testid=total]")).to_have_text("2")
    assert page.locator("[data-chart=per_hour] canvas").count() == 1
    with page.expect_download() as download:
        page.click("text=导出 CSV")
    path = tmp_path / "report.csv"
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    assert "hall,tickets,,2" in text and "priority_category" in text
    page.goto(f"{hall.server.url}/admin?hall={hall.name}")
    expect(page.locator("body")).to_contain_text("tv-1")
    _no_id_number(page)
