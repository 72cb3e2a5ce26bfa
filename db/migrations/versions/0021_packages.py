"""packages, package_purchases, credit_moves: prepaid packages of sessions

An admin's offers (`packages`), what a client bought (`package_purchases`, with its
balance of free credits, refused below zero or above the package's sessions by a CHECK),
and every movement of its credits (`credit_moves`: bought, held, spent, returned,
refunded, expired, each with its booking).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "packages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("therapist_id", sa.Integer(), sa.ForeignKey("therapists.id", ondelete="CASCADE")),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("price", sa.Integer()),
        sa.Column("discount_percent", sa.Integer()),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sessions BETWEEN 1 AND 100", name="package_sessions_range"),
        sa.CheckConstraint("weeks BETWEEN 1 AND 104", name="package_weeks_range"),
        sa.CheckConstraint(
            "(price IS NULL) <> (discount_percent IS NULL)", name="package_price_or_discount"
        ),
        sa.CheckConstraint("price IS NULL OR price > 0", name="package_price_positive"),
        sa.CheckConstraint(
            "discount_percent IS NULL OR discount_percent BETWEEN 0 AND 90",
            name="package_discount_range",
        ),
    )
    op.create_table(
        "package_purchases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("therapist_id", sa.Integer(), sa.ForeignKey("therapists.id"), nullable=False),
        sa.Column("package_id", sa.Integer(), sa.ForeignKey("packages.id", ondelete="SET NULL")),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("telegram_charge_id", sa.String(255), nullable=False, unique=True),
        sa.Column("provider_charge_id", sa.String(255)),
        sa.Column("bought_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("closed_at", db.types.UTCDateTime(timezone=True)),
        sa.CheckConstraint("balance >= 0 AND balance <= sessions", name="purchase_balance_range"),
    )
    op.create_index(
        "ix_purchases_client", "package_purchases", ["client_id", "therapist_id", "expires_at"]
    )
    op.create_table(
        "credit_moves",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "purchase_id", sa.Integer(), sa.ForeignKey("package_purchases.id"), nullable=False
        ),
        sa.Column("booking_id", sa.Integer(), sa.ForeignKey("bookings.id", ondelete="SET NULL")),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_credit_moves_purchase", "credit_moves", ["purchase_id"])
    op.create_index("ix_credit_moves_booking", "credit_moves", ["booking_id"])


def downgrade() -> None:
    op.drop_table("credit_moves")
    op.drop_index("ix_purchases_client", table_name="package_purchases")
    op.drop_table("package_purchases")
    op.drop_table("packages")
