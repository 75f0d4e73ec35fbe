"""The hall server over HTTP, on SQLite and on PostgreSQL (two workers): auth, events,
leases, catalogue, heartbeats, bad input."""

from __future__ import annotations

import gzip
import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx

from hall.usecases import halls
from tests.hall.conftest import HallServer
from tests.hall.wire import CATALOGUE, envelope, hall_today, issued


def test_no_wrong_or_revoked_token_is_401(server: HallServer, hall_name: str) -> None:
    tokens = server.new_hall(hall_name)
    for headers in ({}, {"Authorization": "Bearer hall_not-a-token"}, {"Authorization": "Basic x"}):
        answer = httpx.get(f"{server.api}/queue", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json()["error"] == "unauthorized"
        assert answer.headers["www-authenticate"] == "Bearer"
    with server.client(tokens["k1"]) as kiosk:
        assert kiosk.get("/queue").status_code == 200
        now = datetime.now(UTC)
        halls.revoke_token(server.db, hall_name, "k1", "kiosk", now)
        assert kiosk.get("/queue").status_code == 401
        new = halls.rotate_token(server.db, hall_name, "k1", "kiosk", now)
        assert kiosk.get("/queue").status_code == 401  # the old token stays dead
    with server.client(new) as kiosk:
        assert kiosk.get("/queue").status_code == 200


def test_a_kiosk_sees_only_its_own_hall(server: HallServer, hall_name: str) -> None:
    mine = server.new_hall(hall_name)
    other = server.new_hall(hall_name + " other")
    event = issued("A001")
    with server.client(mine["k1"]) as kiosk:
        assert kiosk.post("/events", json={"events": [event]}).status_code == 200
    with server.client(other["k1"]) as kiosk, server.client(other["c1"]) as counter:
        assert kiosk.get("/queue").json()["services"] == []
        # Replaying hall 1's event id from hall 2 changes nothing in either hall.
        kiosk.post("/events", json={"events": [event]})
        assert kiosk.get("/queue").json()["services"] == []
        ticket_id = event["payload"]["ticket_id"]
        answer = counter.post(f"/counter/tickets/{ticket_id}/served", json={"window": "1"})
        assert answer.status_code == 404
        assert counter.post("/counter/call-next", json={"window": "1"}).status_code == 204
        assert counter.get("/alerts").json()["alerts"] == []
    with server.client(mine["c1"]) as counter:
        assert counter.get("/queue").json()["services"][0]["waiting"] == 1


def test_roles_are_kept_apart(server: HallServer, hall_name: str) -> None:
    tokens = server.new_hall(hall_name)
    with server.client(tokens["k1"]) as kiosk:
        answer = kiosk.post("/counter/call-next", json={"window": "1"})
        assert answer.status_code == 403
        assert answer.json()["error"] == "forbidden"
    with server.client(tokens["c1"]) as counter:
        lease = {"day": hall_today().isoformat(), "prefix": "A", "count": 5}
        assert counter.post("/leases", json=lease).status_code == 403


def test_events_are_applied_once_and_bad_ones_do_not_block_the_batch(
    server: HallServer, hall_name: str
) -> None:
    tokens = server.new_hall(hall_name)
    first, second = issued("A001"), issued("L001", priority=True, category="elderly")
    ticket_id = first["payload"]["ticket_id"]
    printed = envelope(
        "ticket.printed", {"ticket_id": ticket_id, "printed_at": datetime.now(UTC).isoformat()}
    )
    unknown = envelope("ticket.teleported", {"ticket_id": ticket_id})
    bad = envelope("kiosk.printer_status", {"kiosk_id": "k1", "status": "on fire"})
    orphan = envelope("ticket.voided", {"ticket_id": "00000000-0000-4000-8000-000000000000",
                                        "voided_at": datetime.now(UTC).isoformat()})  # fmt: skip
    batch = {"events": [first, unknown, second, bad, printed, orphan]}
    with server.client(tokens["k1"]) as kiosk:
        answer = kiosk.post("/events", json=batch)
        assert answer.status_code == 200
        results = answer.json()["results"]
        assert [r["status"] for r in results] == [
            "accepted", "rejected", "accepted", "rejected", "accepted", "rejected",
        ]  # fmt: skip
        assert [r["code"] for r in results] == [200, 422, 200, 422, 200, 409]
        assert results[3]["details"][0]["loc"] == ["payload", "status"]
        # The kiosk retries the whole batch (its ack got lost): nothing counts twice.
        again = kiosk.post("/events", json=batch).json()["results"]
        assert [r["status"] for r in again] == [
            "duplicate", "rejected", "duplicate", "rejected", "duplicate", "rejected",
        ]  # fmt: skip
        queue = kiosk.get("/queue").json()["services"]
        assert queue == [
            {
                "service_code": "medical_insurance",
                "waiting": 2,
                "priority_waiting": 1,
                "estimate_minutes": None,
            }
        ]
        # Another event reusing a taken number is refused, the kiosk hears why.
        clash = kiosk.post("/events", json={"events": [issued("A001")]}).json()["results"][0]
        assert (clash["status"], clash["code"]) == ("rejected", 409)
        assert "A001" in clash["message"]
    with server.client(tokens["c1"]) as counter:
        assert len(counter.get("/alerts").json()["alerts"]) == 1


def test_fifty_concurrent_leases_never_overlap(server: HallServer, hall_name: str) -> None:
    tokens = server.new_hall(hall_name, kiosks=5)
    day = hall_today().isoformat()

    def lease(i: int) -> dict[str, int]:
        token = tokens[f"k{i % 5 + 1}"]
        with server.client(token) as kiosk:
            answer = kiosk.post("/leases", json={"day": day, "prefix": "A", "count": 10 + i % 7})
            assert answer.status_code == 201, answer.text
            return answer.json()  # type: ignore[no-any-return]

    with ThreadPoolExecutor(50) as pool:
        blocks = list(pool.map(lease, range(50)))
    taken = sorted((b["start"], b["end"]) for b in blocks)
    assert taken[0][0] == 1
    for (_, end), (start, _) in itertools.pairwise(taken):
        assert start == end + 1  # no overlap and no gap
    assert len({b["lease_id"] for b in blocks}) == 50
    # Another prefix, and another day, count on their own.
    with server.client(tokens["k1"]) as kiosk:
        other = kiosk.post("/leases", json={"day": day, "prefix": "L", "count": 5}).json()
        assert (other["start"], other["end"]) == (1, 5)


def test_catalogue_with_etag(server: HallServer, hall_name: str) -> None:
    tokens = server.new_hall(hall_name)
    with server.client(tokens["k1"]) as kiosk:
        assert kiosk.get("/catalogue").status_code == 404
        etag = halls.set_catalogue(server.db, hall_name, CATALOGUE)
        answer = kiosk.get("/catalogue")
        assert answer.status_code == 200
        assert answer.headers["etag"] == etag
        assert answer.json()["services"][0]["daily_quota"] == 300
        assert answer.json()["services"][0]["opening_hours"][0]["opens"] == "09:00"
        assert kiosk.get("/catalogue", headers={"If-None-Match": etag}).status_code == 304
        changed = {**CATALOGUE, "version": "test-2"}
        new_etag = halls.set_catalogue(server.db, hall_name, changed)
        assert new_etag != etag
        assert kiosk.get("/catalogue", headers={"If-None-Match": etag}).status_code == 200


def test_heartbeats_tell_staff_about_paper_and_outbox(server: HallServer, hall_name: str) -> None:
    tokens = server.new_hall(hall_name, kiosks=3)
    now = datetime.now(UTC)
    beat = {
        "kiosk_time": now.isoformat(),
        "printer": "paper_out",
        "reader": "ok",
        "voice": "ok",
        "outbox_pending": 40,
        "oldest_pending_at": datetime(2020, 1, 1, tzinfo=UTC).isoformat(),
        "roster_version": None,
    }
    with server.client(tokens["k1"]) as kiosk:
        reply = kiosk.post("/heartbeat", json=beat).json()
        assert abs(reply["clock_skew_s"]) < 60
    with server.client(tokens["k2"]) as kiosk:
        fine = {**beat, "printer": "ready", "outbox_pending": 0, "oldest_pending_at": None}
        assert kiosk.post("/heartbeat", json=fine).status_code == 200
    with server.client(tokens["c1"]) as counter:
        health = {k["name"]: k for k in counter.get("/kiosks").json()["kiosks"]}
    assert health["k1"]["out_of_paper"] and health["k1"]["outbox_behind"]
    assert not health["k1"]["offline"]
    assert not health["k2"]["out_of_paper"] and not health["k2"]["outbox_behind"]
    assert health["k3"]["offline"]  # never heard from


def test_422_names_the_field_and_unknown_fields_are_refused(
    server: HallServer, hall_name: str
) -> None:
    tokens = server.new_hall(hall_name)
    with server.client(tokens["k1"]) as kiosk:
        answer = kiosk.post("/leases", json={"day": "2026-12-03", "prefix": "a", "count": 5})
        assert answer.status_code == 422
        body = answer.json()
        assert body["error"] == "invalid"
        assert body["details"][0]["loc"] == ["body", "prefix"]
        answer = kiosk.post(
            "/leases", json={"day": "2026-12-03", "prefix": "A", "count": 5, "colour": "red"}
        )
        assert answer.status_code == 422
        assert answer.json()["details"][0]["loc"] == ["body", "colour"]
        assert answer.json()["details"][0]["type"] == "extra_forbidden"
        answer = kiosk.post(
            "/events", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 422


def test_bodies_over_the_limit_are_413_and_change_nothing(
    server: HallServer, hall_name: str
) -> None:
    tokens = server.new_hall(hall_name)
    events = [issued(f"A{i:03d}") for i in range(1, 500)]
    for event in events:
        event["payload"]["reason"] = None
        event["payload"]["category"] = "x" * 32
    body = json.dumps({"events": events, "pad": "x" * (1 << 20)}).encode()
    with server.client(tokens["k1"]) as kiosk:
        answer = kiosk.post("/events", content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 413
        assert answer.json()["error"] == "too_large"

        def chunks():  # no Content-Length: the limit holds while reading
            for start in range(0, len(body), 65536):
                yield body[start : start + 65536]

        answer = kiosk.post(
            "/events", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 413
        assert kiosk.get("/queue").json()["services"] == []


def test_roster_body_is_gzip_with_matching_headers(server: HallServer, hall_name: str) -> None:
    """Snapshot and key over HTTP; the import itself is tested in test_roster.py."""
    from tests.hall.test_roster import publish

    tokens = server.new_hall(hall_name)
    publish(server, hall_name, ["110101194001060001,低保,2024-01-01,2099-12-31"])
    with server.client(tokens["k1"]) as kiosk:
        answer = kiosk.get("/roster/snapshot")
        assert answer.headers["content-type"] == "application/gzip"
        assert answer.headers["x-roster-count"] == "1"
        assert gzip.decompress(answer.content).count(b"\n") == 1
