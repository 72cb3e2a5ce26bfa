"""rematches: a client left a therapist for another one, and why

One row per change of therapist from the cabinet: the client, the therapist they left,
the reason chosen from the chips (fit, schedule, price, other, skip) and when. Like a
booking row it stays after an erasure, pointing to the emptied profile; it holds nothing
the client typed.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rematches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["therapist_id"], ["therapists.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rematches_therapist", "rematches", ["therapist_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_rematches_therapist", table_name="rematches")
    op.drop_table("rematches")
