"""``gateway officers create|list|disable``: reviewer accounts for the review UI and API."""

from __future__ import annotations

import argparse
import getpass
import sys

from gateway.cli.common import CommandError, engine_for
from gateway.settings import Settings


def _read_password() -> str:
    """The password from standard input: a prompt on a terminal, else the first line of the stream."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            raise ValueError("the passwords do not match")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _create(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.review.accounts import AccountError, create_reviewer, parse_role

    try:
        parse_role(args.role)
        password = _read_password()
        reviewer = create_reviewer(engine_for(settings), args.username, args.role, password)
    except (AccountError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    print(f"Created reviewer {reviewer.username!r} with role {reviewer.role.value}.")
    return 0


def _list(_: argparse.Namespace, settings: Settings) -> int:
    from gateway.review.accounts import iso, list_reviewers

    rows = list_reviewers(engine_for(settings))
    print(f"{'USERNAME':<32} {'ROLE':<8} {'STATUS':<9} {'CREATED':<27} LAST SIGN-IN")
    for r in rows:
        status = "active" if r.active else "disabled"
        last = iso(r.last_login_at) or "-"
        print(f"{r.username:<32} {r.role.value:<8} {status:<9} {iso(r.created_at) or '':<27} {last}")
    return 0


def _disable(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.review.accounts import AccountError, disable_reviewer

    try:
        disable_reviewer(engine_for(settings), args.username)
    except AccountError as exc:
        raise CommandError(str(exc)) from None
    print(f"Disabled reviewer {args.username!r} and ended their sessions.")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    officers = commands.add_parser("officers", help="reviewer accounts (compliance officers, auditors, admins)")
    sub = officers.add_subparsers(dest="officers_command", required=True)
    create = sub.add_parser("create", help="create a reviewer; reads the password from standard input")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=["officer", "auditor", "admin"])
    create.set_defaults(handler=_create)
    sub.add_parser("list", help="list reviewers").set_defaults(handler=_list)
    disable = sub.add_parser("disable", help="disable a reviewer and end their sessions")
    disable.add_argument("--username", required=True)
    disable.set_defaults(handler=_disable)
