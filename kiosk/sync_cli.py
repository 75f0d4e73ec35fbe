"""``kiosk sync``: sync with the hall server now, show what waits, run the end of the day.

- ``kiosk sync``: push the outbox, top up number leases, pull catalogue and roster.
- ``kiosk sync --status``: what is waiting to go up, the last success, the last problem,
  the numbers left today (from the kiosk's own records; no network needed).
- ``kiosk sync --end-of-day [--print]``: the staff panel's end-of-day sync with a progress
  bar, then the day report (printed too with ``--print``). Exit 1 when a step failed; all
  that was not sent stays for next time.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kiosk.config import LoadedConfig


def add_parser(sub: Any) -> None:
    sync = sub.add_parser("sync", help="sync with the hall server now; --status; --end-of-day")
    what = sync.add_mutually_exclusive_group()
    what.add_argument("--status", action="store_true", help="what waits to go up, last success")
    what.add_argument(
        "--end-of-day", action="store_true", help="flush, pull roster and catalogue, day report"
    )
    sync.add_argument("--print", action="store_true", help="with --end-of-day: print the report")


def _bar(percent: int, text: str) -> None:
    filled = percent * 30 // 100
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {percent:3d}% {text[:40]:<40}")
    sys.stderr.flush()
    if percent >= 100:
        sys.stderr.write("\n")


def run(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    from kiosk import __version__
    from kiosk.domain.catalogue import CatalogueError, parse_catalogue
    from kiosk.domain.clock import SystemClock
    from kiosk.services.sync_engine import open_engine, token_file_warning
    from kiosk.storage import open_kiosk_database
    from kiosk.store.db import StoreError
    from sync.errors import SyncError

    if not loaded.config.server.url:
        print("no hall server configured (server.url): this kiosk is stand-alone", file=sys.stderr)
        return 1
    warning = token_file_warning(loaded)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    clock = SystemClock(loaded.config.kiosk.timezone)
    db = open_kiosk_database(loaded)
    try:
        try:
            path = loaded.catalogue_path
            catalogue = parse_catalogue(path.read_text(encoding="utf-8"), str(path))
        except (OSError, CatalogueError) as e:
            print(f"kiosk: service catalogue: {e}", file=sys.stderr)
            return 2
        try:
            engine = open_engine(loaded, db, clock, catalogue, __version__)
        except SyncError as e:
            print(f"cannot sync: {e.message}", file=sys.stderr)
            return 1
        try:
            if args.status:
                print("\n".join(engine.status_snapshot().lines()))
                return 0
            if args.end_of_day:
                result = engine.end_of_day(_bar)
                names = {s.code: s.name_zh for s in catalogue}
                lines = result.report.lines(names)
                print("\n".join(lines))
                if result.problems:
                    print(
                        "end-of-day sync not complete; everything is kept for next time:",
                        file=sys.stderr,
                    )
                    for problem in result.problems:
                        print(f"  {problem}", file=sys.stderr)
                if args.print:
                    _print_report(loaded, lines, clock.now())
                return 0 if result.complete else 1
            ok = all(
                engine.guarded(step)
                for step in (engine.push, engine.ensure_leases, engine.pull_catalogue)
            ) and engine.guarded(engine.pull_roster)
            print("\n".join(engine.status_snapshot().lines()))
            return 0 if ok else 1
        finally:
            engine.client.close()
    except StoreError as e:
        print(f"kiosk: {e}", file=sys.stderr)
        return 1
    finally:
        db.close()


def _print_report(loaded: LoadedConfig, lines: list[str], now: Any) -> None:
    from kiosk import app
    from kiosk.services.tickets import TicketSettings, report_content
    from printer.errors import PrinterError

    settings = TicketSettings(
        kiosk_id=loaded.config.kiosk.id, hall_name=loaded.config.kiosk.hall_name
    )
    try:
        device = app.build_printer(loaded)
        try:
            device.print_ticket(report_content(lines, settings, now))
        finally:
            device.close()
    except PrinterError as e:
        print(f"day report not printed: {e}", file=sys.stderr)
        return
    print("day report printed")
