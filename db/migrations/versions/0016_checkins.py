"""checkin_consents, checkins, checkin_answers: PHQ-9 and GAD-7 check-ins between sessions

A client's answer to check-ins (`checkin_consents`: a yes has `given_at`), each
questionnaire asked (`checkins`: its scale and version, the therapist it was answered
for, its total, band and risk flag) and each answer with its time (`checkin_answers`).
One open check-in per client.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "finished_at IS NULL AND skipped_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "checkin_consents",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("answered_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("given_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("earlier_shared_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scale", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("started_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("skipped_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=24), nullable=True),
        sa.Column("risk", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["therapist_id"], ["therapists.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_checkins_user_scale", "checkins", ["user_id", "scale", "started_at"])
    op.create_index(
        "uq_checkins_open",
        "checkins",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_table(
        "checkin_answers",
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("answered_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("value BETWEEN 0 AND 3", name="ck_checkin_answer_value"),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("checkin_id", "item"),
    )


def downgrade() -> None:
    op.drop_table("checkin_answers")
    op.drop_index("uq_checkins_open", table_name="checkins")
    op.drop_index("ix_checkins_user_scale", table_name="checkins")
    op.drop_table("checkins")
    op.drop_table("checkin_consents")
