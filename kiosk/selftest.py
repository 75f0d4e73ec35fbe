"""`kiosk --self-test`: does this build of the kiosk work on this PC?

Meant for the frozen app (PyInstaller leaves out what it cannot see being imported: a
data file, a driver loaded by name, a plugin found by entry point), and harmless from
source. Every step runs in a scratch folder, never on the kiosk's own config, database,
keys or printer:

- config: the example config parses; a scratch config loads and validates (catalogue);
- keyring: the OS secret store backends are in the build;
- database: a scratch database is created and migrated to the newest revision (Alembic
  scripts read from the bundle), and takes the write lock;
- ticket: a ticket rendered and encoded in image and in native mode, through the preview
  printer (PNG + ESC/POS bytes);
- libusb: pyusb's backend for USB printers is found (shipped in the bundle);
- reader: a card read from the reader simulator over a pseudo-terminal (pyserial);
- voice: a Chinese prompt spoken to a WAV file (pyttsx3's driver, espeak-ng / SAPI5);
- roster: a small roster checked and hashed in worker processes (the frozen app is its
  own worker: ``--roster-worker``), the result equal to one process's;
- screen: Qt starts (offscreen when there is no display) and lays out a widget.

Exit status 0 when every step passed; otherwise 1, and the failed steps are named.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from kiosk.checkup import CheckResult, report
from kiosk.config import LoadedConfig

log = logging.getLogger(__name__)

Step = Callable[[Path, LoadedConfig], str]

_SCRATCH_CONFIG = """\
[kiosk]
id = "K99"
data_dir = "{data}"
log_dir = "{logs}"
fullscreen = false
hide_pointer = false

[printer]
transport = "preview"

[reader]
mode = "simulator"
"""


class SelfTestFailure(Exception):
    """A step found something wrong; the message says what."""


def _scratch_config(folder: Path) -> LoadedConfig:
    from kiosk.config import EXAMPLE_CONFIG, load_config, parse_config, validate_for_start

    parse_config(EXAMPLE_CONFIG, Path("example config"))
    path = folder / "kiosk.toml"
    path.write_text(
        _SCRATCH_CONFIG.format(
            data=(folder / "data").as_posix(), logs=(folder / "logs").as_posix()
        ),
        encoding="utf-8",
    )
    loaded = replace(load_config(path), key_folder=folder / "keys")
    validate_for_start(loaded)
    return loaded


def _keyring(_folder: Path, _loaded: LoadedConfig) -> str:
    from importlib.metadata import entry_points

    from kiosk.store.keystore import os_secret_store

    plugins = sorted(e.name for e in entry_points(group="keyring.backends"))
    if not plugins:
        raise SelfTestFailure("no keyring backends (package metadata missing from the build)")
    if sys.platform == "win32":
        import keyring.backends.Windows
    else:
        import keyring.backends.SecretService  # noqa: F401
    _backend, why = os_secret_store()
    return f"backends {', '.join(plugins)}; here: {why}"


def _database(_folder: Path, loaded: LoadedConfig) -> str:
    from kiosk.storage import open_kiosk_database
    from kiosk.store.migrate import current_revision, head_revision

    db = open_kiosk_database(loaded)
    try:
        revision = current_revision(db.engine)
        db.check_writable()
    finally:
        db.close()
    if revision != head_revision():
        raise SelfTestFailure(f"migrated to {revision}, newest is {head_revision()}")
    return f"scratch database migrated to {revision}"


def _ticket(_folder: Path, loaded: LoadedConfig) -> str:
    from kiosk import app
    from printer.diagnostics import run_printer_test

    printed, text = run_printer_test(
        lambda mode: app.build_printer(loaded, mode), kiosk_id=loaded.config.kiosk.id
    )
    if not printed:
        raise SelfTestFailure(text.replace("\n", "; "))
    pngs = sorted(loaded.preview_dir.glob("*.png"))
    jobs = sorted(loaded.preview_dir.glob("*.bin"))
    if len(pngs) < 2 or len(jobs) < 2:
        raise SelfTestFailure(f"expected 2 tickets in {loaded.preview_dir}, found {len(pngs)}")
    sizes = ", ".join(f"{p.stat().st_size} B" for p in jobs)
    return f"image and native tickets rendered and encoded (ESC/POS {sizes})"


def _libusb(_folder: Path, _loaded: LoadedConfig) -> str:
    from printer.usbbackend import usb_backend

    found = usb_backend()
    if not found.found:
        raise SelfTestFailure(found.source)
    return found.source


def _reader(_folder: Path, _loaded: LoadedConfig) -> str:
    from idreader.reader import SerialCardReader
    from idreader.simulator import ReaderSimulator
    from idreader.testing import make_card

    if sys.platform == "win32":  # the simulator needs a pseudo-terminal
        from idreader.transport import check_port_url

        check_port_url("loop://")  # pyserial's URL handlers are in the build
        return "no pseudo-terminals on Windows: `kiosk check` probes the real reader"
    cards: queue.Queue[object] = queue.Queue()
    with ReaderSimulator() as sim:
        reader = SerialCardReader(sim.port, on_card=cards.put, poll_interval_s=0.05)
        reader.start()
        try:
            laid = sim.lay(make_card())
            try:
                got = cards.get(timeout=10)
            except queue.Empty:
                raise SelfTestFailure(
                    f"no card read from the simulator on {sim.port} within 10 s"
                ) from None
        finally:
            reader.stop()
    if got != laid:
        raise SelfTestFailure("the card read differs from the card laid")
    return f"card read from the simulator over a pseudo-terminal ({sim.port})"


def _voice(folder: Path, _loaded: LoadedConfig) -> str:
    from kiosk.domain.spoken import prompt_text
    from kiosk.services.speech import VoiceSettings, save_wav

    wav = save_wav(prompt_text("welcome", "zh"), "zh", folder / "welcome.wav", VoiceSettings())
    return f"Chinese prompt spoken to a WAV ({wav.stat().st_size} bytes)"


def _roster(folder: Path, _loaded: LoadedConfig) -> str:
    from idreader.testing import make_id_number
    from roster.format import hash_roster_file

    path = folder / "roster.csv"
    rows = ["id_number,category,valid_to"]
    for i in range(2000):
        number = make_id_number(date(1940 + i // 100, 1 + i % 12, 1 + i % 28), sequence=i % 100)
        rows.append(f"{number},{'低保' if i % 2 else 'elderly'},")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    key = b"k" * 32
    today = date(2026, 1, 1)
    seen = _ProcessCount()
    roster_log = logging.getLogger("roster.format")
    level, propagate = roster_log.level, roster_log.propagate
    roster_log.addHandler(seen)
    roster_log.setLevel(logging.INFO)
    roster_log.propagate = False
    try:
        parts = list(hash_roster_file(path, key, today=today, workers=2, part_bytes=8192))
    finally:
        roster_log.removeHandler(seen)
        roster_log.setLevel(level)
        roster_log.propagate = propagate
    single = list(hash_roster_file(path, key, today=today, workers=1))
    entries = sorted(e for p in parts for e in p.entries)
    if seen.processes < 2:
        raise SelfTestFailure("the roster was read in one process, not in worker processes")
    if entries != sorted(e for p in single for e in p.entries) or len(entries) != 2000:
        raise SelfTestFailure(f"worker processes gave {len(entries)} entries, not the 2000 rows")
    return f"2000 rows hashed in {len(parts)} parts by {seen.processes} worker processes"


class _ProcessCount(logging.Handler):
    """Hears roster.format say how many worker processes it started."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.processes = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "reading %s in %d parts with %d processes":
            assert isinstance(record.args, tuple)
            self.processes = int(str(record.args[2]))


def _screen(_folder: Path, _loaded: LoadedConfig) -> str:
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(["kiosk"])
    assert isinstance(app, QApplication)
    label = QLabel("取号 Take a ticket")
    label.adjustSize()
    if label.width() <= 0:
        raise SelfTestFailure("Qt laid out an empty widget")
    return f"Qt {app.platformName()} platform, widgets laid out"


STEPS: tuple[tuple[str, Step], ...] = (
    ("keyring", _keyring),
    ("database", _database),
    ("ticket", _ticket),
    ("libusb", _libusb),
    ("reader", _reader),
    ("voice", _voice),
    ("roster", _roster),
    ("screen", _screen),
)


def run_self_test(
    steps: tuple[tuple[str, Step], ...] = STEPS, out: Callable[[str], None] = print
) -> int:
    """Run every step in a scratch folder; print one line each; 0 if all passed."""
    results: list[CheckResult] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-self-test-") as scratch:
        folder = Path(scratch)
        if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:  # escpos's cache: here
            (folder / "escpos").mkdir()
            os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder / "escpos")
        try:
            loaded = _scratch_config(folder)
        except Exception as e:
            results.append(CheckResult("config", "FAIL", _why(e)))
        else:
            results.append(CheckResult("config", "OK", f"{loaded.source} loads and validates"))
            for name, step in steps:
                started = time.perf_counter()
                try:
                    detail = step(folder, loaded)
                except Exception as e:  # every failure is reported, none stops the rest
                    log.info("self-test step %s failed", name, exc_info=e)
                    results.append(CheckResult(name, "FAIL", _why(e)))
                    continue
                took = time.perf_counter() - started
                results.append(CheckResult(name, "OK", f"{detail} ({took:.2f} s)"))
    out(report(results))
    failed = [r.name for r in results if r.level == "FAIL"]
    frozen = "frozen app" if getattr(sys, "frozen", False) else "from source"
    if failed:
        out(f"self-test FAILED ({frozen}): {', '.join(failed)}")
        return 1
    out(f"self-test passed ({frozen}): {len(results)} steps")
    return 0


def _why(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if not isinstance(error, SelfTestFailure) else text
