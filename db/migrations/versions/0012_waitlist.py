"""waitlist_entries and waitlist_offers: waiting for a freed time of one therapist

A client waits for a therapist's time that fits their days and time of day, until a date
they chose. A freed time is offered to the waiting clients one at a time, first joined
first: the slot becomes `offered` (nobody else can book it) and an open offer holds it
for that client until it expires. One open offer per slot, and one slot never offered
twice to one wait, are unique indexes. One waiting entry per client and therapist.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "status = 'waiting'"
OPEN = "status = 'open'"


def upgrade() -> None:
    op.create_table(
        "waitlist_entries",
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
        sa.Column("days", sa.String(16), nullable=False),
        sa.Column("time_of_day", sa.String(16), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ended_at", db.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "uq_waitlist_waiting",
        "waitlist_entries",
        ["client_id", "therapist_id"],
        unique=True,
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )
    op.create_index(
        "ix_waitlist_therapist", "waitlist_entries", ["therapist_id", "status", "created_at"]
    )
    op.create_table(
        "waitlist_offers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "entry_id",
            sa.Integer(),
            sa.ForeignKey("waitlist_entries.id", ondelete="CASCADE"),
            nullable=False,
        ),
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
        sa.Column("offered_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answered_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "booking_id",
            sa.Integer(),
            sa.ForeignKey("bookings.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.UniqueConstraint("entry_id", "slot_id", name="uq_waitlist_offers_entry_slot"),
    )
    op.create_index(
        "uq_waitlist_offers_open_slot",
        "waitlist_offers",
        ["slot_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_index("ix_waitlist_offers_due", "waitlist_offers", ["status", "expires_at"])
    op.create_index("ix_waitlist_offers_client", "waitlist_offers", ["client_id", "offered_at"])


def downgrade() -> None:
    op.drop_table("waitlist_offers")
    op.drop_table("waitlist_entries")
