"""Scanned text is not proof of identity: only chip readers and hall-signed codes count."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from idreader.card import parse_scanned_line
from idreader.testing import make_id_number
from kiosk.domain.clock import ManualClock
from kiosk.domain.eligibility import AgeRule
from kiosk.services.green_channel import SCANNABLE_CODE, GreenChannelRules, GreenChannelService
from kiosk.store.db import open_database
from kiosk.store.keystore import FileKeyStore
from roster.categories import Category
from roster.priority_card import issue_code, load_public_keys, new_private_key, public_key_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
BORN_1940 = make_id_number(date(1940, 2, 3), sequence=11)  # invented by anyone: "aged 86"
YOUNG = make_id_number(date(1990, 2, 3), sequence=12)
HALL_KEY = new_private_key()
KEYS = load_public_keys({"hall27": public_key_text(HALL_KEY)})


@pytest.fixture
def green(qtbot, tmp_path: Path):
    def make(**rules) -> GreenChannelService:
        db = open_database(tmp_path / "kiosk.db", keys=FileKeyStore(tmp_path / "keys"))
        clock = ManualClock(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI))
        service = GreenChannelService(
            db, clock, GreenChannelRules(AgeRule(True, 60), priority_card_keys=KEYS, **rules)
        )
        made.append((service, db))
        return service

    made: list = []
    yield make
    for service, db in made:
        service.shutdown()
        db.close()


def scan(qtbot, service: GreenChannelService, text: str):
    """What the line reader would deliver for ``text``, identified; (ident, failure key)."""
    code = parse_scanned_line(text, service_code_pattern=SCANNABLE_CODE)
    outcome: dict[str, object] = {}
    service.identified.connect(lambda ident: outcome.setdefault("ident", ident))
    service.identification_failed.connect(lambda key: outcome.setdefault("failed", key))
    service.identify_card(code)
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    return outcome.get("ident"), outcome.get("failed")


def test_a_scanner_never_gives_priority_for_a_bare_number(qtbot, green):
    ident, failed = scan(qtbot, green(), BORN_1940)
    assert ident is None and failed == "unsigned_scan"


def test_a_chip_reader_typing_the_number_is_trusted(qtbot, green):
    ident, failed = scan(qtbot, green(trust_scanned_numbers=True), BORN_1940)
    assert failed is None and ident.decision.eligible and ident.decision.reason == "age"


def test_a_hall_signed_card_gives_priority_by_its_category(qtbot, green):
    code = issue_code(HALL_KEY, "hall27", YOUNG, Category.SUBSISTENCE, date(2027, 1, 1))
    ident, failed = scan(qtbot, green(), code)
    assert failed is None
    assert ident.decision.eligible and ident.decision.category == "subsistence"
    assert ident.source == "scan"


def test_an_expired_signed_card_gives_no_priority(qtbot, green):
    code = issue_code(HALL_KEY, "hall27", YOUNG, Category.SUBSISTENCE, date(2026, 1, 1))
    ident, failed = scan(qtbot, green(), code)
    assert failed is None and not ident.decision.eligible
    assert ident.decision.reason == "roster_expired"


def test_a_code_signed_by_another_key_is_refused(qtbot, green):
    code = issue_code(new_private_key(), "hall27", BORN_1940, Category.ELDERLY, None)
    ident, failed = scan(qtbot, green(), code)
    assert ident is None and failed == "bad_priority_card"
