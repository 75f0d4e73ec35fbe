"""A whole kiosk for UI tests (see kiosk.testing): fakes only at the hardware edge."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.testing import KioskRig, build_rig


@pytest.fixture
def rig_factory(tmp_path: Path, qtbot):
    built: list[KioskRig] = []

    def make(**options) -> KioskRig:
        rig = build_rig(tmp_path / f"kiosk{len(built)}", **options)
        qtbot.addWidget(rig.window)
        rig.window.resize(1920, 1080)
        rig.window.show()
        rig.kiosk.start()
        built.append(rig)
        return rig

    yield make
    for rig in built:
        rig.kiosk.shutdown()


@pytest.fixture
def rig(rig_factory) -> KioskRig:
    return rig_factory()
