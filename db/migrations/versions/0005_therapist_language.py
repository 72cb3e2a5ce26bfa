"""therapists.language: the language a linked therapist reads notices and reminders in

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("therapists") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    # Therapists linked before: the language of their own profile in the bot, if any.
    op.execute(
        "UPDATE therapists SET language = (SELECT users.language FROM users"
        " WHERE users.telegram_id = therapists.telegram_id AND users.deleted_at IS NULL)"
        " WHERE telegram_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("therapists") as batch_op:
        batch_op.drop_column("language")
