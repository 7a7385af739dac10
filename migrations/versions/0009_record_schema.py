"""Versioned audit record schema: ``audit_records.schema_version``.

Records written from this revision on say by which schema their content is hashed
(``gateway.audit.schema``; 1 = ``AuditRecordV1``, with ``"v": 1`` in the hashed content).
Records written before keep null and verify by the rules they were hashed with (v0).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_records") as batch:
        batch.add_column(sa.Column("schema_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_column("schema_version")
