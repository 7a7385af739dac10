"""Data-subject search: keyed hashes (HMAC-SHA256) of the values detected in each audit record.

``audit_subjects`` holds, per record, one row per distinct normalised value and
entity type: the hash, never the value (see ``gateway/audit/subjects.py``). It is
not part of the hashed chain content; records written before this revision have
no rows and are not found by a search.

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_subjects",
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("subject_hash", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "subject_hash", "entity_type"),
    )
    op.create_index("ix_audit_subjects_subject_hash", "audit_subjects", ["subject_hash"])


def downgrade() -> None:
    op.drop_index("ix_audit_subjects_subject_hash", table_name="audit_subjects")
    op.drop_table("audit_subjects")
