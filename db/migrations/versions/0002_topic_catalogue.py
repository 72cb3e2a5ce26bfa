"""topic catalogue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOPICS = (
    ("anxiety", "Тревога", "Anxiety"),
    ("depression", "Депрессия, апатия", "Depression, apathy"),
    ("relationships", "Отношения", "Relationships"),
    ("burnout", "Выгорание", "Burnout"),
    ("grief", "Горе и утрата", "Grief and loss"),
    ("self_esteem", "Самооценка", "Self-esteem"),
    ("trauma", "Травма, ПТСР", "Trauma, PTSD"),
    ("family", "Семья и родители", "Family and parents"),
    ("sleep", "Сон", "Sleep"),
    ("panic", "Панические атаки", "Panic attacks"),
    ("stress", "Стресс", "Stress"),
    ("loneliness", "Одиночество", "Loneliness"),
    ("career", "Работа и самоопределение", "Work and purpose"),
    ("addiction", "Зависимости", "Addictions"),
    ("eating", "Пищевое поведение", "Eating"),
    ("parenting", "Родительство", "Parenting"),
)

topics = sa.table(
    "topics",
    sa.column("code", sa.String),
    sa.column("name_ru", sa.String),
    sa.column("name_en", sa.String),
    sa.column("position", sa.Integer),
    sa.column("hidden", sa.Boolean),
)


def upgrade() -> None:
    op.bulk_insert(
        topics,
        [
            {"code": code, "name_ru": ru, "name_en": en, "position": index, "hidden": False}
            for index, (code, ru, en) in enumerate(TOPICS)
        ],
    )


def downgrade() -> None:
    op.execute(topics.delete().where(topics.c.code.in_([code for code, _, _ in TOPICS])))
