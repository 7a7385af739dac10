"""Audit integrity: the hash chain, signed heads, tombstones and encrypted evidence.

Every audit record and audit event is an entry of one hash chain ordered by
``seq``; ``audit_chain_head`` holds the chain's last entry (one row, locked by
every append); ``audit_signed_heads`` the Ed25519-signed heads;
``audit_tombstones`` the chain links of records removed by retention.

Records written before this revision get ``seq`` numbers in their order and
empty hashes: ``gateway audit verify`` reports them as outside the chain.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("audit_records") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("prev_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("entry_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("key_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("wrapped_key", sa.LargeBinary, nullable=True))
        batch.add_column(sa.Column("request_ct", sa.LargeBinary, nullable=True))
        batch.add_column(sa.Column("request_ct_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("response_ct", sa.LargeBinary, nullable=True))
        batch.add_column(sa.Column("response_ct_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("payload_erased_at", sa.DateTime(timezone=True), nullable=True))
    legacy = _number_legacy_records()
    with op.batch_alter_table("audit_records") as batch:
        batch.alter_column("seq", existing_type=sa.BigInteger, nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
        batch.alter_column("entry_hash", existing_type=sa.String(64), nullable=False)
        batch.create_index("ux_audit_records_seq", ["seq"], unique=True)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=True),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("prev_id", sa.String(36), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )
    op.create_index("ux_audit_events_seq", "audit_events", ["seq"], unique=True)
    op.create_index("ix_audit_events_record_id", "audit_events", ["record_id"])
    op.create_index("ix_audit_events_kind", "audit_events", ["kind"])

    op.create_table(
        "audit_tombstones",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("prev_id", sa.String(36), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("purge_event_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_audit_tombstones_purge_event_id", "audit_tombstones", ["purge_event_id"])

    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=True),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.bulk_insert(
        head,
        [{"id": 1, "seq": legacy, "entry_id": None, "entry_hash": GENESIS_HASH, "updated_at": datetime.now(UTC)}],
    )

    op.create_table(
        "audit_signed_heads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("signer", sa.String(200), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )
    op.create_index("ix_audit_signed_heads_seq", "audit_signed_heads", ["seq"])


def _number_legacy_records() -> int:
    """Give records written before the chain existed a ``seq`` in their order; return how many."""
    conn = op.get_bind()
    records = sa.table(
        "audit_records",
        sa.column("id", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("seq", sa.BigInteger),
        sa.column("prev_hash", sa.String),
        sa.column("entry_hash", sa.String),
    )
    ids = conn.execute(sa.select(records.c.id).order_by(records.c.created_at, records.c.id)).scalars().all()
    for seq, record_id in enumerate(ids, start=1):
        conn.execute(records.update().where(records.c.id == record_id).values(seq=seq, prev_hash="", entry_hash=""))
    return len(ids)


def downgrade() -> None:
    op.drop_index("ix_audit_signed_heads_seq", table_name="audit_signed_heads")
    op.drop_table("audit_signed_heads")
    op.drop_table("audit_chain_head")
    op.drop_index("ix_audit_tombstones_purge_event_id", table_name="audit_tombstones")
    op.drop_table("audit_tombstones")
    op.drop_index("ix_audit_events_kind", table_name="audit_events")
    op.drop_index("ix_audit_events_record_id", table_name="audit_events")
    op.drop_index("ux_audit_events_seq", table_name="audit_events")
    op.drop_table("audit_events")
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_index("ux_audit_records_seq")
        for column in (
            "payload_erased_at",
            "response_ct_sha256",
            "response_ct",
            "request_ct_sha256",
            "request_ct",
            "wrapped_key",
            "key_id",
            "entry_hash",
            "prev_hash",
            "prev_id",
            "seq",
        ):
            batch.drop_column(column)
