"""partnerships, partner_absences: couples

The client who books couple sessions invites their partner with a one-time link (only
its SHA-256 is kept, valid 7 days), or picks them in Telegram when they use the bot
already (`invited_id`); once joined, the partner shares the booker's couple
sessions and may skip one of them (`partner_absences`). One open partnership per person
on either side (partial unique indexes).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "ended_at IS NULL"


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("booker_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("partner_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("code_hash", sa.String(64)),
        sa.Column("invited_id", sa.Integer(), sa.ForeignKey("users.id")),
        _when("created_at", False),
        _when("expires_at", False),
        _when("joined_at", True),
        _when("ended_at", True),
        sa.Column("ended_by", sa.String(16)),
    )
    for name, column in (
        ("uq_partnerships_booker_open", "booker_id"),
        ("uq_partnerships_partner_open", "partner_id"),
    ):
        op.create_index(
            name,
            "partnerships",
            [column],
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
    op.create_index("uq_partnerships_code", "partnerships", ["code_hash"], unique=True)
    op.create_table(
        "partner_absences",
        sa.Column(
            "booking_id",
            sa.Integer(),
            sa.ForeignKey("bookings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("partner_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        _when("created_at", False),
    )


def downgrade() -> None:
    op.drop_table("partner_absences")
    op.drop_index("uq_partnerships_code", table_name="partnerships")
    op.drop_index("uq_partnerships_partner_open", table_name="partnerships")
    op.drop_index("uq_partnerships_booker_open", table_name="partnerships")
    op.drop_table("partnerships")
