"""The slots' triggers write a therapist's free-hours row only when a bit is new

In 0007 every slot inserted or freed rewrote its therapist's summary row even when the
hour's bit was set already; on PostgreSQL each rewrite leaves a dead row version, so a
catalogue's worth of slots left the small table thousands of pages long for the search
to read. Now the upsert changes the row only when the slot's hour adds a bit.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORD = 56
WORDS = 3


def sqlite_week_hour(column: str) -> str:
    return (
        f"(CAST(strftime('%w', {column}) AS INTEGER) * 24"
        f" + CAST(strftime('%H', {column}) AS INTEGER))"
    )


def postgresql_week_hour(column: str) -> str:
    utc = f"({column} AT TIME ZONE 'UTC')"
    return f"(EXTRACT(DOW FROM {utc})::int * 24 + EXTRACT(HOUR FROM {utc})::int)"


def upsert(week_hour: str, owner: str, *, only_new_bits: bool) -> str:
    words = ", ".join(f"w{n}" for n in range(WORDS))
    values = ", ".join(
        f"(CASE WHEN {week_hour} / {WORD} = {n} "
        f"THEN CAST(1 AS BIGINT) << ({week_hour} % {WORD}) ELSE 0 END)"
        for n in range(WORDS)
    )
    merge = ", ".join(f"w{n} = therapist_free_hours.w{n} | excluded.w{n}" for n in range(WORDS))
    statement = (
        f"INSERT INTO therapist_free_hours (therapist_id, {words}) VALUES ({owner}, {values}) "
        f"ON CONFLICT (therapist_id) DO UPDATE SET {merge}"
    )
    if only_new_bits:
        new = " OR ".join(
            f"(therapist_free_hours.w{n} | excluded.w{n}) <> therapist_free_hours.w{n}"
            for n in range(WORDS)
        )
        statement += f" WHERE {new}"
    return statement


def _triggers(*, only_new_bits: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        change = upsert(
            postgresql_week_hour("NEW.starts_at"), "NEW.therapist_id", only_new_bits=only_new_bits
        )
        op.execute(
            "CREATE OR REPLACE FUNCTION slots_free_hours() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN IF NEW.status = 'free' THEN {change}; END IF; RETURN NULL; END $$"
        )
        return
    change = upsert(
        sqlite_week_hour("NEW.starts_at"), "NEW.therapist_id", only_new_bits=only_new_bits
    )
    op.execute("DROP TRIGGER IF EXISTS slots_free_hours_insert")
    op.execute("DROP TRIGGER IF EXISTS slots_free_hours_update")
    op.execute(
        "CREATE TRIGGER slots_free_hours_insert AFTER INSERT ON slots "
        f"WHEN NEW.status = 'free' BEGIN {change}; END"
    )
    op.execute(
        "CREATE TRIGGER slots_free_hours_update AFTER UPDATE OF status, starts_at, "
        f"therapist_id ON slots WHEN NEW.status = 'free' BEGIN {change}; END"
    )


def upgrade() -> None:
    _triggers(only_new_bits=True)


def downgrade() -> None:
    _triggers(only_new_bits=False)
