"""The audit store's tables and engine.

The schema is owned by the Alembic migrations in ``migrations/``; the tables
below mirror them for queries (a test checks that they agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

from gateway import db_watchdog
from gateway.settings import MIGRATIONS_DIR

if TYPE_CHECKING:
    from gateway.settings import Settings

metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("key_sha256", String(64), nullable=False, unique=True),
    Column("key_prefix", String(16), nullable=False),
    Column("policy", String(100), nullable=False),
    Column("allowed_policies", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

audit_records = Table(
    "audit_records",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("endpoint", String(32), nullable=False),
    Column("tenant", String(200), nullable=False, index=True),
    Column("policy", String(100), nullable=False, index=True),
    Column("policy_version", String(80), nullable=False),
    Column("decision", String(16), nullable=False, index=True),
    Column("route", String(16), nullable=False),
    Column("rule_ids", JSON, nullable=False),
    Column("entity_types", JSON, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("request_sha256", String(64), nullable=False),
    Column("model", String(200), nullable=True),
    Column("stream", Integer, nullable=False, default=0),
    Column("status", String(32), nullable=False, index=True),
    Column("status_code", Integer, nullable=True),
    Column("latency_ms", Float, nullable=True),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("detail", Text, nullable=True),
    # Hash chain (gateway.audit.chain): the record's place and link.
    Column("seq", BigInteger, nullable=False),
    Column("prev_id", String(36), nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    # Encrypted evidence (gateway.audit.crypto): erased by clearing the wrapped key and ciphertexts.
    Column("key_id", String(32), nullable=True),
    Column("wrapped_key", LargeBinary, nullable=True),
    Column("request_ct", LargeBinary, nullable=True),
    Column("request_ct_sha256", String(64), nullable=True),
    Column("response_ct", LargeBinary, nullable=True),
    Column("response_ct_sha256", String(64), nullable=True),
    Column("payload_erased_at", DateTime(timezone=True), nullable=True),
    # The gateway process that wrote the record (audit_writers.id; migration 0004): not hashed.
    Column("writer", String(36), nullable=True),
    # The request id of the logs and the x-request-id header (migration 0006; hashed when present).
    Column("request_id", String(128), nullable=True, index=True),
    # Decisions of the shadow policies evaluated beside the enforced one (migration 0007): hashed when set.
    Column("shadow", JSON, nullable=True),
    # The record schema its content is hashed by (gateway.audit.schema; migration 0009): null for records
    # written before it (v0).
    Column("schema_version", Integer, nullable=True),
    Index("ux_audit_records_seq", "seq", unique=True),
)

# Running gateway processes and their heartbeats (migration 0004): a pending record whose
# writer has no fresh heartbeat was left by a crash (gateway.audit.reconcile).
audit_writers = Table(
    "audit_writers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("kind", String(32), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("record_id", String(36), nullable=True, index=True),
    Column("details", JSON, nullable=False),
    Column("prev_id", String(36), nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Index("ux_audit_events_seq", "seq", unique=True),
)

audit_tombstones = Table(
    "audit_tombstones",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_id", String(36), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("prev_id", String(36), nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("purge_event_id", String(36), nullable=False, index=True),
)

audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("entry_id", String(36), nullable=True),
    Column("entry_hash", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

audit_signed_heads = Table(
    "audit_signed_heads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", BigInteger, nullable=False, index=True),
    Column("entry_hash", String(64), nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("signer", String(200), nullable=False),
    Column("signature", String(128), nullable=False),
)


# Keyed hashes of the values detected in each record (migration 0008, gateway/audit/subjects.py): an
# officer's data-subject search looks a value's hash up here. Written with the record, in its transaction.
audit_subjects = Table(
    "audit_subjects",
    metadata,
    Column("record_id", String(36), primary_key=True),
    Column("subject_hash", String(64), primary_key=True),
    Column("entity_type", String(64), primary_key=True),
    Index("ix_audit_subjects_subject_hash", "subject_hash"),
)

# Rate-limit counters shared by every gateway process on the store (migration 0005; gateway.limits).
rate_limit_hits = Table(
    "rate_limit_hits",
    metadata,
    Column("scope", String(32), primary_key=True),
    Column("bucket", String(200), primary_key=True),
    Column("window_start", BigInteger, primary_key=True, autoincrement=False),
    Column("hits", Integer, nullable=False),
)


# Reviewer accounts for the review UI and API (migration 0003). Only an argon2id hash
# of a password is stored; a session row holds a SHA-256 of its cookie token.
reviewers = Table(
    "reviewers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("last_login_at", DateTime(timezone=True), nullable=True),
)

review_sessions = Table(
    "review_sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("reviewer_id", Integer, ForeignKey("reviewers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class StoreTimeouts:
    """How long the audit store may make a request wait (``GATEWAY_*`` settings; these defaults are theirs).

    A write that cannot get SQLite's lock within ``sqlite_busy_s`` raises, and the request is refused
    with 503; on PostgreSQL, connecting, one statement and waiting for a pooled connection are each
    bounded, and TCP keepalives (plus ``tcp_user_timeout``) notice a server that vanished without
    FIN/RST, so neither a request nor the pool's pre-ping blocks on a dead connection.
    """

    sqlite_busy_s: float = 5.0
    connect_s: int = 5
    statement_s: float = 15.0
    pool_s: float = 10.0
    keepalives_idle_s: int = 5
    keepalives_interval_s: int = 2
    keepalives_count: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> StoreTimeouts:
        return cls(
            sqlite_busy_s=settings.sqlite_busy_timeout_s,
            connect_s=settings.postgres_connect_timeout_s,
            statement_s=settings.postgres_statement_timeout_s,
            pool_s=settings.database_pool_timeout_s,
            keepalives_idle_s=settings.postgres_keepalives_idle_s,
            keepalives_interval_s=settings.postgres_keepalives_interval_s,
            keepalives_count=settings.postgres_keepalives_count,
        )

    @property
    def reply_s(self) -> float:
        """PostgreSQL: the longest a connection waits for any reply before it is cut (``gateway.db_watchdog``):
        the statement timeout, and two seconds for the server to say it ended the statement."""
        return self.statement_s + 2.0

    def postgres_connect_args(self) -> dict[str, Any]:
        """libpq connection parameters (psycopg passes them on; URL query parameters are kept)."""
        dead_after_s = self.keepalives_idle_s + self.keepalives_interval_s * self.keepalives_count
        return {
            "connect_timeout": self.connect_s,
            "keepalives": 1,
            "keepalives_idle": self.keepalives_idle_s,
            "keepalives_interval": self.keepalives_interval_s,
            "keepalives_count": self.keepalives_count,
            "tcp_user_timeout": dead_after_s * 1000,  # unacknowledged data on a dead link, too
        }


def make_engine(url: str, timeouts: StoreTimeouts | None = None) -> Engine:
    """An engine for the audit store; SQLite gets WAL, full durability and secure deletion.

    On SQLite the engine emits ``BEGIN`` itself, so a transaction started on a
    connection with ``execution_options(sqlite_begin="IMMEDIATE")`` takes the
    write lock at once (the audit chain's appends rely on it). Every wait is
    bounded by ``timeouts`` (``StoreTimeouts``).
    """
    timeouts = timeouts or StoreTimeouts()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"timeout": timeouts.sqlite_busy_s, "check_same_thread": False}
        engine = create_engine(url, connect_args=connect_args, pool_timeout=timeouts.pool_s)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None  # no implicit BEGIN: see _sqlite_begin
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")  # erased keys and payloads are zeroed, not left in free pages
            cursor.close()
            # SQLite's lower() folds ASCII only: case-insensitive search of names such as "MÜLLER" uses this.
            dbapi_connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    connect_args = timeouts.postgres_connect_args() if url.startswith("postgresql") else {}
    engine = create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_timeout=timeouts.pool_s, connect_args=connect_args
    )
    if url.startswith("postgresql"):
        statement_ms = int(timeouts.statement_s * 1000)

        @event.listens_for(engine, "first_connect", insert=True)
        def _watch_first(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # The dialect's own first queries (server version, settings) run before any "connect" listener.
            db_watchdog.watch(dbapi_connection, timeouts.reply_s)

        @event.listens_for(engine, "connect")
        def _postgres_session(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # Watched from its first statement: a server that froze just after the handshake would otherwise
            # hold this SET (and every caller queued behind the connection) forever.
            db_watchdog.watch(dbapi_connection, timeouts.reply_s)  # a server that acknowledges but never answers
            # Set per session, not through ``options`` (the URL's own ``options``, e.g. a search_path, stay).
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {statement_ms}")
            dbapi_connection.commit()

    return engine


def alembic_config(url: str, timeouts: StoreTimeouts | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["timeouts"] = timeouts or StoreTimeouts()  # migrations/env.py connects with them
    return config


def upgrade(url: str, revision: str = "head", timeouts: StoreTimeouts | None = None) -> None:
    command.upgrade(alembic_config(url, timeouts), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
