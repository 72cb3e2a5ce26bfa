"""card_views: how many times each therapist's card was shown, per day

The first step of what happens after a match ("shown", then booked, held, came back):
counted in memory and added every minute, one row per therapist and day (UTC), nothing
about who saw the card.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "card_views",
        sa.Column(
            "therapist_id",
            sa.Integer(),
            sa.ForeignKey("therapists.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("shown", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("card_views")
