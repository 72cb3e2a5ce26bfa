"""The people of the sandbox, each with a chat of their own, and the data they start with:
the demo catalogue, the demo therapist's Telegram account linked to a profile, and a demo
client who has answered the questionnaire and booked a session with that therapist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bot.rules.policy import Rules
from db import bookings, users
from db.demo import load_demo
from db.models import Slot, SlotStatus, Therapist

BOT_ID = 5000000001  # the sandbox bot's id, the first part of its token
TOKEN = f"{BOT_ID}:sandbox-local-token"  # it signs the Mini App's launch data too
NEW_CLIENT_ID = 1001
DEMO_CLIENT_ID = 1002
THERAPIST_ID = 2001
ADMIN_ID = 3001
GROUP_CHAT_ID = -1001000000001  # the practice's group (THERAPIST_CHAT_ID)
# The demo client's session is at least this far ahead, so that moving the clock by a day
# brings its reminders.
DEMO_SESSION_AFTER = timedelta(hours=30)


@dataclass(frozen=True)
class Persona:
    key: str  # in the page's address (#new_client) and in its labels
    chat_id: int
    user_id: int  # who writes in the chat
    first_name: str
    kind: Literal["private", "group"] = "private"

    @property
    def label(self) -> str:
        return f"sandbox-persona-{self.key.replace('_', '-')}"


PERSONAS = (
    Persona("new_client", NEW_CLIENT_ID, NEW_CLIENT_ID, "Аня"),
    Persona("demo_client", DEMO_CLIENT_ID, DEMO_CLIENT_ID, "Мария"),
    Persona("therapist", THERAPIST_ID, THERAPIST_ID, "Анна"),
    Persona("admin", ADMIN_ID, ADMIN_ID, "Олег"),
    # In the group the admin writes.
    Persona("group", GROUP_CHAT_ID, ADMIN_ID, "Олег", kind="group"),
)


@dataclass(frozen=True)
class Seeded:
    therapist_name_ru: str
    therapist_name_en: str
    session_at: datetime | None  # the demo client's session (None: no free time found)


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    rules: Rules,
    horizon_days: int,
    language: str,
    timezone: str,
) -> Seeded:
    """Load the demo catalogue into an empty database, link the therapist persona to the
    first demo profile with a photo, and book the demo client's session with it through
    the same use case a tap on a time runs (confirmed at once: it is not paid)."""
    async with sessionmaker() as session:
        await load_demo(session, now=now, horizon_days=horizon_days)
        therapist = await session.scalar(
            select(Therapist)
            .options(selectinload(Therapist.topics))
            .where(Therapist.active, Therapist.photo_path.is_not(None))
            .order_by(Therapist.id)
            .limit(1)
        )
        if therapist is None:
            raise RuntimeError("the demo catalogue has no therapist with a photo")
        therapist.telegram_id = THERAPIST_ID
        therapist.language = language
        seeded = Seeded(therapist.name_ru, therapist.name_en, None)
        await session.commit()
        # As if she came through /start, so that the funnel in /stats adds up.
        await users.count_start(session, now)
        client = await users.register(
            session, telegram_id=DEMO_CLIENT_ID, language=language, timezone=timezone, now=now
        )
        await users.update_profile(session, client, first_name="Мария")
        topics = tuple(topic.code for topic in therapist.topics[:2])
        answers = users.Answers(
            age=34,
            therapy_before=True,
            format="individual" if therapist.offers_individual else "couple",
            topics=topics,
            gender_preference="any",
            days="any",
            time_of_day="any",
            budget=None,
        )
        await users.save_questionnaire(session, client, answers, now)
        slot_id = await session.scalar(
            select(Slot.id)
            .where(
                Slot.therapist_id == therapist.id,
                Slot.status == SlotStatus.free,
                Slot.starts_at >= now + max(DEMO_SESSION_AFTER, rules.min_notice),
            )
            .order_by(Slot.starts_at)
            .limit(1)
        )
        if slot_id is None:
            return seeded
        booking = await bookings.book(
            session,
            client=client,
            slot_id=slot_id,
            format=answers.format,
            rules=rules,
            now=now,
            hold=None,
        )
        return Seeded(seeded.therapist_name_ru, seeded.therapist_name_en, booking.starts_at)
