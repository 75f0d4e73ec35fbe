"""`kiosk check`: one command for the technician that tries every part of the kiosk.

Each check says OK, WARN or FAIL with a line of explanation, and every WARN or FAIL says
how to fix it (a ``fix:`` line). The first, ``config``, is the
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
    #: What the technician does about a WARN or FAIL.
    fix: str = ""


def _database(loaded: LoadedConfig) -> CheckResult:
    from kiosk.storage import open_kiosk_database
    from kiosk.store.db import StoreError
    from kiosk.store.outbox import unsent_count
    from kiosk.store.roster import roster_info, roster_key_problem

    path = loaded.database_path
    try:
        db = open_kiosk_database(loaded)
    except StoreError as e:
        return CheckResult("database", "FAIL", _first_line(e), _DATABASE_FIX)
    try:
        try:
            roster = roster_info(db)
            waiting = unsent_count(db)
            key_problem = roster_key_problem(db)
            keys = db.keys.location
        except StoreError as e:
            return CheckResult(
                "database", "FAIL", f"{path}: cannot be read: {_first_line(e)}", _DATABASE_FIX
            )
        try:
            db.check_writable()
        except StoreError as e:
            if "locked" in str(e):
                return CheckResult(
                    "database",
                    "WARN",
                    f"{path}: busy, another program holds the write lock",
                    "run the check again when the kiosk is idle, or stop the kiosk first",
                )
            return CheckResult(
                "database",
                "FAIL",
                f"{path}: cannot be written, no ticket can be issued ({_first_line(e)})",
                "the kiosk's user must own the data folder and the database"
                " (Linux: chown -R kiosk: /var/lib/lobby-kiosk); free disk space",
            )
    finally:
        db.close()
    if key_problem:
        return CheckResult(
            "database",
            "FAIL",
            f"{path}: {key_problem}",
            "import the roster again (`kiosk roster import FILE`): it makes a new key",
        )
    roster_text = (
        f"roster version {roster.version} ({roster.entries} entries)"
        if roster
        else "no roster installed"
    )
    detail = f"{path}; {roster_text}; {waiting} event(s) waiting for the server; keys in {keys}"
    if not roster:
        return CheckResult(
            "database", "WARN", detail, "import the roster: `kiosk roster import FILE`"
        )
    return CheckResult("database", "OK", detail)


_DATABASE_FIX = (
    "see the message; a damaged file: stop the kiosk, move kiosk.db aside and restore the"
    " backup (docs/technician-guide.md, Troubleshooting)"
)


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def _config(loaded: LoadedConfig) -> CheckResult:
    """The same validation start-up runs (the config file itself was checked on loading)."""
    from kiosk.config import ConfigError, validate_for_start

    try:
        catalogue = validate_for_start(loaded)
    except ConfigError as e:
        return CheckResult(
            "config", "FAIL", str(e), "correct the key named above, then `kiosk config check`"
        )
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
        return CheckResult(
            "fonts",
            "FAIL",
            f"CJK fonts missing in {paths.fonts_dir()}",
            "reinstall the kiosk package (the fonts ship with it)",
        )
    return CheckResult("fonts", "OK", ", ".join(fonts))


def _printer(loaded: LoadedConfig) -> CheckResult:
    from kiosk.app import build_printer
    from printer.diagnostics import STATUS_ADVICE, read_status
    from printer.errors import PrinterError

    try:
        device = build_printer(loaded)
    except PrinterError as e:
        return CheckResult("printer", "FAIL", str(e), _PRINTER_FIX)
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
    return CheckResult("printer", level, detail, "" if level == "OK" else _PRINTER_FIX)


_PRINTER_FIX = (
    "power, paper and cable; then the [printer] section (transport, port or USB ids) and"
    " `kiosk printer test`"
)


def _reader(loaded: LoadedConfig) -> CheckResult:
    reader = loaded.config.reader
    if reader.mode == "off":
        return CheckResult(
            "ID reader",
            "WARN",
            "switched off: no green channel by card",
            'set reader.mode = "serial" (or "line") if this kiosk has a reader',
        )
    if reader.mode == "simulator":
        return CheckResult("ID reader", "OK", "simulator (demo)")
    from idreader.transport import list_serial_ports

    if reader.mode == "line":
        return CheckResult(
            "ID reader",
            "OK" if reader.port else "WARN",
            f"line mode on {reader.port or '(no port configured)'}",
            "" if reader.port else "set reader.port",
        )
    from idreader.reader import probe_port

    candidates = [reader.port] if reader.port else list_serial_ports()
    baudrate = reader.baudrate or 115200
    for port in candidates:
        if probe_port(port, baudrate):
            return CheckResult("ID reader", "OK", f"reader answers on {port}")
    tried = ", ".join(candidates) or "no serial ports found"
    return CheckResult(
        "ID reader",
        "FAIL",
        f"no reader answered ({tried})",
        "plug the reader in (USB) and power it; set reader.port (Linux /dev/ttyUSB0, Windows"
        " COM3: see Device Manager); Linux: the kiosk user must be in the dialout group",
    )


def _voice(loaded: LoadedConfig) -> CheckResult:
    from kiosk.domain.spoken import prompt_text
    from kiosk.services.speech import SpeechError, VoiceSettings, save_wav

    voice = loaded.config.voice
    if not voice.enabled:
        return CheckResult(
            "voice", "WARN", "switched off in config", "set voice.enabled = true for prompts"
        )
    settings = VoiceSettings(voice_zh=voice.voice_zh, voice_en=voice.voice_en)
    with tempfile.TemporaryDirectory() as folder:
        try:
            save_wav(prompt_text("welcome", "zh"), "zh", Path(folder) / "check.wav", settings)
        except (SpeechError, ValueError, OSError) as e:
            return CheckResult(
                "voice",
                "FAIL",
                f"no Chinese speech: {e}",
                "Linux: apt install espeak-ng; Windows: Settings > Time & language > Speech,"
                " add the Chinese (Simplified) voice",
            )
    return CheckResult("voice", "OK", "Chinese prompt synthesised")


def _disk_encryption(loaded: LoadedConfig) -> CheckResult:
    """The roster lists low-income people: a stolen disk must be unreadable."""
    from kiosk.volume import data_encryption

    found = data_encryption(loaded.data_dir)
    if found.encrypted:
        return CheckResult("disk encryption", "OK", found.detail)
    return CheckResult("disk encryption", "WARN", found.detail, found.fix)


def _server(loaded: LoadedConfig) -> CheckResult:
    """The hall server answers, accepts this kiosk's token, and agrees on the time."""
    server = loaded.config.server
    if not server.url:
        return CheckResult("hall server", "OK", "none configured: stand-alone kiosk")
    from sync.probe import probe_server

    token = server.token
    probe = probe_server(server.url, token, timeout_s=server.timeout_s)
    if not probe.reachable:
        return CheckResult(
            "hall server",
            "FAIL",
            probe.detail,
            "network cable / Wi-Fi; server.url (http://HALL-PC:PORT); is `hall serve`"
            " running on the hall PC, and its port open in that PC's firewall?",
        )
    skew = "" if probe.clock_skew_s is None else f"; clock difference {probe.clock_skew_s:+.1f} s"
    if probe.token_accepted is False:
        return CheckResult(
            "hall server",
            "FAIL",
            probe.detail + skew,
            "put the token the hall server issued for this kiosk id into server.token",
        )
    if probe.clock_skew_s is not None and abs(probe.clock_skew_s) > MAX_CLOCK_SKEW_S:
        return CheckResult(
            "hall server",
            "FAIL",
            f"{probe.detail}; this PC's clock is {probe.clock_skew_s:+.0f} s off the server's",
            "set the clock: Linux `timedatectl set-ntp true`; Windows `w32tm /resync`"
            " (and check the time zone: kiosk.timezone or the PC's)",
        )
    if probe.token_accepted is None:
        return CheckResult(
            "hall server",
            "WARN",
            probe.detail + skew + "; the token was not tried",
            "set server.token (issued by the hall server for this kiosk)",
        )
    return CheckResult("hall server", "OK", probe.detail + skew)


#: More than this between the kiosk's clock and the server's fails the check: tickets
#: would carry wrong times and counters could restart at the wrong midnight.
MAX_CLOCK_SKEW_S = 30.0

#: Free space below which the check fails (a day of tickets, logs and a roster import
#: need well under this), and below which it warns.
MIN_FREE_BYTES = 200 * 1024 * 1024
LOW_FREE_BYTES = 1024 * 1024 * 1024


def _free_disk(loaded: LoadedConfig) -> CheckResult:
    import shutil

    folder = loaded.data_dir
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    detail = f"{free / 1024**3:.1f} GB free for {loaded.data_dir}"
    fix = "free space (old logs, downloads) or give the data folder a bigger disk"
    if free < MIN_FREE_BYTES:
        return CheckResult("free disk", "FAIL", detail, fix)
    if free < LOW_FREE_BYTES:
        return CheckResult("free disk", "WARN", detail, fix)
    return CheckResult("free disk", "OK", detail)


def _libusb(loaded: LoadedConfig) -> CheckResult:
    """USB printers need libusb-1.0 (shipped with the kiosk; else the system's)."""
    from printer.usbbackend import usb_backend

    found = usb_backend()
    uses_usb = loaded.config.printer.transport == "usb"
    if found.found:
        return CheckResult("libusb", "OK", found.source)
    if not uses_usb:
        return CheckResult(
            "libusb", "OK", f"not needed (printer.transport is not usb); {found.source}"
        )
    return CheckResult(
        "libusb",
        "FAIL",
        found.source,
        "reinstall the kiosk package (it ships libusb); Debian: apt install libusb-1.0-0",
    )


CHECKS: tuple[Callable[[LoadedConfig], CheckResult], ...] = (
    _config,
    _database,
    _fonts,
    _libusb,
    _printer,
    _reader,
    _voice,
    _disk_encryption,
    _free_disk,
    _server,
)


def run_checks(loaded: LoadedConfig) -> list[CheckResult]:
    results = []
    for check in CHECKS:
        try:
            results.append(check(loaded))
        except Exception as e:  # a check must report, never crash the checker
            results.append(
                CheckResult(
                    check.__name__.strip("_"),
                    "FAIL",
                    f"check crashed: {e}",
                    "send a support bundle (`kiosk support-bundle`) to the kiosk's supplier",
                )
            )
    return results


def report(results: list[CheckResult]) -> str:
    width = max(len(r.name) for r in results)
    lines = []
    for r in results:
        lines.append(f"{r.level:<4}  {r.name:<{width}}  {r.detail}")
        if r.fix and r.level != "OK":
            lines.append(f"{'':<4}  {'':<{width}}  fix: {r.fix}")
    return "\n".join(lines)
