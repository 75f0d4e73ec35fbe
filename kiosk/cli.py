"""Command line: `kiosk` starts the kiosk; subcommands are for technicians and staff."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk import __version__, paths
from kiosk.config import EXAMPLE_CONFIG, ConfigError, LoadedConfig, load_config

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
    printer_sub.add_parser("test", help="print a test ticket and a status report")
    preview = printer_sub.add_parser("preview", help="render a sample ticket to PNG")
    preview.add_argument("--out", type=Path, default=Path("ticket-preview.png"))
    preview.add_argument("--priority", action="store_true")
    preview.add_argument("--width-mm", type=int, choices=(58, 80))

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


def _config_check(loaded: LoadedConfig) -> int:
    print(f"config:    {loaded.source or 'none (demo mode defaults)'}")
    print(f"database:  {loaded.database_path}")
    print(f"logs:      {loaded.log_dir}")
    print(f"catalogue: {loaded.catalogue_path}")
    print(f"printer:   {loaded.config.printer.transport}")
    print(f"reader:    {loaded.config.reader.mode}")
    print("OK")
    return 0


def _printer_command(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    from kiosk import app
    from printer.diagnostics import run_printer_test
    from printer.errors import PrinterError
    from printer.samples import sample_ticket

    if args.action == "preview":
        from printer.profiles import width_dots
        from printer.ticket import render_ticket

        width_mm = args.width_mm or loaded.config.printer.paper_width_mm
        content = sample_ticket(priority=args.priority)
        image = render_ticket(content, width_dots(width_mm), app.ticket_fonts())
        args.out.parent.mkdir(parents=True, exist_ok=True)
        image.save(args.out)
        print(f"wrote {args.out} ({image.width}x{image.height} dots, {width_mm} mm paper)")
        return 0
    try:
        device = app.build_printer(loaded)
    except PrinterError as e:
        print(f"printer cannot be opened: {e}", file=sys.stderr)
        return 1
    try:
        printed, report = run_printer_test(device, kiosk_id=loaded.config.kiosk.id)
    finally:
        device.close()
    print(report)
    return 0 if printed else 1


def _roster_command(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    from kiosk.domain.clock import SystemClock
    from kiosk.store.db import StoreError, open_database
    from kiosk.store.roster import import_roster_file, roster_info
    from roster.format import RosterFileError

    db = open_database(loaded.database_path)
    try:
        if args.action == "info":
            info = roster_info(db)
            if info is None:
                print("no roster installed")
            else:
                print(
                    f"roster version {info.version} ({info.label}): {info.entries} entries,"
                    f" installed {info.imported_at:%Y-%m-%d %H:%M} from {info.source}"
                )
            return 0
        clock = SystemClock(loaded.config.kiosk.timezone)
        try:
            report = import_roster_file(db, args.file, clock=clock, dry_run=args.dry_run)
        except (RosterFileError, StoreError) as e:
            print(f"roster import failed: {e}", file=sys.stderr)
            return 1
        for error in report.errors:
            print(f"  line {error.line}: {error.message}", file=sys.stderr)
        if report.error_count > len(report.errors):
            print(f"  ... and {report.error_count - len(report.errors)} more", file=sys.stderr)
        for warning in report.warnings():
            print(f"  warning: {warning}", file=sys.stderr)
        print(report.summary())
        return 0 if not report.error_count else 1
    finally:
        db.close()


def _pin_command(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    import getpass
    import re

    from kiosk.domain.pin import hash_pin

    pin = getpass.getpass("new staff PIN (4-12 digits): ")
    if pin != getpass.getpass("again: "):
        print("the two PINs differ; nothing changed", file=sys.stderr)
        return 1
    try:
        line = f'pin_hash = "{hash_pin(pin)}"'
    except ValueError as e:
        print(e, file=sys.stderr)
        return 1
    if args.print_only or loaded.source is None:
        print("[staff]")
        print(line)
        if loaded.source is None:
            print("(no config file: put these lines into it, see `kiosk config init`)")
        return 0
    text = loaded.source.read_text(encoding="utf-8")
    if re.search(r"(?m)^pin_hash\s*=.*$", text):
        text = re.sub(r"(?m)^pin_hash\s*=.*$", lambda _m: line, text, count=1)
    elif re.search(r"(?m)^\[staff\]\s*$", text):
        text = re.sub(r"(?m)^\[staff\]\s*$", lambda _m: "[staff]\n" + line, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n[staff]\n" + line + "\n"
    loaded.source.write_text(text, encoding="utf-8")
    print(f"staff PIN set in {loaded.source}; restart the kiosk to use it")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "config" and args.action == "init":
        return _config_init(args)
    try:
        loaded = _load(args)
    except ConfigError as e:
        print(f"kiosk: {e}", file=sys.stderr)
        return EXIT_CONFIG
    # python-escpos unpickles its capability cache into a new temp dir on every import
    # unless told where to keep it.
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
        cache = loaded.data_dir / "cache" / "escpos"
        cache.mkdir(parents=True, exist_ok=True)
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache)
    if args.command == "config":
        return _config_check(loaded)
    if args.command == "check":
        from kiosk.checkup import report, run_checks

        results = run_checks(loaded)
        print(report(results))
        return 1 if any(r.level == "FAIL" for r in results) else 0
    if args.command == "printer":
        return _printer_command(args, loaded)
    if args.command == "roster":
        return _roster_command(args, loaded)
    if args.command == "pin":
        return _pin_command(args, loaded)
    if args.command == "sync":
        from kiosk import sync_cli

        return sync_cli.run(args, loaded)
    from kiosk.app import run
    from kiosk.domain.catalogue import CatalogueError
    from kiosk.store.db import StoreError

    try:
        return run(loaded, sys.argv[:1])
    except CatalogueError as e:
        print(f"kiosk: {e}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreError as e:
        print(f"kiosk: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
