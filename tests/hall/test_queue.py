"""The counter over HTTP on both engines: call order, no ticket at two windows, recall,
skip, transfer, served, estimates, alerts, and the live event stream."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx

from tests.hall.conftest import HallServer
from tests.hall.wire import issued, minutes_ago


def _post(server: HallServer, token: str, events: list[dict]) -> None:
    with server.client(token) as kiosk:
        for start in range(0, len(events), 500):
            answer = kiosk.post("/events", json={"events": events[start : start + 500]})
            statuses = {r["status"] for r in answer.json()["results"]}
            assert statuses == {"accepted"}, answer.text


def test_call_order_priority_first_at_most_three_in_a_row(
    server: HallServer, hall_name: str
) -> None:
    tokens = server.new_hall(hall_name)
    # Issue order (oldest first): A001 L001 A002 L002 L003 L004 L005 A003
    order = ["A001", "L001", "A002", "L002", "L003", "L004", "L005", "A003"]
    events = [
        issued(n, priority=n[0] == "L", category="elderly" if n[0] == "L" else None,
               at=minutes_ago(30 - i))
        for i, n in enumerate(order)
    ]  # fmt: skip
    _post(server, tokens["k1"], list(reversed(events)))  # arrival order does not matter
    called = []
    with server.client(tokens["c1"]) as counter:
        while (
            answer := counter.post("/counter/call-next", json={"window": "W1"})
        ).status_code == 200:
            called.append(answer.json()["number"])
        assert answer.status_code == 204
    # L first by time, a normal one after three L in a row, then the rest.
    assert called == ["L001", "L002", "L003", "A001", "L004", "L005", "A002", "A003"]


def test_two_windows_calling_at_once_never_get_the_same_ticket(
    server: HallServer, hall_name: str
) -> None:
    tokens = server.new_hall(hall_name, counters=2)
    events = [issued(f"A{i:03d}", at=minutes_ago(60 - i * 0.1)) for i in range(1, 81)]
    events += [issued(f"L{i:03d}", priority=True, at=minutes_ago(50 - i)) for i in range(1, 21)]
    _post(server, tokens["k1"], events)
    calls: dict[str, list[str]] = {"W1": [], "W2": []}

    def window(name: str, token: str) -> None:
        with server.client(token) as counter:
            while True:
                answer = counter.post("/counter/call-next", json={"window": name})
                if answer.status_code == 204:
                    return
                assert answer.status_code == 200, answer.text
                calls[name].append(answer.json()["number"])

    threads = [
        threading.Thread(target=window, args=("W1", tokens["c1"])),
        threading.Thread(target=window, args=("W2", tokens["c2"])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = calls["W1"] + calls["W2"]
    assert len(everything) == 100
    assert len(set(everything)) == 100  # nobody called twice
    assert calls["W1"] and calls["W2"]


def test_recall_skip_transfer_served_and_estimates(server: HallServer, hall_name: str) -> None:
    tokens = server.new_hall(hall_name)
    _post(
        server,
        tokens["k1"],
        [issued(f"A{i:03d}", at=minutes_ago(40 - i)) for i in range(1, 6)]
        + [issued("B001", service="social_security_card", at=minutes_ago(39))],
    )
    with server.client(tokens["c1"]) as counter:
        first = counter.post("/counter/call-next", json={"window": "W1"}).json()
        tid = first["ticket_id"]
        again = counter.post(f"/counter/tickets/{tid}/recall", json={"window": "W1"}).json()
        assert again["calls"] == 2
        wrong = counter.post(f"/counter/tickets/{tid}/recall", json={"window": "W9"})
        assert wrong.status_code == 409
        moved = counter.post(
            f"/counter/tickets/{tid}/transfer",
            json={"window": "W1", "service_code": "social_security_card"},
        ).json()
        assert (moved["state"], moved["service_code"]) == ("waiting", "social_security_card")
        # The transferred ticket keeps its place by issue time: it comes before B001.
        b = counter.post(
            "/counter/call-next", json={"window": "W2", "services": ["social_security_card"]}
        ).json()
        assert b["number"] == "A001"
        skipped = counter.post(f"/counter/tickets/{tid}/skip", json={"window": "W2"}).json()
        assert skipped["state"] == "skipped"
        only_a = {"window": "W1", "services": ["medical_insurance"]}
        second = counter.post("/counter/call-next", json=only_a).json()
        assert second["number"] == "A002"
        done = counter.post(
            f"/counter/tickets/{second['ticket_id']}/served", json={"window": "W1"}
        ).json()
        assert done["state"] == "served"
        queue = {s["service_code"]: s for s in counter.get("/queue").json()["services"]}
    assert queue["medical_insurance"]["waiting"] == 3
    assert queue["medical_insurance"]["estimate_minutes"] is not None
    assert queue["social_security_card"]["waiting"] == 1


def test_priority_ticket_raises_an_alert_a_helper_acks(server: HallServer, hall_name: str) -> None:
    tokens = server.new_hall(hall_name)
    _post(server, tokens["k1"], [issued("L001", priority=True, category="subsistence")])
    with server.client(tokens["c1"]) as counter:
        alerts = counter.get("/alerts").json()["alerts"]
        assert len(alerts) == 1
        alert = alerts[0]
        assert (alert["number"], alert["kiosk_id"]) == ("L001", "k1")
        assert alert["category_words"] == "低保 (subsistence)"
        assert not alert["escalated"]
        acked = counter.post(f"/alerts/{alert['id']}/ack", json={"helper": "Wang"}).json()
        assert acked["acked_by"] == "Wang"
        other = counter.post(f"/alerts/{alert['id']}/ack", json={"helper": "Li"})
        assert other.status_code == 409
        assert counter.get("/alerts").json()["alerts"] == []
        assert len(counter.get("/alerts", params={"open_only": False}).json()["alerts"]) == 1


def test_alerts_escalate_when_nobody_acks(server: HallServer, hall_name: str) -> None:
    from hall.settings import HallSettings
    from hall.usecases.alerts import list_alerts
    from hall.usecases.halls import hall_id

    tokens = server.new_hall(hall_name)
    _post(server, tokens["k1"], [issued("L001", priority=True, category="elderly")])
    settings = HallSettings(alert_escalate_after_s=120)
    hid = hall_id(server.db, hall_name)
    soon = datetime.now(UTC) + timedelta(seconds=60)
    later = datetime.now(UTC) + timedelta(seconds=180)
    assert not list_alerts(server.db, hid, settings, soon, open_only=True)[0].escalated
    assert list_alerts(server.db, hid, settings, later, open_only=True)[0].escalated


def test_live_stream_hears_changes_from_any_worker(server: HallServer, hall_name: str) -> None:
    tokens = server.new_hall(hall_name)
    received: list[dict] = []
    connected = threading.Event()

    def listen() -> None:
        headers = {"Authorization": f"Bearer {tokens['c1']}"}
        with httpx.stream("GET", f"{server.api}/stream", headers=headers, timeout=30) as answer:
            kind = None
            for line in answer.iter_lines():
                if line.startswith(": connected"):
                    connected.set()
                elif line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "alert.raised":
                    received.append(json.loads(line[6:]))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert connected.wait(15)

    # Several posts: with two workers, some of them land on the other worker.
    def post(i: int) -> None:
        _post(server, tokens["k1"], [issued(f"L{i:03d}", priority=True)])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(post, range(1, 5)))
    listener.join(15)
    assert received and received[0]["kind"] == "alert.raised"
