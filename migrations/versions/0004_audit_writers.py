"""Audit writers: which gateway process wrote a record, and which processes are alive.

``audit_records.writer`` names the process (``audit_writers.id``) that wrote a
record; it is not part of the hashed content (like ``status``, it only decides
what start-up reconciliation may close). ``audit_writers`` holds one row per
running gateway process with a heartbeat: a ``pending`` record whose writer has
no fresh heartbeat was left by a crash. Rows written before this revision have
no writer (NULL) and stay valid.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_records") as batch:
        batch.add_column(sa.Column("writer", sa.String(36), nullable=True))
    op.create_index("ix_audit_records_status", "audit_records", ["status"])
    op.create_table(
        "audit_writers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_writers")
    op.drop_index("ix_audit_records_status", table_name="audit_records")
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_column("writer")
