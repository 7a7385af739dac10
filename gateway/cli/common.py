"""Helpers shared by the command-line modules."""

from __future__ import annotations

from sqlalchemy import Engine

from gateway import db
from gateway.settings import Settings


class CommandError(Exception):
    """A command that cannot be done as asked: ``main`` prints ``error: <message>`` and exits with 2."""


def engine_for(settings: Settings) -> Engine:
    """An engine on the audit store, its schema brought to the latest migration."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db.upgrade(settings.resolved_database_url)
    return db.make_engine(settings.resolved_database_url)
