"""therapists.calendar_token_hash: the therapist's private calendar feed

The feed's URL carries a random secret; only its SHA-256 is stored, so the URL cannot be
rebuilt from the database, and a new secret (rotation) refuses the old URL at once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN and a unique index: a batch rebuild of `therapists` on SQLite
    # would break the triggers of 0007 that name the table.
    op.add_column("therapists", sa.Column("calendar_token_hash", sa.String(64), nullable=True))
    op.create_index(
        "ix_therapists_calendar_token_hash", "therapists", ["calendar_token_hash"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_therapists_calendar_token_hash", table_name="therapists")
    op.drop_column("therapists", "calendar_token_hash")
