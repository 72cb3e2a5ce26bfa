"""series.approval_asked_at: a regular time with a therapist who confirms every booking

Such a therapist agrees to a regular time once, when the client sets it up: until then
(`approval_asked_at` set) none of its dates is booked; on a yes the dates up to the
horizon are booked as for any regular time, on a no it ends (`ended_by = 'declined'`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "series",
        sa.Column("approval_asked_at", db.types.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("series") as batch:
        batch.drop_column("approval_asked_at")
