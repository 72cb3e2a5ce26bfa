"""series.calendar_sequence and calendar_from: a regular time as one calendar event

The event (an RRULE from `calendar_from`) and each file for one of its occurrences carry
the series' version in SEQUENCE (`calendar_sequence` plus the moves and cancellations of
its sessions), so a calendar updates the event it has instead of adding another
(RFC 5545). Dates before `calendar_from` (the session the series was made from) keep
their own event.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 23:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "series",
        sa.Column("calendar_sequence", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("series", sa.Column("calendar_from", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("series") as batch:
        batch.drop_column("calendar_from")
        batch.drop_column("calendar_sequence")
