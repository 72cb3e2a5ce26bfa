"""A catalogue the size of a real platform, written straight into a migrated database:
therapists in Russian-speaking zones, each with 14 days of about six free slots a day
within their working hours (fewer at weekends) and a booked one now and then, and a
history as a practice that has run a while gives it: a fifth of them with a return rate
above the catalogue's, a tenth below, and some who answer requests quickly (so the
search ranks several groups in each topic tier)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.rules.matching import BUDGET_TIERS, Preferences
from db.models import Slot, Therapist, TherapistTopic, Topic

DAYS = 14
ZONES = ["Europe/Moscow"] * 6 + [
    "Europe/Kaliningrad",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Asia/Vladivostok",
]
PRICES = (2000, 2500, 3000, 3500, 4000, 4500, 5000, 6000, 7000, 9000)
CHUNK = 2_000


async def fill(engine: AsyncEngine, therapists: int, today: date, seed: int = 7) -> int:
    """Write `therapists` therapists and their slots from `today`; returns the free slots."""
    rng = random.Random(seed)
    history = random.Random(seed + 1)  # drawn apart: the catalogue itself stays the same
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        topic_ids = list(await connection.scalars(select(Topic.id)))
        people, topics, slots = [], [], []
        free = 0
        for number in range(1, therapists + 1):
            zone = rng.choice(ZONES)
            people.append(
                {
                    "id": number,
                    "name_ru": f"Терапевт {number}",
                    "name_en": f"Therapist {number}",
                    "gender": rng.choice(["female", "female", "female", "male"]),
                    "offers_individual": rng.random() < 0.9,
                    "offers_couple": rng.random() < 0.3,
                    "price": rng.choice(PRICES),
                    "session_minutes": 50,
                    "timezone": zone,
                    "about_ru": "Работаю в когнитивно-поведенческом подходе.",
                    "about_en": "I work in cognitive behavioural therapy.",
                    "active": rng.random() < 0.97,
                    "created_at": now,
                    "rate_standing": history.choices([1, 0, -1], weights=[2, 7, 1])[0],
                    "answers_quickly": history.random() < 0.15,
                }
            )
            for topic in rng.sample(topic_ids, rng.randint(2, 6)):
                topics.append({"therapist_id": number, "topic_id": topic})
            tz = ZoneInfo(zone)
            first_hour = rng.choice([8, 9, 10, 11, 12])
            for day in range(DAYS + 1):
                local_day = today + timedelta(days=day)
                if local_day.weekday() >= 5 and rng.random() < 0.7:
                    continue
                for hour in sorted(rng.sample(range(first_hour, first_hour + 10), 7)):
                    start = datetime.combine(local_day, time(hour), tz).astimezone(UTC)
                    status = "booked" if rng.random() < 0.15 else "free"
                    free += status == "free"
                    slots.append(
                        {
                            "therapist_id": number,
                            "starts_at": start,
                            "ends_at": start + timedelta(minutes=50),
                            "status": status,
                        }
                    )
        await connection.execute(insert(Therapist), people)
        await connection.execute(insert(TherapistTopic), topics)
    # Slots arrive over many transactions, as the free-slot job writes them: on PostgreSQL
    # the summary rows their triggers rewrite are pruned as the load goes, as on a server
    # that has run for a while, instead of piling up behind one transaction.
    for begin in range(0, len(slots), CHUNK):
        async with engine.begin() as connection:
            await connection.execute(insert(Slot), slots[begin : begin + CHUNK])
    return free


async def count_free(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            await connection.scalar(
                select(func.count()).select_from(Slot).where(Slot.status == "free")
            )
            or 0
        )


def clients(codes: list[str], count: int, seed: int = 11) -> list[Preferences]:
    """Clients as a platform sees them: most want an individual session, a few topics, and
    say «не важно» to some of the questions."""
    rng = random.Random(seed)
    return [
        Preferences(
            format="couple" if rng.random() < 0.15 else "individual",
            topics=frozenset(rng.sample(codes, rng.randint(1, 3))),
            gender=rng.choice(["any", "any", "any", "female", "female", "male"]),
            days=rng.choice(["any", "any", "weekdays", "weekdays", "weekends"]),
            time_of_day=rng.choice(["any", "any", "morning", "afternoon", "evening"]),
            budget=rng.choice([None, None, *BUDGET_TIERS]),
            timezone=rng.choice(ZONES),
        )
        for _ in range(count)
    ]
