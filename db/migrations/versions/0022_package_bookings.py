"""bookings.purchase_id, refunds.purchase_id: sessions paid from a package, and its refunds

A booking paid with a package's credit names the purchase (`bookings.purchase_id`), so a
cancellation knows without a read whether a credit comes back. A package may be refunded
more than once (its unused credits when it closes, then a held credit that comes back
after), so `refunds.telegram_charge_id` is unique only for refunds of a session's
payment; a package's refunds name their purchase instead.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 20:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_REFUND_PER_CHARGE = "purchase_id IS NULL"


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, db.types.UTCDateTime(timezone=True), nullable=nullable)


def _refunds(*, charge_unique: bool) -> sa.Table:
    """`refunds` as migration 0003 made it, for SQLite's copy of the table (its unique
    constraint on the charge id has no name to drop it by)."""
    return sa.Table(
        "refunds",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("telegram_charge_id", sa.String(length=255), nullable=False),
        sa.Column("provider_charge_id", sa.String(length=255), nullable=True),
        sa.Column("payer_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _when("created_at", False),
        _when("due_at", False),
        _when("claimed_at", True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("finished_at", True),
        _when("done_at", True),
        sa.Column("done_by", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"]),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("payment_id"),
        *([sa.UniqueConstraint("telegram_charge_id")] if charge_unique else []),
        sa.Index("ix_refunds_due", "finished_at", "due_at"),
    )


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _copy_refunds_on_sqlite(*, charge_unique: bool) -> None:
    """SQLite cannot drop the unnamed unique constraint: the table is copied without it
    (Alembic's batch copy). The notices that name a refund are set aside meanwhile: with
    foreign keys on, dropping the old table under them would count as a violation that
    the renamed copy cannot clear."""
    op.execute(
        "CREATE TEMPORARY TABLE refund_notices AS SELECT * FROM notices WHERE refund_id IS NOT NULL"
    )
    op.execute("DELETE FROM notices WHERE refund_id IS NOT NULL")
    with op.batch_alter_table(
        "refunds", copy_from=_refunds(charge_unique=charge_unique), recreate="always"
    ) as batch:
        if not charge_unique:
            batch.add_column(sa.Column("purchase_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                "fk_refunds_purchase", "package_purchases", ["purchase_id"], ["id"]
            )
    op.execute("INSERT INTO notices SELECT * FROM refund_notices")
    op.execute("DROP TABLE refund_notices")


def upgrade() -> None:
    # Plain ADD COLUMN, as in 0010: a batch rebuild of `bookings` on SQLite would drop the
    # overlap triggers of 0001.
    if _sqlite():
        op.execute(
            "ALTER TABLE bookings ADD COLUMN purchase_id INTEGER REFERENCES package_purchases (id)"
        )
    else:
        op.add_column("bookings", sa.Column("purchase_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_bookings_purchase", "bookings", "package_purchases", ["purchase_id"], ["id"]
        )
    if _sqlite():
        _copy_refunds_on_sqlite(charge_unique=False)
    else:
        op.add_column("refunds", sa.Column("purchase_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_refunds_purchase", "refunds", "package_purchases", ["purchase_id"], ["id"]
        )
        op.drop_constraint("refunds_telegram_charge_id_key", "refunds", type_="unique")
    op.create_index(
        "uq_refunds_charge",
        "refunds",
        ["telegram_charge_id"],
        unique=True,
        sqlite_where=sa.text(ONE_REFUND_PER_CHARGE),
        postgresql_where=sa.text(ONE_REFUND_PER_CHARGE),
    )
    op.create_index("ix_refunds_purchase", "refunds", ["purchase_id"])


def downgrade() -> None:
    op.drop_index("ix_refunds_purchase", table_name="refunds")
    op.drop_index("uq_refunds_charge", table_name="refunds")
    if _sqlite():
        _copy_refunds_on_sqlite(charge_unique=True)  # `purchase_id` left out
    else:
        op.drop_constraint("fk_refunds_purchase", "refunds", type_="foreignkey")
        op.drop_column("refunds", "purchase_id")
        op.create_unique_constraint(
            "refunds_telegram_charge_id_key", "refunds", ["telegram_charge_id"]
        )
    if not _sqlite():
        op.drop_constraint("fk_bookings_purchase", "bookings", type_="foreignkey")
    op.drop_column("bookings", "purchase_id")
