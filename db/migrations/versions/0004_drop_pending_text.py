"""relay log: drop relayed_messages.pending_text; texts are relayed at once, never stored

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite rebuilds the table instead of altering it.
    with op.batch_alter_table("relayed_messages") as batch_op:
        batch_op.drop_column("pending_text")


def downgrade() -> None:
    with op.batch_alter_table("relayed_messages") as batch_op:
        batch_op.add_column(sa.Column("pending_text", sa.Text(), nullable=True))
