"""``hall user`` and ``hall display``: the pages' staff accounts and display tokens.

    hall user add NAME --role counter|helper|admin [--hall HALL] [--password-stdin]
    hall user passwd NAME [--password-stdin]
    hall user disable NAME
    hall display add|revoke HALL NAME          (add prints the display's address once)

Passwords are asked twice on a terminal (never on the command line, where they would
sit in the shell history), or read from the first line of standard input.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from urllib.parse import quote

from hall.errors import Invalid
from hall.store.db import Database
from hall.store.page_models import StaffRole

COMMANDS = ("user", "display")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="staff accounts of the hall pages")
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a staff account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=StaffRole.ALL)
    add.add_argument("--hall", help="the account's hall (needed for counter and helper)")
    add.add_argument("--password-stdin", action="store_true")
    passwd = actions.add_parser("passwd", help="set a new password (ends its sessions)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")
    disable = actions.add_parser("disable", help="disable an account (ends its sessions)")
    disable.add_argument("name")

    display = sub.add_parser("display", help="display tokens of a hall's TV screens")
    display.add_argument("action", choices=["add", "revoke"])
    display.add_argument("hall")
    display.add_argument("name")


def _password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise Invalid("the two passwords differ")
    return first


def run(args: argparse.Namespace, db: Database, now: datetime) -> None:
    from hall.usecases import displays, users

    if args.command == "user":
        if args.action == "add":
            users.add_user(db, args.name, args.role, _password(args.password_stdin), args.hall, now)
            print(f"user {args.name!r} ({args.role}) added")
        elif args.action == "passwd":
            users.set_password(db, args.name, _password(args.password_stdin))
            print(f"user {args.name!r}: password changed, sessions ended")
        else:
            users.disable_user(db, args.name, now)
            print(f"user {args.name!r} disabled")
    elif args.action == "add":
        token = displays.add_display(db, args.hall, args.name, now)
        print(f"display {args.name!r} of {args.hall}: open this address once (shown once):")
        print(f"/display/{quote(args.hall, safe='')}?token={token}")
    else:
        displays.revoke_display(db, args.hall, args.name, now)
        print(f"display {args.name!r}: token revoked")
