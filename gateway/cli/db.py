"""``gateway db upgrade``."""

from __future__ import annotations

import argparse

from gateway.settings import Settings


def _db_upgrade(_: argparse.Namespace, settings: Settings) -> int:
    from gateway import db

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db.upgrade(settings.resolved_database_url)
    print("Audit store is at the latest schema.")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    database = commands.add_parser("db", help="audit store schema").add_subparsers(dest="db_command", required=True)
    database.add_parser("upgrade", help="apply migrations").set_defaults(handler=_db_upgrade)
