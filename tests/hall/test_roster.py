"""Roster import and publication: the kiosk's file format, atomic versions, deltas, key."""

from __future__ import annotations

import base64
import hmac
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from hall.keys import KeyStore
from hall.usecases.roster import RosterImportError, import_roster
from sync.protocol import decode_roster_body
from tests.hall.conftest import HallServer

HEADER = "身份证号,类别,有效期起,有效期至\n"
# Valid GB 11643 numbers (check digits right).
PEOPLE = [
    "110101194001060001,低保,2024-01-01,2099-12-31",
    "11010119400106001X,elderly,,",
    "110101194001060028,残疾人,,长期",
]


def publish(server: HallServer, hall_name: str, rows: list[str], **kwargs: object) -> object:
    path = server.key_dir.parent / f"roster-{hall_name}-{len(rows)}.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return import_roster(
        server.db, KeyStore(server.key_dir), hall_name, path, datetime.now(UTC), **kwargs
    )


def _fetch(kiosk: httpx.Client, path: str) -> tuple[httpx.Response, list[tuple[str, bytes, str]]]:
    answer = kiosk.get(path)
    assert answer.status_code == 200, answer.text
    lines = decode_roster_body(
        answer.content,
        count=int(answer.headers["x-roster-count"]),
        checksum=answer.headers["x-roster-checksum"],
    )
    return answer, [(c.op, c.id_hash, c.category) for c in lines]


def test_snapshot_delta_and_key(server: HallServer, hall_name: str) -> None:
    tokens = server.new_hall(hall_name)
    with server.client(tokens["k1"]) as kiosk:
        assert kiosk.get("/roster").status_code == 404
        publish(server, hall_name, PEOPLE)
        key = kiosk.get("/roster/key")
        assert key.headers["cache-control"] == "no-store"
        secret = base64.b64decode(key.json()["key_b64"])
        meta = kiosk.get("/roster").json()
        assert (meta["version"], meta["count"]) == (1, 3)
        answer, lines = _fetch(kiosk, "/roster/snapshot")
        assert answer.headers["x-roster-key-id"] == key.json()["key_id"] == meta["key_id"]
        expected = hmac.digest(secret, b"110101194001060001", "sha256")
        assert ("+", expected, "subsistence") in lines
        assert len(lines) == 3

        # Version 2: one person leaves, one changes dates, one comes.
        publish(
            server,
            hall_name,
            [
                "110101194001060001,低保,2024-01-01,2030-12-31",
                "11010119400106001X,elderly,,",
                "110101194001080002,特困,,",
            ],
        )
        answer, delta = _fetch(kiosk, "/roster/delta?since=1")
        assert answer.headers["x-roster-version"] == "2"
        assert [op for op, _, _ in delta] == ["-", "-", "+", "+"]
        assert ("-", expected, "subsistence") in delta and ("+", expected, "subsistence") in delta
        _, nothing = _fetch(kiosk, "/roster/delta?since=2")
        assert nothing == []
        assert kiosk.get("/roster/delta?since=7").json()["error"] == "snapshot_required"

        # A new key: old versions cannot be patched, the kiosk fetches a snapshot.
        publish(server, hall_name, PEOPLE, new_key=True)
        assert kiosk.get("/roster/delta?since=2").status_code == 409
        new_key = kiosk.get("/roster/key").json()
        assert new_key["key_id"] != key.json()["key_id"]
    with server.client(tokens["c1"]) as counter:
        assert counter.get("/roster/key").status_code == 403
    # The key never shows up in the server's log.
    assert key.json()["key_b64"] not in server.log()
    assert new_key["key_b64"] not in server.log()


def test_a_bad_file_publishes_nothing_and_says_which_line(
    server: HallServer, hall_name: str
) -> None:
    server.new_hall(hall_name)
    publish(server, hall_name, PEOPLE)
    with pytest.raises(RosterImportError) as caught:
        publish(server, hall_name, [*PEOPLE, "110101194001060002,低保,,", "123,elderly,,"])
    assert [e.line for e in caught.value.errors] == [5, 6]
    assert "110101194001060002" not in str(caught.value.errors)  # masked
    from hall.usecases.halls import hall_id
    from hall.usecases.roster import roster_meta

    assert roster_meta(server.db, hall_id(server.db, hall_name)).version == 1


def test_publish_is_atomic_for_readers(server: HallServer, hall_name: str) -> None:
    """While version 2 (2,000 entries) is published, readers see version 1 or 2 whole."""
    tokens = server.new_hall(hall_name)
    publish(server, hall_name, PEOPLE)
    from tests.hall.numbers import valid_numbers

    big = [f"{n},elderly,," for n in valid_numbers(2000)]
    seen: list[tuple[int, int]] = []
    stop = threading.Event()

    def read() -> None:
        with server.client(tokens["k1"]) as kiosk:
            while not stop.is_set():
                answer, lines = _fetch(kiosk, "/roster/snapshot")
                seen.append((int(answer.headers["x-roster-version"]), len(lines)))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        publish(server, hall_name, big)
    finally:
        stop.set()
        reader.join()
    with server.client(tokens["k1"]) as kiosk:
        answer, lines = _fetch(kiosk, "/roster/snapshot")
        seen.append((int(answer.headers["x-roster-version"]), len(lines)))
    assert set(seen) <= {(1, 3), (2, 2000)}
    assert seen[-1] == (2, 2000)


def test_cli_import_reports_line_errors(server: HallServer, hall_name: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    server.new_hall(hall_name)
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + PEOPLE[0] + "\n123,elderly,,\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "hall", "--database-url", server.database_url, "--key-dir",
         str(server.key_dir), "roster", "import", hall_name, str(path)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert "line 3" in result.stderr
