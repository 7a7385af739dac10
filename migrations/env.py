"""Alembic environment: the URL comes from the config the gateway builds (gateway.db)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from gateway.db import StoreTimeouts, metadata

config = context.config
target_metadata = metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    timeouts = config.attributes.get("timeouts") or StoreTimeouts()
    if url.startswith("sqlite"):
        connect_args: dict[str, object] = {"timeout": timeouts.sqlite_busy_s}
    elif url.startswith("postgresql"):
        connect_args = timeouts.postgres_connect_args()
    else:
        connect_args = {}
    engine = create_engine(url, poolclass=pool.NullPool, connect_args=connect_args)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
