"""Test-wide set-up: Qt runs offscreen so the suite works on a machine with no screen."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# python-escpos unpickles its capability cache into a fresh temp dir on every import
# unless this is set; keep it in one place for the whole run.
os.environ.setdefault(
    "ESCPOS_CAPABILITIES_PICKLE_DIR",
    os.path.join(os.path.dirname(__file__), "..", ".pytest_cache", "escpos"),
)
