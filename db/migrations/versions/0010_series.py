"""series, series_skips, bookings.series_id/series_day: a regular weekly or fortnightly time

One booking per date of a series' pattern (a unique index), so a moved or cancelled
occurrence keeps its date and the series never books that week a second time.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("therapist_id", sa.Integer(), sa.ForeignKey("therapists.id"), nullable=False),
        sa.Column("rhythm", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.String(10), nullable=False),
        sa.Column("wall_minute", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paused_until", sa.String(10), nullable=True),
        sa.Column("ended_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(16), nullable=True),
        sa.CheckConstraint("rhythm IN (1, 2)", name="series_rhythm"),
        sa.CheckConstraint("wall_minute BETWEEN 0 AND 1439", name="series_wall_minute"),
    )
    op.create_index("ix_series_therapist", "series", ["therapist_id", "ended_at"])
    op.create_index("ix_series_client", "series", ["client_id", "ended_at"])
    op.create_table(
        "series_skips",
        sa.Column(
            "series_id",
            sa.Integer(),
            sa.ForeignKey("series.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
    )
    # Plain ADD COLUMN (a batch rebuild of `bookings` on SQLite would drop the overlap
    # triggers of 0001); SQLite takes the REFERENCES clause of a nullable column in it,
    # which Alembic's SQLite dialect does not write.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE bookings ADD COLUMN series_id INTEGER "
            "REFERENCES series (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("bookings", sa.Column("series_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_bookings_series", "bookings", "series", ["series_id"], ["id"], ondelete="SET NULL"
        )
    op.add_column("bookings", sa.Column("series_day", sa.String(10), nullable=True))
    op.create_index("uq_bookings_series_day", "bookings", ["series_id", "series_day"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_bookings_series_day", table_name="bookings")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_bookings_series", "bookings", type_="foreignkey")
    op.drop_column("bookings", "series_day")
    op.drop_column("bookings", "series_id")
    op.drop_index("ix_series_client", table_name="series")
    op.drop_index("ix_series_therapist", table_name="series")
    op.drop_table("series_skips")
    op.drop_table("series")
