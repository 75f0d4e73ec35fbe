"""Guards against a Qt binding that corrupts CPython's reference counts.

PySide6 6.12.0 on CPython 3.11 drops one reference to ``None`` on every call of a method
that returns nothing; a kiosk makes such calls all day, and the process aborts once
``None``'s count reaches zero. (On CPython 3.12+ ``None`` is immortal and this is moot.)
"""

import sys

from PySide6.QtWidgets import QLabel


def test_void_calls_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("A001")
        label.setVisible(False)
    assert sys.getrefcount(None) >= before - 50
