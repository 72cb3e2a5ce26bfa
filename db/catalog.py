"""The therapist catalogue as matching and the cards need it."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.matching import Candidate, Preferences
from db.models import Questionnaire, Slot, SlotStatus, Therapist, User


def preferences_of(questionnaire: Questionnaire, user: User) -> Preferences:
    return Preferences(
        format=questionnaire.format,
        topics=frozenset(questionnaire.topics),
        gender=questionnaire.gender_preference,
        days=questionnaire.days,
        time_of_day=questionnaire.time_of_day,
        budget=questionnaire.budget,
        timezone=user.timezone,
    )


async def free_slots(
    session: AsyncSession, therapist_ids: list[int] | None, earliest: datetime, latest: datetime
) -> dict[int, list[Slot]]:
    query = (
        select(Slot)
        .where(Slot.status == SlotStatus.free, Slot.starts_at >= earliest, Slot.starts_at < latest)
        .order_by(Slot.starts_at)
    )
    if therapist_ids is not None:
        query = query.where(Slot.therapist_id.in_(therapist_ids))
    result: dict[int, list[Slot]] = defaultdict(list)
    for slot in await session.scalars(query):
        result[slot.therapist_id].append(slot)
    return result


async def candidates(
    session: AsyncSession, earliest: datetime, latest: datetime
) -> list[Candidate]:
    """Every active therapist with their free slot starts in the booking window."""
    therapists = list(await session.scalars(select(Therapist).where(Therapist.active.is_(True))))
    slots = await free_slots(session, [t.id for t in therapists], earliest, latest)
    return [
        Candidate(
            therapist_id=therapist.id,
            gender=therapist.gender,
            offers_individual=therapist.offers_individual,
            offers_couple=therapist.offers_couple,
            price=therapist.price,
            active=therapist.active,
            topics=frozenset(topic.code for topic in therapist.topics),
            free_slots=tuple(slot.starts_at for slot in slots.get(therapist.id, [])),
        )
        for therapist in therapists
    ]


async def remember_photo(session: AsyncSession, therapist_id: int, file_id: str) -> None:
    """Telegram's file id of an uploaded portrait: later cards send it without uploading."""
    await session.execute(
        update(Therapist).where(Therapist.id == therapist_id).values(photo_file_id=file_id)
    )
    await session.commit()
