"""Rate-limit counters shared by every gateway process on one audit store.

One row per (scope, bucket, window): how many events (failed sign-ins from an
address, requests of a client key) fell in the fixed window starting at
``window_start`` (Unix seconds). Counters are incremented with an atomic
upsert, so processes and replicas on the same database share the limits
(``gateway.limits``). Rows older than two windows are swept.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_hits",
        sa.Column("scope", sa.String(32), primary_key=True),
        sa.Column("bucket", sa.String(200), primary_key=True),
        sa.Column("window_start", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hits", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_limit_hits")
