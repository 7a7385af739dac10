"""Request ids: ``audit_records.request_id``, the id of the logs and the ``x-request-id`` header.

The id is part of a record's hashed content when it is present; records written before
this revision have none (NULL) and verify as before.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_records") as batch:
        batch.add_column(sa.Column("request_id", sa.String(128), nullable=True))
    op.create_index("ix_audit_records_request_id", "audit_records", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_records_request_id", table_name="audit_records")
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_column("request_id")
