"""``hall``: run the hall server and administer halls, kiosks, counters, roster, reports.

    hall serve [--host H] [--port P] [--workers N] [--ssl-certfile F --ssl-keyfile F]
    hall db upgrade
    hall create NAME
    hall kiosk add|rotate|revoke HALL NAME      (add/rotate print the token once)
    hall counter add|rotate|revoke HALL NAME
    hall catalogue set HALL FILE                 (the kiosk's TOML, or JSON)
    hall roster import HALL FILE [--new-key]
    hall report HALL DAY [--csv]
    hall openapi [--output FILE]
    hall user add|passwd|disable ...             (staff of the pages; see hall.cli_pages)
    hall display add|revoke HALL NAME

The database and key folder come from ``HALL_DATABASE_URL`` and ``HALL_KEY_DIR`` (or
``--database-url`` / ``--key-dir``); see :class:`hall.settings.HallSettings`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tomllib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hall import cli_pages
from hall.errors import HallError
from hall.keys import KeyStore, KeyStoreError
from hall.settings import HallSettings, SettingsError
from hall.store.db import Database, StoreError, open_database
from hall.store.models import Role

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hall", description="The lobby hall server.")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: HALL_DATABASE_URL)")
    parser.add_argument("--key-dir", help="folder of the roster keys (default: HALL_KEY_DIR)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="processes (PostgreSQL only)")
    serve.add_argument("--ssl-certfile")
    serve.add_argument("--ssl-keyfile")
    serve.add_argument("--log-level", default="info")

    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])

    create = sub.add_parser("create", help="create a hall")
    create.add_argument("name")

    for role in (Role.KIOSK, Role.COUNTER):
        client = sub.add_parser(role, help=f"add a {role}, rotate or revoke its token")
        client.add_argument("action", choices=["add", "rotate", "revoke"])
        client.add_argument("hall")
        client.add_argument("name")

    catalogue = sub.add_parser("catalogue", help="set a hall's service catalogue")
    catalogue.add_argument("action", choices=["set"])
    catalogue.add_argument("hall")
    catalogue.add_argument("file", type=Path)

    roster = sub.add_parser("roster", help="import and publish a roster file")
    roster.add_argument("action", choices=["import"])
    roster.add_argument("hall")
    roster.add_argument("file", type=Path)
    roster.add_argument("--new-key", action="store_true", help="hash with a new roster key")

    report = sub.add_parser("report", help="a hall's day report")
    report.add_argument("hall")
    report.add_argument("day", type=date.fromisoformat, help="YYYY-MM-DD")
    report.add_argument("--csv", action="store_true")

    cli_pages.add_parsers(sub)

    openapi = sub.add_parser("openapi", help="print the OpenAPI document")
    openapi.add_argument("--output", type=Path)
    return parser


def _settings(args: argparse.Namespace) -> HallSettings:
    # The environment is how uvicorn's worker processes get the same settings.
    if args.database_url:
        os.environ["HALL_DATABASE_URL"] = args.database_url
    if args.key_dir:
        os.environ["HALL_KEY_DIR"] = args.key_dir
    return HallSettings.from_env()


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Kiosk catalogue keys the wire protocol does not carry (yet): left out, with a warning.
_KIOSK_ONLY = ("priority_location_zh", "priority_location_en")


def _wire_service(entry: Any) -> Any:
    """A kiosk catalogue entry (``hours``, ``last_issue``, ``extended``) as a wire entry
    (``opening_hours``: the times tickets are issued, grouped by identical ranges)."""
    if not isinstance(entry, dict):
        return entry  # the wire model says what is wrong
    service = dict(entry)
    hours, extended = service.pop("hours", None), service.pop("extended", None)
    last_issue = service.pop("last_issue", None)
    for key in _KIOSK_ONLY:
        if service.pop(key, None) is not None:
            print(
                f"hall: {key} of {service.get('code')} is not sent to kiosks yet", file=sys.stderr
            )
    if hours is None and extended is None:
        return service
    ranges: dict[tuple[Any, Any], list[int]] = {}
    for table, is_extended in ((hours or {}), False), ((extended or {}), True):
        if not isinstance(table, dict):
            return entry
        for day, text in table.items():
            if day not in _WEEKDAYS or not isinstance(text, str) or text.count("-") != 1:
                return entry
            opens, closes = text.split("-")
            if not is_extended and isinstance(last_issue, str) and last_issue < closes:
                closes = last_issue
            ranges.setdefault((opens, closes), []).append(_WEEKDAYS.index(day) + 1)
    service["opening_hours"] = [
        {"weekdays": sorted(days), "opens": opens, "closes": closes}
        for (opens, closes), days in ranges.items()
    ]
    return service


def _catalogue_data(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return json.loads(text)
    data = tomllib.loads(text)
    services = data.get("service", [])
    if isinstance(services, list):
        services = [_wire_service(entry) for entry in services]
    return {"version": str(data.get("version", path.stem)), "services": services}


def openapi_document() -> dict[str, Any]:
    from hall.api.app import create_app

    return create_app(HallSettings(database_url="sqlite://")).openapi()


def _serve(args: argparse.Namespace, settings: HallSettings) -> int:
    import uvicorn

    if args.workers > 1 and settings.is_sqlite:
        print("hall: several workers need PostgreSQL; SQLite serves one", file=sys.stderr)
        return 2
    open_database(settings.database_url).close()  # migrate once, before the workers
    uvicorn.run(
        "hall.api.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        log_level=args.log_level,
        proxy_headers=True,
    )
    return 0


def _run(args: argparse.Namespace, settings: HallSettings) -> int:
    from hall.usecases import halls
    from hall.usecases.report import day_report
    from hall.usecases.roster import RosterImportError, import_roster

    now = datetime.now(UTC)
    keys = KeyStore(settings.key_dir)
    db: Database = open_database(settings.database_url)
    try:
        if args.command in cli_pages.COMMANDS:
            cli_pages.run(args, db, now)
        elif args.command == "db":
            print("database is at the latest schema")
        elif args.command == "create":
            hall_id = halls.create_hall(db, keys, args.name, now)
            print(f"hall {args.name!r} created (id {hall_id})")
        elif args.command in (Role.KIOSK, Role.COUNTER):
            role = args.command
            if args.action == "revoke":
                halls.revoke_token(db, args.hall, args.name, role, now)
                print(f"{role} {args.name!r}: token revoked")
            else:
                make = halls.add_client if args.action == "add" else None
                token = (
                    make(db, args.hall, args.name, role, now)
                    if make is not None
                    else halls.rotate_token(db, args.hall, args.name, role, now)
                )
                print(f"{role} {args.name!r} of {args.hall}: token (shown once, keep it safe):")
                print(token)
        elif args.command == "catalogue":
            etag = halls.set_catalogue(db, args.hall, _catalogue_data(args.file))
            print(f"catalogue of {args.hall} set (ETag {etag})")
        elif args.command == "roster":
            try:
                meta = import_roster(db, keys, args.hall, args.file, now, new_key=args.new_key)
            except RosterImportError as e:
                print(f"hall: {e.message}", file=sys.stderr)
                for error in e.errors:
                    print(f"  {error}", file=sys.stderr)
                return 2
            print(
                f"roster version {meta.version} published for {args.hall}: {meta.count} "
                f"entries, key {meta.key_id}"
            )
        elif args.command == "report":
            report = day_report(db, args.hall, args.day, settings.zone)
            sys.stdout.write(report.to_csv() if args.csv else report.to_text())
        return 0
    finally:
        db.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    level = logging.INFO if args.command == "serve" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = _settings(args)
        if args.command == "openapi":
            text = json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"
            if args.output:
                args.output.write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
            return 0
        if args.command == "serve":
            return _serve(args, settings)
        return _run(args, settings)
    except (HallError, SettingsError, StoreError, KeyStoreError, OSError) as e:
        message = e.message if isinstance(e, HallError) else str(e)
        print(f"hall: {message}", file=sys.stderr)
        return 2
    except (ValueError, tomllib.TOMLDecodeError) as e:
        print(f"hall: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
