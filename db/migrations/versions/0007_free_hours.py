"""therapist_free_hours and therapists.topic_bits: what the catalogue's search filters on

`therapist_free_hours`: per therapist, the hours of the week (UTC) that have a free slot.

A summary the catalogue's search filters on before it reads any slot: three words of 56
bits (hour of the week = Sunday 00:00 UTC + n hours). Triggers on `slots` set a bit
whenever a slot is free (inserted free, or becoming free); nothing clears a bit but
`db.catalog.refresh_free_hours`, which recomputes the words from the free slots still
ahead. So a bit may be set for an hour with no free slot left (the search then checks the
slots themselves), and never missing for one that has.

`therapists.topic_bits`: bit n-1 set when the therapist works with topic id n (ids 1–63),
kept exact by triggers on `therapist_topics`; the search counts a client's topics in it
(and asks `therapist_topics` itself for a topic id above 63).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
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


def bits(week_hour: str) -> list[str]:
    """The word values of one hour's bit."""
    return [
        f"(CASE WHEN {week_hour} / {WORD} = {n} "
        f"THEN CAST(1 AS BIGINT) << ({week_hour} % {WORD}) ELSE 0 END)"
        for n in range(WORDS)
    ]


def _upsert(week_hour: str, owner: str) -> str:
    words = ", ".join(f"w{n}" for n in range(WORDS))
    values = ", ".join(bits(week_hour))
    merge = ", ".join(f"w{n} = therapist_free_hours.w{n} | excluded.w{n}" for n in range(WORDS))
    return (
        f"INSERT INTO therapist_free_hours (therapist_id, {words}) VALUES ({owner}, {values}) "
        f"ON CONFLICT (therapist_id) DO UPDATE SET {merge}"
    )


TOPIC_BITS = 63


def _topic_bit(topic: str) -> str:
    return f"(CAST(1 AS BIGINT) << ({topic} - 1))"


def _topic_triggers(dialect: str) -> list[str]:
    add = "topic_bits = topic_bits | {bit}"
    remove = "topic_bits = topic_bits & ~{bit}"
    within = f"{{row}}.topic_id BETWEEN 1 AND {TOPIC_BITS}"

    def change(row: str, how: str) -> str:
        return (
            f"UPDATE therapists SET {how.format(bit=_topic_bit(f'{row}.topic_id'))} "
            f"WHERE id = {row}.therapist_id"
        )

    if dialect == "postgresql":
        return [
            "CREATE FUNCTION therapist_topic_bits() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('DELETE', 'UPDATE') AND {within.format(row='OLD')} THEN "
            f"{change('OLD', remove)}; END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') AND {within.format(row='NEW')} THEN "
            f"{change('NEW', add)}; END IF; "
            "RETURN NULL; END $$",
            "CREATE TRIGGER therapist_topic_bits AFTER INSERT OR UPDATE OR DELETE "
            "ON therapist_topics FOR EACH ROW EXECUTE FUNCTION therapist_topic_bits()",
        ]
    return [
        "CREATE TRIGGER therapist_topic_bits_insert AFTER INSERT ON therapist_topics "
        f"WHEN {within.format(row='NEW')} BEGIN {change('NEW', add)}; END",
        "CREATE TRIGGER therapist_topic_bits_delete AFTER DELETE ON therapist_topics "
        f"WHEN {within.format(row='OLD')} BEGIN {change('OLD', remove)}; END",
        "CREATE TRIGGER therapist_topic_bits_update_old AFTER UPDATE ON therapist_topics "
        f"WHEN {within.format(row='OLD')} BEGIN {change('OLD', remove)}; END",
        "CREATE TRIGGER therapist_topic_bits_update_new AFTER UPDATE ON therapist_topics "
        f"WHEN {within.format(row='NEW')} BEGIN {change('NEW', add)}; END",
    ]


def upgrade() -> None:
    op.add_column(
        "therapists", sa.Column("topic_bits", sa.BigInteger(), nullable=False, server_default="0")
    )
    bind = op.get_bind()
    for statement in _topic_triggers(bind.dialect.name):
        op.execute(statement)
    op.execute(
        "UPDATE therapists SET topic_bits = COALESCE((SELECT sum(DISTINCT "
        f"{_topic_bit('topic_id')}) FROM therapist_topics WHERE therapist_id = therapists.id "
        f"AND topic_id BETWEEN 1 AND {TOPIC_BITS}), 0)"
    )
    op.create_table(
        "therapist_free_hours",
        sa.Column("therapist_id", sa.Integer(), autoincrement=False, nullable=False),
        *(
            sa.Column(f"w{n}", sa.BigInteger(), nullable=False, server_default="0")
            for n in range(WORDS)
        ),
        sa.ForeignKeyConstraint(["therapist_id"], ["therapists.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("therapist_id"),
    )
    # The search's scans: a tier's topics, and a therapist's free slots in time order.
    op.create_index("ix_therapist_topics_topic", "therapist_topics", ["topic_id", "therapist_id"])
    op.create_index(
        "ix_slots_therapist_status_start", "slots", ["therapist_id", "status", "starts_at"]
    )
    # Free slots in time order, ties by therapist, without sorting (serves the old index's
    # queries too).
    op.drop_index("ix_slots_status_start", table_name="slots")
    op.create_index(
        "ix_slots_status_start_therapist", "slots", ["status", "starts_at", "therapist_id"]
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION slots_free_hours() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.status = 'free' THEN "
            f"{_upsert(postgresql_week_hour('NEW.starts_at'), 'NEW.therapist_id')}; "
            "END IF; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER slots_free_hours AFTER INSERT OR UPDATE OF status, starts_at, "
            "therapist_id ON slots FOR EACH ROW EXECUTE FUNCTION slots_free_hours()"
        )
        week_hour = postgresql_week_hour("starts_at")
        merged = [f"bit_or({bit})" for bit in bits(week_hour)]
    else:
        upsert = _upsert(sqlite_week_hour("NEW.starts_at"), "NEW.therapist_id")
        op.execute(
            "CREATE TRIGGER slots_free_hours_insert AFTER INSERT ON slots "
            f"WHEN NEW.status = 'free' BEGIN {upsert}; END"
        )
        op.execute(
            "CREATE TRIGGER slots_free_hours_update AFTER UPDATE OF status, starts_at, "
            f"therapist_id ON slots WHEN NEW.status = 'free' BEGIN {upsert}; END"
        )
        week_hour = sqlite_week_hour("starts_at")
        # Distinct powers of two: their sum is their bitwise or.
        merged = [f"sum(DISTINCT {bit})" for bit in bits(week_hour)]
    words = ", ".join(f"w{n}" for n in range(WORDS))
    op.execute(
        f"INSERT INTO therapist_free_hours (therapist_id, {words}) "
        f"SELECT therapist_id, {', '.join(merged)} FROM slots WHERE status = 'free' "
        "GROUP BY therapist_id"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS slots_free_hours ON slots")
        op.execute("DROP FUNCTION IF EXISTS slots_free_hours()")
    else:
        op.execute("DROP TRIGGER IF EXISTS slots_free_hours_insert")
        op.execute("DROP TRIGGER IF EXISTS slots_free_hours_update")
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS therapist_topic_bits ON therapist_topics")
        op.execute("DROP FUNCTION IF EXISTS therapist_topic_bits()")
    else:
        for name in ("insert", "delete", "update_old", "update_new"):
            op.execute(f"DROP TRIGGER IF EXISTS therapist_topic_bits_{name}")
    with op.batch_alter_table("therapists") as batch:
        batch.drop_column("topic_bits")
    op.drop_index("ix_slots_status_start_therapist", table_name="slots")
    op.create_index("ix_slots_status_start", "slots", ["status", "starts_at"])
    op.drop_index("ix_slots_therapist_status_start", table_name="slots")
    op.drop_index("ix_therapist_topics_topic", table_name="therapist_topics")
    op.drop_table("therapist_free_hours")
