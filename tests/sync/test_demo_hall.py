"""Demo mode's hall server: started in the demo's data folder, the demo kiosk registered,
an L ticket from the demo kiosk reaches its helper alerts."""

from __future__ import annotations

from pathlib import Path

import httpx

from kiosk.config import KioskSection, LoadedConfig, demo_config
from kiosk.demo_hall import DEMO_PASSWORD, DEMO_USER, with_demo_hall
from kiosk.domain.clock import SystemClock
from kiosk.domain.ticket import TicketRequest
from kiosk.services.sync_engine import open_engine
from kiosk.store import tickets as ticket_store
from kiosk.store.db import open_database
from tests.sync.conftest import kiosk_catalogue


def test_demo_starts_its_hall_and_an_l_ticket_reaches_it(tmp_path: Path, capsys, caplog) -> None:  # type: ignore[no-untyped-def]
    config = demo_config().model_copy(
        update={"kiosk": KioskSection(data_dir=tmp_path / "data", log_dir=tmp_path / "logs")}
    )
    caplog.set_level("INFO", logger="kiosk.demo_hall")
    loaded, hall = with_demo_hall(LoadedConfig(config=config, source=None, demo=True))
    assert hall is not None
    try:
        assert hall.folder == tmp_path / "data" / "hall" and (hall.folder / "hall.db").exists()
        assert loaded.config.server.url == hall.url.rstrip("/")
        assert hall.url.startswith("http://127.0.0.1:")
        printed = capsys.readouterr().out
        assert f"{hall.url}/docs" in printed and "/api/v1/alerts" in printed
        db = open_database(tmp_path / "data" / "kiosk.db")
        engine = open_engine(loaded, db, SystemClock(), kiosk_catalogue())
        engine.ensure_leases()
        request = TicketRequest("medical_insurance", "A", priority=True, category="elderly")
        ticket = ticket_store.issue_ticket(
            db, SystemClock(), request, kiosk_id="K01", open_local_blocks=False
        )
        engine.push()
        answer = httpx.get(
            f"{hall.url}/api/v1/alerts",
            headers={"Authorization": f"Bearer {hall.counter_token}"},
        )
        assert [a["number"] for a in answer.json()["alerts"]] == [ticket.number]
        engine.client.close()
        db.close()
        # The pages: the printed demo account logs in, the printed display link opens.
        assert f"{hall.url}{hall.display_path}" in printed and "/counter" in printed
        logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "kiosk.demo_hall")
        assert "hall display:" in logged
        assert "?token=" not in logged and hall.counter_token not in logged
        with httpx.Client(base_url=hall.url) as browser:
            browser.get("/login")
            form = {"name": DEMO_USER, "password": DEMO_PASSWORD}
            form["csrf_token"] = str(browser.cookies["hall_csrf"])
            assert browser.post("/login", data=form).status_code in (200, 303)
            page = browser.get("/helpers")
            assert page.status_code == 200 and "helpers" in page.text.lower()
            shown = browser.get(hall.display_path, follow_redirects=True)
            assert shown.status_code == 200 and "Demo hall" in shown.text
    finally:
        hall.shutdown()
    assert hall.process.poll() is not None
