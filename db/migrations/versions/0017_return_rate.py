"""therapists.rate_clients, rate_returned: how many of a therapist's clients came back

The clients counted for the return rate (their first session held, long enough ago to
tell) and those of them who had a second session within 30 days (`bot.rules.outcomes`),
recomputed from the bookings by the outcomes job (`db.outcomes`). The card shows "N of 10
came back" from 5 counted clients on.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "therapists", sa.Column("rate_clients", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "therapists", sa.Column("rate_returned", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("therapists") as batch:
        batch.drop_column("rate_returned")
        batch.drop_column("rate_clients")
