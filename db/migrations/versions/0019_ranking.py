"""therapists.rate_standing, answers_quickly; rematches.note

What the ranking reads within a topic tier (`bot.rules.outcomes.Ranking`): where the
therapist's shrunk return rate stands against the catalogue's (+1, 0, -1) and whether
they answer requests quickly, kept by the outcomes job. And the client's own words about
why they changed therapist, when they wrote any (erased with their data).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "therapists",
        sa.Column("rate_standing", sa.SmallInteger(), nullable=False, server_default="0"),
    )
    op.add_column(
        "therapists",
        sa.Column("answers_quickly", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("rematches", sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rematches") as batch:
        batch.drop_column("note")
    with op.batch_alter_table("therapists") as batch:
        batch.drop_column("answers_quickly")
        batch.drop_column("rate_standing")
