"""Demo mode end to end: demo cards go through the protocol simulator on a real pty and
the real serial reader; tickets land in the preview folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kiosk.app import build_kiosk, ensure_qapplication
from kiosk.config import KioskSection, LoadedConfig, PrinterSection, demo_config
from kiosk.domain.clock import ManualClock
from kiosk.services.speech import RecordingSpeaker
from kiosk.testing import SHANGHAI


@pytest.fixture
def demo_kiosk(tmp_path: Path, qtbot):
    def make(at: datetime = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)):
        ensure_qapplication()
        base = demo_config()
        config = base.model_copy(
            update={
                "kiosk": KioskSection(
                    fullscreen=False,
                    hide_pointer=False,
                    data_dir=tmp_path / "data",
                    log_dir=tmp_path / "logs",
                ),
                "printer": PrinterSection(transport="preview", preview_dir=tmp_path / "preview"),
            }
        )
        # Default: inside the catalogue's opening hours (a Monday morning in the hall).
        clock = ManualClock(at)
        kiosk = build_kiosk(
            LoadedConfig(config=config, source=None, demo=True, key_folder=tmp_path / "keys"),
            clock=clock,
            speaker=RecordingSpeaker(),
        )
        qtbot.addWidget(kiosk.window)
        kiosk.window.resize(1920, 1080)
        kiosk.window.show()
        kiosk.start()
        built.append(kiosk)
        return kiosk

    built = []
    yield make
    for kiosk in built:
        kiosk.shutdown()


def test_demo_card_over_the_simulated_reader_gets_an_l_ticket(qtbot, demo_kiosk):
    kiosk = demo_kiosk()
    w = kiosk.window
    demo = kiosk.extras[0]
    assert demo.simulator is not None  # the real protocol over a pty on this OS
    qtbot.waitUntil(lambda: kiosk.services.reader.state.is_online(), timeout=5000)
    with qtbot.waitSignal(kiosk.services.green.identified, timeout=10_000) as blocker:
        qtbot.mouseClick(w.demo_buttons[0], Qt.MouseButton.LeftButton)  # low-income card
    assert blocker.args[0].eligible and blocker.args[0].decision.category == "subsistence"
    with qtbot.waitSignal(kiosk.tickets.ticket_issued, timeout=10_000) as issued:
        qtbot.mouseClick(w.result_screen.grid.tiles["civil_affairs"], Qt.MouseButton.LeftButton)
    assert issued.args[0].ticket.number == "L001"
    assert list(kiosk.loaded.preview_dir.glob("L001-*.png"))


def test_demo_without_pseudo_terminals_falls_back_to_the_fake_reader(
    qtbot, demo_kiosk, monkeypatch
):
    import os

    monkeypatch.delattr(os, "openpty")  # as on Windows
    kiosk = demo_kiosk()
    w = kiosk.window
    assert kiosk.extras[0].simulator is None
    w.choose_service(kiosk.catalogue.by_code("medical_insurance"))
    with qtbot.waitSignal(kiosk.tickets.ticket_issued, timeout=10_000) as issued:
        qtbot.mouseClick(w.demo_buttons[1], Qt.MouseButton.LeftButton)  # aged 72
    assert issued.args[0].ticket.number == "L001"
    assert issued.args[0].ticket.priority


def test_demo_at_night_opens_every_service_and_in_hours_keeps_the_hours(qtbot, demo_kiosk):
    late = datetime(2026, 12, 3, 23, 30, tzinfo=SHANGHAI)
    night = demo_kiosk(late)
    assert all(s.availability(late).open for s in night.catalogue)
    day = demo_kiosk()
    assert any(s.hours for s in day.catalogue)  # the demo shows the hours when open
