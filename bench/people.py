"""People written straight into a migrated database for the benchmarks: clients who
consented and answered the questionnaire."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Questionnaire, User

CHUNK = 10_000


async def add_clients(
    engine: AsyncEngine, count: int, *, first_id: int, telegram_from: int
) -> None:
    """`count` clients with user ids from `first_id` and Telegram ids from `telegram_from`."""
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        for begin in range(0, count, CHUNK):
            numbers = range(begin, min(count, begin + CHUNK))
            await connection.execute(
                insert(User),
                [
                    {
                        "id": first_id + n,
                        "telegram_id": telegram_from + n,
                        "first_name": "Клиент",
                        "language": "ru",
                        "timezone": "Europe/Moscow",
                        "consent_at": now,
                        "created_at": now,
                    }
                    for n in numbers
                ],
            )
            await connection.execute(
                insert(Questionnaire),
                [
                    {
                        "user_id": first_id + n,
                        "age": 30,
                        "therapy_before": False,
                        "format": "individual",
                        "topics": ["anxiety"],
                        "gender_preference": "any",
                        "days": "any",
                        "time_of_day": "any",
                        "budget": None,
                        "completed_at": now,
                        "updated_at": now,
                    }
                    for n in numbers
                ],
            )
