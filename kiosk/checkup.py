"""`kiosk check`: one command for the technician that tries every part of the kiosk.

Each check says OK, WARN or FAIL with a line of explanation. The first, ``config``, is the
validation start-up runs (:func:`kiosk.config.validate_for_start`); the exit status is 2 if
it failed, else 1 if anything failed. Nothing here changes the roster, the ticket counters
or any other data (the database check takes the write lock and rolls back at once).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import LoadedConfig


@dataclass(frozen=True)
class CheckResult:
    name: str
    level: str  # OK | WARN | FAIL
    detail: str


def _database(loaded: LoadedConfig) -> CheckResult:
    from kiosk.storage import open_kiosk_database
    from kiosk.store.db import StoreError
    from kiosk.store.outbox import unsent_count
    from kiosk.store.roster import roster_info, roster_key_problem

    path = loaded.database_path
    try:
        db = open_kiosk_database(loaded)
    except StoreError as e:
        return CheckResult("database", "FAIL", _first_line(e))
    try:
        try:
            roster = roster_info(db)
            waiting = unsent_count(db)
            key_problem = roster_key_problem(db)
            keys = db.keys.location
        except StoreError as e:
            return CheckResult("database", "FAIL", f"{path}: cannot be read: {_first_line(e)}")
        try:
            db.check_writable()
        except StoreError as e:
            if "locked" in str(e):
                return CheckResult(
                    "database", "WARN", f"{path}: busy, another program holds the write lock"
                )
            return CheckResult(
                "database",
                "FAIL",
                f"{path}: cannot be written, no ticket can be issued ({_first_line(e)})",
            )
    finally:
        db.close()
    if key_problem:
        return CheckResult("database", "FAIL", f"{path}: {key_problem}")
    roster_text = (
        f"roster version {roster.version} ({roster.entries} entries)"
        if roster
        else "no roster installed"
    )
    detail = f"{path}; {roster_text}; {waiting} event(s) waiting for the server; keys in {keys}"
    return CheckResult("database", "OK" if roster else "WARN", detail)


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def _config(loaded: LoadedConfig) -> CheckResult:
    """The same validation start-up runs (the config file itself was checked on loading)."""
    from kiosk.config import ConfigError, validate_for_start

    try:
        catalogue = validate_for_start(loaded)
    except ConfigError as e:
        return CheckResult("config", "FAIL", str(e))
    return CheckResult(
        "config",
        "OK",
        f"{loaded.source or 'demo defaults'}; catalogue {loaded.catalogue_path}:"
        f" {len(catalogue)} services ({catalogue.version})",
    )


def _fonts(_loaded: LoadedConfig) -> CheckResult:
    from kiosk import paths

    fonts = sorted(p.name for p in paths.fonts_dir().glob("*.otf"))
    if len(fonts) < 2:
        return CheckResult("fonts", "FAIL", f"CJK fonts missing in {paths.fonts_dir()}")
    return CheckResult("fonts", "OK", ", ".join(fonts))


def _printer(loaded: LoadedConfig) -> CheckResult:
    from kiosk.app import build_printer
    from printer.diagnostics import STATUS_ADVICE, read_status
    from printer.errors import PrinterError

    try:
        device = build_printer(loaded)
    except PrinterError as e:
        return CheckResult("printer", "FAIL", str(e))
    try:
        reading = read_status(device)
    finally:
        device.close()
    advice = STATUS_ADVICE[reading.status][1]
    if not reading.status.can_print():
        level = "FAIL"
    elif reading.status.needs_attention() or reading.status.value == "unknown":
        level = "WARN"
    else:
        level = "OK"
    detail = f"{loaded.config.printer.transport}: {advice}"
    if reading.detail and reading.detail != advice:
        detail += f" ({reading.detail})"
    return CheckResult("printer", level, detail)


def _reader(loaded: LoadedConfig) -> CheckResult:
    reader = loaded.config.reader
    if reader.mode == "off":
        return CheckResult("ID reader", "WARN", "switched off: no green channel by card")
    if reader.mode == "simulator":
        return CheckResult("ID reader", "OK", "simulator (demo)")
    from idreader.transport import list_serial_ports

    if reader.mode == "line":
        return CheckResult(
            "ID reader",
            "OK" if reader.port else "WARN",
            f"line mode on {reader.port or '(no port configured)'}",
        )
    from idreader.reader import probe_port

    candidates = [reader.port] if reader.port else list_serial_ports()
    baudrate = reader.baudrate or 115200
    for port in candidates:
        if probe_port(port, baudrate):
            return CheckResult("ID reader", "OK", f"reader answers on {port}")
    tried = ", ".join(candidates) or "no serial ports found"
    return CheckResult("ID reader", "FAIL", f"no reader answered ({tried})")


def _voice(loaded: LoadedConfig) -> CheckResult:
    from kiosk.domain.spoken import prompt_text
    from kiosk.services.speech import SpeechError, VoiceSettings, save_wav

    voice = loaded.config.voice
    if not voice.enabled:
        return CheckResult("voice", "WARN", "switched off in config")
    settings = VoiceSettings(voice_zh=voice.voice_zh, voice_en=voice.voice_en)
    with tempfile.TemporaryDirectory() as folder:
        try:
            save_wav(prompt_text("welcome", "zh"), "zh", Path(folder) / "check.wav", settings)
        except (SpeechError, ValueError, OSError) as e:
            return CheckResult("voice", "FAIL", f"no Chinese speech: {e}")
    return CheckResult("voice", "OK", "Chinese prompt synthesised")


def _disk_encryption(loaded: LoadedConfig) -> CheckResult:
    """The roster lists low-income people: a stolen disk must be unreadable."""
    from kiosk.volume import data_encryption

    found = data_encryption(loaded.data_dir)
    if found.encrypted:
        return CheckResult("disk encryption", "OK", found.detail)
    return CheckResult("disk encryption", "WARN", f"{found.detail}; fix: {found.fix}")


def _server(loaded: LoadedConfig) -> CheckResult:
    if not loaded.config.server.url:
        return CheckResult("hall server", "OK", "none configured: stand-alone kiosk")
    return CheckResult("hall server", "WARN", "configured, but sync is not in this version yet")


CHECKS: tuple[Callable[[LoadedConfig], CheckResult], ...] = (
    _config,
    _database,
    _fonts,
    _printer,
    _reader,
    _voice,
    _disk_encryption,
    _server,
)


def run_checks(loaded: LoadedConfig) -> list[CheckResult]:
    results = []
    for check in CHECKS:
        try:
            results.append(check(loaded))
        except Exception as e:  # a check must report, never crash the checker
            results.append(CheckResult(check.__name__.strip("_"), "FAIL", f"check crashed: {e}"))
    return results


def report(results: list[CheckResult]) -> str:
    width = max(len(r.name) for r in results)
    return "\n".join(f"{r.level:<4}  {r.name:<{width}}  {r.detail}" for r in results)
