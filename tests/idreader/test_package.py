"""Package rules: a light ``import idreader``, and no Qt, SQLAlchemy or kiosk anywhere."""

from __future__ import annotations

import subprocess
import sys

PURE = [
    "idreader",
    "idreader.errors",
    "idreader.idnumber",
    "idreader.card",
    "idreader.codec",
    "idreader.base",
    "idreader.wirelog",
    "idreader.lines",
    "idreader.fake",
    "idreader.testing",
]
ALL = [*PURE, "idreader.transport", "idreader.reader", "idreader.line_reader", "idreader.simulator"]


def loaded_after_import(modules: list[str]) -> set[str]:
    code = (
        "import sys\n"
        f"for name in {modules!r}: __import__(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return set(result.stdout.split())


def test_pure_modules_do_not_import_pyserial() -> None:
    loaded = loaded_after_import(PURE)
    assert "serial" not in loaded
    assert "idreader.reader" not in loaded and "idreader.transport" not in loaded


def test_nothing_imports_qt_sqlalchemy_requests_or_the_kiosk() -> None:
    loaded = loaded_after_import(ALL)
    assert "serial" in loaded  # the device modules did load
    forbidden = ("PySide6", "shiboken6", "sqlalchemy", "requests", "kiosk", "escpos")
    assert not [m for m in loaded if m.split(".")[0] in forbidden]
