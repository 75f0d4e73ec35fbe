"""The running kiosk (real widgets, real services, fake devices) syncing with a real hall
server: an L ticket reaches the helpers' alerts, the ticket screen and paper carry the
queue, the end-of-day sync from the staff panel, and the server going away."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from kiosk.config import ServerSection
from kiosk.store import sync_state
from kiosk.testing import KioskRig, build_rig
from tests.sync.conftest import FaultProxy, HallSetup

SHANGHAI = ZoneInfo("Asia/Shanghai")
MEDICAL = "medical_insurance"


@pytest.fixture
def make_rig(tmp_path: Path, qtbot) -> Iterator:  # type: ignore[no-untyped-def]
    built: list[KioskRig] = []

    def make(url: str, token: str, **server: object) -> KioskRig:
        settings = ServerSection(
            url=url, token=token, push_interval_s=1, queue_poll_s=1, retries=1, timeout_s=2,
            **server,  # type: ignore[arg-type]
        )  # fmt: skip
        rig = build_rig(
            tmp_path / f"kiosk{len(built)}", server=settings, now=datetime.now(SHANGHAI)
        )
        qtbot.addWidget(rig.window)
        rig.window.resize(1920, 1080)
        rig.window.show()
        rig.kiosk.start()
        built.append(rig)
        return rig

    yield make
    for rig in built:
        rig.kiosk.shutdown()


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def issue(qtbot, rig: KioskRig, service: str = MEDICAL, *, senior: bool = False):  # type: ignore[no-untyped-def]
    from tests.ui.test_flows import senior as senior_card

    w = rig.window
    w.go_home()
    with qtbot.waitSignal(rig.kiosk.tickets.ticket_issued, timeout=10_000) as blocker:
        click(qtbot, w.home.tiles[service])
        if senior:
            rig.reader.lay(senior_card())
        else:
            click(qtbot, w.card_screen.normal)
    return blocker.args[0]


def has_leases(rig: KioskRig) -> bool:
    return sync_state.numbers_left(rig.db, rig.clock.now().date(), "L") > 0


def test_an_l_ticket_reaches_the_helpers_and_the_queue_reaches_the_ticket(
    qtbot, setup: HallSetup, make_rig
) -> None:  # type: ignore[no-untyped-def]
    rig = make_rig(setup.server.url, setup.tokens["k1"])
    qtbot.waitUntil(lambda: has_leases(rig), timeout=15_000)
    outcome = issue(qtbot, rig, senior=True)
    assert outcome.ticket.number.startswith("L")
    counter = setup.server.client(setup.tokens["c1"])

    def alerted() -> bool:
        alerts = counter.get("/alerts").json()["alerts"]
        return [a["number"] for a in alerts] == [outcome.ticket.number]

    qtbot.waitUntil(alerted, timeout=10_000)
    # Three normal tickets, one of them served: the hall has counts and a rate.
    for _ in range(3):
        issue(qtbot, rig)
    qtbot.waitUntil(lambda: sync_state.outbox_status(rig.db).pending == 0, timeout=10_000)
    for _ in range(3):
        answer = counter.post("/counter/call-next", json={"window": "1", "services": [MEDICAL]})
        assert answer.status_code == 200, answer.text
    counter.close()
    qtbot.wait(2500)  # two queue polls
    outcome = issue(qtbot, rig)
    assert outcome.ticket.waiting_ahead == 1 and outcome.estimate_minutes is not None
    text = rig.window.ticket_screen.ahead.text()
    assert re.fullmatch(r"前面还有 1 人，约 \d+ 分钟", text), text
    said = rig.speaker.said[-1][0]
    assert "前面还有 1 人" in said and "分钟" in said
    printed = rig.printer.printed[-1]  # type: ignore[union-attr]
    assert printed.waiting_ahead == 1 and printed.estimate_minutes == outcome.estimate_minutes
    assert printed.qr_payload == f"{setup.server.url}/t/{outcome.ticket.id}"


def test_server_away_counts_left_out_numbers_from_leases_end_of_day_kept(
    qtbot, proxy: FaultProxy, setup: HallSetup, make_rig
) -> None:  # type: ignore[no-untyped-def]
    rig = make_rig(proxy.url, setup.tokens["k1"], queue_max_age_s=5)
    qtbot.waitUntil(lambda: has_leases(rig), timeout=15_000)
    sync = rig.kiosk.services.sync
    assert sync is not None
    qtbot.waitUntil(lambda: sync.queue_hint(MEDICAL, False) is not None, timeout=10_000)
    proxy.mode = "down"
    qtbot.waitUntil(lambda: sync.queue_hint(MEDICAL, False) is None, timeout=15_000)
    outcome = issue(qtbot, rig)
    assert outcome.ticket.waiting_ahead is None and outcome.estimate_minutes is None
    assert rig.window.ticket_screen.ahead.isHidden()
    assert rig.printer.printed[-1].waiting_ahead is None  # type: ignore[union-attr]
    # The staff panel: server offline, two events waiting; the end-of-day sync says so.
    w = rig.window
    w._open_staff_panel()
    server = w.staff_panel.status_labels["server"]

    def shown() -> bool:
        text = server.text()  # type: ignore[attr-defined]
        return "离线" in text and "待传 / waiting 2" in text  # issued + printed

    qtbot.waitUntil(shown, timeout=10_000)
    assert w.staff_panel.sync.isEnabled()
    percents: list[int] = []
    sync.progress.connect(lambda p, _t: percents.append(p))
    with qtbot.waitSignal(sync.end_of_day_done, timeout=30_000) as blocker:
        click(qtbot, w.staff_panel.sync)
    result = blocker.args[0]
    assert not result.complete and result.report.pending_events == 2
    assert percents and percents[-1] == 100
    report = w.staff_panel.sync_report.text()
    assert "下次再传" in report and "合计 / Tickets: 1" in report
    # Back up: the end-of-day sync completes, the event goes up once, the report prints.
    proxy.mode = "pass"
    with qtbot.waitSignal(sync.end_of_day_done, timeout=30_000) as blocker:
        click(qtbot, w.staff_panel.sync)
    result = blocker.args[0]
    assert result.complete, result.problems
    assert result.report.by_service == {MEDICAL: 1} and result.report.pending_events == 0
    assert "日终同步完成" in w.staff_panel.sync_report.text()
    with qtbot.waitSignal(rig.kiosk.tickets.busy_changed, timeout=10_000):
        click(qtbot, w.staff_panel.print_report)
    qtbot.waitUntil(lambda: rig.printer.printed[-1].number == "EOD", timeout=10_000)  # type: ignore[union-attr]
    assert "合计 / Tickets: 1" in rig.printer.printed[-1].footer  # type: ignore[union-attr]
