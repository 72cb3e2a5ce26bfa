"""therapy_groups, group_dates, group_waits, bookings.group_date_id: group sessions

A group (`therapy_groups`) meets on dates (`group_dates`); each date holds the therapist's
time with a slot of status `group` and counts its seats (`taken`, CHECK `taken <=
capacity`). A seat is a booking naming its date. The seats of one date share its time, so
the therapist's overlap guard of 0001 now skips seats (the date's slot keeps the
therapist's time against every other slot); the client's guard is unchanged, so nobody
holds two seats of one date. A full date has a waiting list (`group_waits`).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "status IN ('pending_payment', 'confirmed')"
GUARD = "bookings_therapist_no_overlap"
OPEN_WAIT = "status IN ('waiting', 'offered')"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, db.types.UTCDateTime(timezone=True), nullable=nullable)


def _therapist_guard(*, skip_seats: bool) -> None:
    """The therapist's overlap guard on bookings (0001), with or without seats."""
    seats = " AND group_date_id IS NULL" if skip_seats else ""
    if not _sqlite():
        op.execute(f"ALTER TABLE bookings DROP CONSTRAINT IF EXISTS {GUARD}")
        op.execute(
            f"ALTER TABLE bookings ADD CONSTRAINT {GUARD} EXCLUDE USING gist "
            f"(therapist_id WITH =, tstzrange(starts_at, ends_at) WITH &&) "
            f"WHERE (({ACTIVE}){seats})"
        )
        return
    other_seats = " AND other.group_date_id IS NULL" if skip_seats else ""
    new_seats = " AND NEW.group_date_id IS NULL" if skip_seats else ""
    clash = (
        "SELECT 1 FROM bookings AS other WHERE other.therapist_id = NEW.therapist_id"
        " AND other.starts_at < NEW.ends_at AND other.ends_at > NEW.starts_at"
        f" AND other.{ACTIVE}{other_seats}"
    )
    op.execute(f"DROP TRIGGER IF EXISTS {GUARD}_insert")
    op.execute(f"DROP TRIGGER IF EXISTS {GUARD}_update")
    op.execute(
        f"CREATE TRIGGER {GUARD}_insert BEFORE INSERT ON bookings "
        f"WHEN EXISTS ({clash}) AND NEW.{ACTIVE}{new_seats} "
        f"BEGIN SELECT RAISE(ABORT, '{GUARD}'); END"
    )
    op.execute(
        f"CREATE TRIGGER {GUARD}_update BEFORE UPDATE OF starts_at, ends_at, status, "
        f"therapist_id ON bookings WHEN EXISTS ({clash} AND other.id != NEW.id) "
        f"AND NEW.{ACTIVE}{new_seats} BEGIN SELECT RAISE(ABORT, '{GUARD}'); END"
    )


def upgrade() -> None:
    op.create_table(
        "therapy_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("therapist_id", sa.Integer(), sa.ForeignKey("therapists.id"), nullable=False),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        _when("created_at", False),
        _when("closed_at", True),
        sa.CheckConstraint("capacity BETWEEN 2 AND 15", name="group_capacity_range"),
        sa.CheckConstraint("price > 0", name="group_price_positive"),
        sa.CheckConstraint("minutes BETWEEN 15 AND 240", name="group_minutes_range"),
    )
    op.create_index("ix_groups_therapist", "therapy_groups", ["therapist_id", "closed_at"])
    op.create_table(
        "group_dates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("therapy_groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("slot_id", sa.Integer(), sa.ForeignKey("slots.id", ondelete="SET NULL")),
        _when("starts_at", False),
        _when("ends_at", False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False, server_default="0"),
        _when("cancelled_at", True),
        sa.CheckConstraint("taken >= 0 AND taken <= capacity", name="group_date_seats"),
        sa.CheckConstraint("ends_at > starts_at", name="group_date_positive_length"),
    )
    op.create_index("ix_group_dates_group", "group_dates", ["group_id", "starts_at"])
    op.create_table(
        "group_waits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "group_date_id",
            sa.Integer(),
            sa.ForeignKey("group_dates.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "client_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("status", sa.String(16), nullable=False),
        _when("created_at", False),
        _when("offered_at", True),
        _when("offer_expires_at", True),
    )
    op.create_index(
        "uq_group_waits_open",
        "group_waits",
        ["group_date_id", "client_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_WAIT),
        postgresql_where=sa.text(OPEN_WAIT),
    )
    op.create_index("ix_group_waits_date", "group_waits", ["group_date_id", "status", "created_at"])
    op.create_index("ix_group_waits_due", "group_waits", ["status", "offer_expires_at"])
    # Plain ADD COLUMN, as in 0010 and 0022: a batch rebuild of `bookings` on SQLite would
    # drop the overlap triggers of 0001.
    if _sqlite():
        op.execute(
            "ALTER TABLE bookings ADD COLUMN group_date_id INTEGER REFERENCES group_dates (id)"
        )
    else:
        op.add_column("bookings", sa.Column("group_date_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_bookings_group_date", "bookings", "group_dates", ["group_date_id"], ["id"]
        )
    op.create_index(
        "ix_bookings_group_date",
        "bookings",
        ["group_date_id"],
        sqlite_where=sa.text("group_date_id IS NOT NULL"),
        postgresql_where=sa.text("group_date_id IS NOT NULL"),
    )
    _therapist_guard(skip_seats=True)


def downgrade() -> None:
    # Seats cannot outlive their groups: the active ones are cancelled (by the practice).
    op.execute(
        f"UPDATE bookings SET status = 'cancelled', cancelled_by = 'admin' "
        f"WHERE group_date_id IS NOT NULL AND {ACTIVE}"
    )
    _therapist_guard(skip_seats=False)
    op.drop_index("ix_bookings_group_date", table_name="bookings")
    if not _sqlite():
        op.drop_constraint("fk_bookings_group_date", "bookings", type_="foreignkey")
    op.drop_column("bookings", "group_date_id")
    op.execute("UPDATE slots SET status = 'free' WHERE status = 'group'")
    op.drop_index("ix_group_waits_due", table_name="group_waits")
    op.drop_index("ix_group_waits_date", table_name="group_waits")
    op.drop_index("uq_group_waits_open", table_name="group_waits")
    op.drop_table("group_waits")
    op.drop_index("ix_group_dates_group", table_name="group_dates")
    op.drop_table("group_dates")
    op.drop_index("ix_groups_therapist", table_name="therapy_groups")
    op.drop_table("therapy_groups")
