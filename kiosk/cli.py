"""Command line: `kiosk` starts the kiosk; subcommands are for technicians and staff."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk import __version__, paths
from kiosk.config import (
    EXAMPLE_CONFIG,
    ConfigError,
    LoadedConfig,
    load_config,
    validate_for_start,
)
from kiosk.domain.catalogue import Catalogue
from kiosk.fileperm import private_dir
from kiosk.store.db import StoreError

log = logging.getLogger(__name__)

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Lobby ticket kiosk")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("--config", type=Path, help="config file (default: %(default)s)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="demo mode: simulated ID reader; with no config file also preview printer",
    )
    sub = parser.add_subparsers(dest="command")

    config = sub.add_parser("config", help="write or check the config file")
    config_sub = config.add_subparsers(dest="action", required=True)
    init = config_sub.add_parser("init", help="write a commented example config")
    init.add_argument("path", nargs="?", type=Path, help=f"default: {paths.default_config_path()}")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    config_sub.add_parser("check", help="validate the config and print the effective paths")

    sub.add_parser("check", help="try every part: database, catalogue, printer, reader, voice")

    printer = sub.add_parser("printer", help="printer checks for technicians")
    printer_sub = printer.add_subparsers(dest="action", required=True)
    printer_sub.add_parser(
        "test", help="print a status report and a test ticket in image and in native mode"
    )
    preview = printer_sub.add_parser("preview", help="render a sample ticket to PNG")
    preview.add_argument("--out", type=Path, default=Path("ticket-preview.png"))
    preview.add_argument("--priority", action="store_true")
    preview.add_argument("--width-mm", type=int, choices=(58, 80))
    preview.add_argument("--mode", choices=("image", "native"), help="default: printer.mode")

    roster = sub.add_parser("roster", help="green-channel roster for technicians")
    roster_sub = roster.add_subparsers(dest="action", required=True)
    imp = roster_sub.add_parser(
        "import", help="replace the roster with a CSV file (id_number, category, valid_to)"
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="only check the file")
    roster_sub.add_parser("info", help="show the roster in use")

    from kiosk import sync_cli

    sync_cli.add_parser(sub)

    pin = sub.add_parser("pin", help="staff PIN")
    pin_sub = pin.add_subparsers(dest="action", required=True)
    pin_set = pin_sub.add_parser("set", help="set the staff PIN in the config file")
    pin_set.add_argument("--print-only", action="store_true", help="print the hash line only")
    return parser


def _load(args: argparse.Namespace) -> LoadedConfig:
    return load_config(args.config, force_demo=args.demo)


def _config_init(args: argparse.Namespace) -> int:
    path: Path = args.path or paths.default_config_path()
    if path.exists() and not args.force:
        print(f"{path} already exists; use --force to overwrite", file=sys.stderr)
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def _config_check(loaded: LoadedConfig, catalogue: Catalogue) -> int:
    print(f"config:    {loaded.source or 'none (demo mode defaults)'}")
    print(f"database:  {loaded.database_path}")
    print(f"logs:      {loaded.log_dir}")
    print(f"catalogue: {loaded.catalogue_path} ({len(catalogue)} services)")
    print(f"printer:   {loaded.printer_settings.describe()}")
    print(f"reader:    {loaded.config.reader.mode}")
    print("OK")
    return 0


def _printer_command(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    from kiosk import app
    from printer.diagnostics import run_printer_test
    from printer.samples import sample_ticket

    if args.action == "preview":
        from printer.encoder import TicketEncoder
        from printer.settings import DEFAULT_PROFILES

        width_mm = args.width_mm or loaded.config.printer.paper_width_mm
        mode = args.mode or loaded.config.printer.mode
        encoder = TicketEncoder(
            DEFAULT_PROFILES[width_mm],
            app.ticket_fonts(),
            mode=mode,
            charset=loaded.config.printer.charset,
        )
        image = encoder.paper(encoder.encode(sample_ticket(priority=args.priority)))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        image.save(args.out)
        print(f"wrote {args.out} ({image.width}x{image.height} dots, {width_mm} mm paper, {mode})")
        return 0
    printed, report = run_printer_test(
        lambda mode: app.build_printer(loaded, mode), kiosk_id=loaded.config.kiosk.id
    )
    print(report)
    return 0 if printed else 1


def _roster_command(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    from kiosk.domain.clock import SystemClock
    from kiosk.storage import open_keys, open_kiosk_database
    from kiosk.store.db import open_database_for_reading
    from kiosk.store.roster import import_roster_file, roster_info
    from roster.format import RosterFileError

    busy_timeout_s = loaded.config.database.busy_timeout_s
    if args.action == "info":
        reader = open_database_for_reading(
            loaded.database_path, busy_timeout_s=busy_timeout_s, keys=open_keys(loaded)
        )
        if reader is None:
            print(f"no roster installed (no database yet at {loaded.database_path})")
            return 0
        try:
            info = roster_info(reader)
        finally:
            reader.close()
        if info is None:
            print("no roster installed")
        else:
            print(
                f"roster version {info.version} ({info.label}): {info.entries} entries,"
                f" installed {info.imported_at:%Y-%m-%d %H:%M} from {info.source}"
            )
        return 0
    db = open_kiosk_database(loaded)
    try:
        clock = SystemClock(loaded.config.kiosk.timezone)
        try:
            report = import_roster_file(db, args.file, clock=clock, dry_run=args.dry_run)
        except RosterFileError as e:
            return _fail(_command_name(args), e)
        for error in report.errors:
            print(f"  line {error.line}: {error.message}", file=sys.stderr)
        if report.error_count > len(report.errors):
            print(f"  ... and {report.error_count - len(report.errors)} more", file=sys.stderr)
        for warning in report.warnings():
            print(f"  warning: {warning}", file=sys.stderr)
        print(report.summary())
        log.info("roster import: %s", report.summary())
        return 0 if not report.error_count else 1
    finally:
        db.close()


def _pin_command(args: argparse.Namespace) -> int:
    """Needs only the config file's path: a file whose PIN hash is broken can be mended."""
    import getpass

    from kiosk.domain.pin import MIN_PIN_DIGITS, hash_pin
    from kiosk.tomledit import TomlEditError, set_key

    pin = getpass.getpass(f"new staff PIN ({MIN_PIN_DIGITS}-12 digits): ")
    if pin != getpass.getpass("again: "):
        print("the two PINs differ; nothing changed", file=sys.stderr)
        return 1
    try:
        pin_hash = hash_pin(pin)
    except ValueError as e:
        print(f"{e}; nothing changed", file=sys.stderr)
        return 1
    path: Path = args.config or paths.default_config_path()
    if args.demo and args.config is None:  # demo mode never edits a kiosk's config
        args.print_only = True
    if args.print_only or not path.exists():
        print("[staff]")
        print(f'pin_hash = "{pin_hash}"')
        if not path.exists():
            print(f"(no config file {path}: put these lines into it, see `kiosk config init`)")
        return 0
    try:
        set_key(path, ("staff", "pin_hash"), pin_hash)
    except TomlEditError as e:
        print(f"kiosk: {e}; nothing changed", file=sys.stderr)
        return EXIT_CONFIG
    print(f"staff PIN set in {path}; restart the kiosk to use it")
    return 0


def _explain(error: BaseException) -> str:
    """One line a technician can act on, for a failure of the database or the disk."""
    text = str(error)
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EFBIG):
        return _DISK_FULL
    if isinstance(error, StoreError | sqlite3.Error):
        low = text.lower()
        for needles, hint in _HINTS:
            if any(n in low for n in needles):
                return hint
    return text.splitlines()[0] if text else type(error).__name__


_DISK_FULL = "the disk is full (or failing): free space and try again"
_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("database is locked", "database is busy"),
        "the database is busy: another program is writing to it (the kiosk itself?);"
        " try again when it is idle",
    ),
    (
        ("readonly", "read-only", "permission denied"),
        "the database cannot be written: check the owner and permissions of the file and"
        " its folder",
    ),
    (("disk is full", "no space left", "file too large", "disk i/o error"), _DISK_FULL),
    (
        ("not a database", "malformed", "file is encrypted"),
        "the database file is damaged: restore it from a backup or move it aside",
    ),
)


def _fail(what: str, error: BaseException, *, path: Path | None = None) -> int:
    """Report a failed command in one line (and in the log, with the details); exit 1."""
    where = f" ({path})" if path else ""
    message = f"{what} failed: {_explain(error)}{where}; nothing was changed"
    print(f"kiosk: {message}", file=sys.stderr)
    log.error("%s", message, exc_info=error)
    return 1


def _start_logging(loaded: LoadedConfig) -> None:
    """Technician commands log to the kiosk's log file too, so a failure is on record."""
    from kiosk.logsetup import setup_logging

    try:
        setup_logging(loaded.log_dir, console=False)
    except OSError as e:
        print(f"kiosk: cannot write the log in {loaded.log_dir}: {e}", file=sys.stderr)


def _escpos_cache(loaded: LoadedConfig) -> None:
    # python-escpos unpickles its capability cache into a new temp dir on every import
    # unless told where to keep it.
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    cache = loaded.data_dir / "cache" / "escpos"
    try:
        private_dir(loaded.data_dir)  # the data folder is the kiosk user's only (0700)
        cache.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError):
        return  # escpos then uses a temporary folder: slower, not wrong
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "config" and args.action == "init":
        return _config_init(args)
    if args.command == "pin":
        return _pin_command(args)
    try:
        loaded = _load(args)
    except ConfigError as e:
        print(f"kiosk: {e}", file=sys.stderr)
        return EXIT_CONFIG
    _escpos_cache(loaded)
    if args.command in ("check", "printer", "roster"):
        _start_logging(loaded)
    try:
        return _dispatch(args, loaded)
    except ConfigError as e:
        print(f"kiosk: {e}", file=sys.stderr)
        log.error("%s", e)
        return EXIT_CONFIG
    except (StoreError, OSError, sqlite3.Error) as e:
        path = loaded.database_path if isinstance(e, StoreError | sqlite3.Error) else None
        return _fail(_command_name(args), e, path=path)
    except Exception as e:  # the last line of defence: a message, never a traceback
        log.exception("%s crashed", _command_name(args))
        print(
            f"kiosk: {_command_name(args)} failed unexpectedly: {_explain(e)}"
            f" (details in {loaded.log_dir})",
            file=sys.stderr,
        )
        return 1


def _command_name(args: argparse.Namespace) -> str:
    words = [args.command or "start", getattr(args, "action", None)]
    return "kiosk " + " ".join(w for w in words if w)


def _dispatch(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    if args.command == "config":
        return _config_check(loaded, validate_for_start(loaded))
    if args.command == "check":
        from kiosk.checkup import report, run_checks

        results = run_checks(loaded)
        print(report(results))
        if any(r.name == "config" and r.level == "FAIL" for r in results):
            return EXIT_CONFIG
        return 1 if any(r.level == "FAIL" for r in results) else 0
    if args.command == "printer":
        return _printer_command(args, loaded)
    if args.command == "roster":
        return _roster_command(args, loaded)
    if args.command == "sync":
        from kiosk import sync_cli

        return sync_cli.run(args, loaded)
    validate_for_start(loaded)  # the same checks as `kiosk config check`: exit 2 if bad
    from kiosk.app import run
    from printer.errors import PrinterConfigError

    try:
        return run(loaded, sys.argv[:1])
    except PrinterConfigError as e:
        print(f"kiosk: {loaded.source or 'config'}: printer: {e}", file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
