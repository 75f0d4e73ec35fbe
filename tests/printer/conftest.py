"""Fixtures for the printer tests: the bundled fonts and a TCP printer on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from printer.ticket import TicketFonts
from tests.printer.escpos_stream import TcpPrinter

# tests/conftest.py points python-escpos's capability cache at .pytest_cache/escpos, which
# does not exist in a fresh clone; escpos cannot create it and fails on import.
os.makedirs(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"], exist_ok=True)

FONTS_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"


@pytest.fixture(scope="session")
def fonts() -> TicketFonts:
    return TicketFonts.from_dir(FONTS_DIR)


@pytest.fixture
def tcp_printer() -> Iterator[TcpPrinter]:
    server = TcpPrinter().start()
    try:
        yield server
    finally:
        server.stop()
