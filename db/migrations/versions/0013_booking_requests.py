"""therapists.approval and booking_requests: therapists who confirm bookings first

A therapist confirms every booking, or a new client's first one, or none (`auto`, the
default). In confirmation mode a booking is first a request: its time is held as
`requested` while the therapist accepts, declines or proposes another time, and it lapses
unanswered. The client's optional note lives only on the request.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "therapists",
        sa.Column("approval", sa.String(8), nullable=False, server_default="auto"),
    )
    op.create_table(
        "booking_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "client_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "therapist_id",
            sa.Integer(),
            sa.ForeignKey("therapists.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "slot_id", sa.Integer(), sa.ForeignKey("slots.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("starts_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer_due_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(16), nullable=True),
        sa.Column(
            "proposed_slot_id",
            sa.Integer(),
            sa.ForeignKey("slots.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("proposed_starts_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "booking_id",
            sa.Integer(),
            sa.ForeignKey("bookings.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    op.create_index("ix_requests_due", "booking_requests", ["status", "answer_due_at"])
    op.create_index("ix_requests_client", "booking_requests", ["client_id", "status"])
    op.create_index("ix_requests_therapist", "booking_requests", ["therapist_id", "status"])


def downgrade() -> None:
    op.drop_table("booking_requests")
    with op.batch_alter_table("therapists") as batch:
        batch.drop_column("approval")
