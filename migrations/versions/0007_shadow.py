"""Shadow policies: the decisions of the shadow policies evaluated beside the enforced one.

``audit_records.shadow`` holds, per shadow policy, its name, version, decision and
rule ids (``[{"policy": ..., "policy_version": ..., "decision": ..., "rule_ids": [...]}]``),
or NULL when the enforced policy has no shadow. It is part of a record's hashed
content when set; records written before this revision have NULL and keep the
content they were hashed with.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_records") as batch:
        batch.add_column(sa.Column("shadow", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_column("shadow")
