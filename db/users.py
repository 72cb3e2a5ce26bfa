"""People: consent, profile, questionnaire answers, erasure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from db import waitlist
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    FunnelEvent,
    OfferStatus,
    Questionnaire,
    Therapist,
    Topic,
    User,
    WaitlistOffer,
)
from db.transactions import use_case


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.scalar(
        select(User).where(User.telegram_id == telegram_id, User.deleted_at.is_(None))
    )


async def therapist_link(session: AsyncSession, telegram_id: int) -> tuple[int, str | None] | None:
    """The catalogue entry this account is linked to, and the language its therapist chose."""
    row = (
        await session.execute(
            select(Therapist.id, Therapist.language).where(Therapist.telegram_id == telegram_id)
        )
    ).first()
    return None if row is None else (row.id, row.language)


# Built once (every update runs it; building it cost more than running it).
PERSON = (
    select(User, Therapist.id, Therapist.language)
    .outerjoin(Therapist, Therapist.telegram_id == User.telegram_id)
    # Most of a client's updates read the answers too (`get_questionnaire`).
    .options(joinedload(User.questionnaire), joinedload(User.checkin_answer))
    .where(User.telegram_id == bindparam("telegram_id"), User.deleted_at.is_(None))
)


async def person(
    session: AsyncSession, telegram_id: int
) -> tuple[User | None, tuple[int, str | None] | None]:
    """The account's client profile (with its answers) and its therapist link (as
    `therapist_link`), in one query when it has a profile (each update of a client reads
    both)."""
    row = (await session.execute(PERSON, {"telegram_id": telegram_id})).first()
    if row is None:
        return None, await therapist_link(session, telegram_id)
    user, therapist_id, language = row
    return user, None if therapist_id is None else (therapist_id, language)


async def record_event(session: AsyncSession, kind: str, now: datetime) -> None:
    """Anonymous funnel count; committed with the surrounding use case."""
    session.add(FunnelEvent(kind=kind, created_at=now))


async def count(session: AsyncSession, kind: str, now: datetime) -> None:
    """Count a funnel step on its own (no other change goes with it)."""
    async with use_case(session):
        await record_event(session, kind, now)


SOURCE_PREFIX = "source:"
# What a t.me link can carry in `?start=` (Telegram allows these characters only), cut so
# that the kind fits `funnel_events.kind` (32 characters).
SOURCE_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")
SOURCE_LENGTH = 32 - len(SOURCE_PREFIX)


def source_kind(payload: str | None) -> str | None:
    """The funnel kind for the payload of a `/start` link, or None when it cannot have come
    from a link (typed by hand: other characters), so it is not worth counting."""
    if not payload or not SOURCE_CHARACTERS.fullmatch(payload):
        return None
    return SOURCE_PREFIX + payload[:SOURCE_LENGTH]


async def count_start(session: AsyncSession, now: datetime, payload: str | None = None) -> None:
    """A `/start` before consent, with the link's source when it names one."""
    async with use_case(session):
        await record_event(session, "start", now)
        kind = source_kind(payload)
        if kind is not None:
            await record_event(session, kind, now)


async def register(
    session: AsyncSession, *, telegram_id: int, language: str, timezone: str, now: datetime
) -> User:
    """Create the person at the moment they consent (or return the existing one)."""
    user = await get_by_telegram_id(session, telegram_id)
    if user is None:
        user = User(
            telegram_id=telegram_id,
            language=language,
            timezone=timezone,
            consent_at=now,
            created_at=now,
        )
        session.add(user)
        await record_event(session, "consent", now)
    await session.commit()
    return user


async def update_profile(session: AsyncSession, user: User, **fields: Any) -> None:
    allowed = {"first_name", "email", "language", "timezone"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value)
    await session.commit()


@dataclass(frozen=True)
class Answers:
    age: int
    therapy_before: bool
    format: str
    topics: tuple[str, ...]
    gender_preference: str
    days: str
    time_of_day: str
    budget: int | None


async def save_questionnaire(
    session: AsyncSession, user: User, answers: Answers, now: datetime
) -> Questionnaire:
    questionnaire = await session.get(Questionnaire, user.id)
    values = {
        "age": answers.age,
        "therapy_before": answers.therapy_before,
        "format": answers.format,
        "topics": list(answers.topics),
        "gender_preference": answers.gender_preference,
        "days": answers.days,
        "time_of_day": answers.time_of_day,
        "budget": answers.budget,
        "updated_at": now,
    }
    if questionnaire is None:
        questionnaire = Questionnaire(user_id=user.id, completed_at=now, **values)
        session.add(questionnaire)
        await record_event(session, "questionnaire", now)
    else:
        for name, value in values.items():
            setattr(questionnaire, name, value)
    await session.commit()
    return questionnaire


async def get_questionnaire(session: AsyncSession, user: User) -> Questionnaire | None:
    return await session.get(Questionnaire, user.id)


async def visible_topics(session: AsyncSession) -> list[Topic]:
    result = await session.scalars(
        select(Topic).where(Topic.hidden.is_(False)).order_by(Topic.position, Topic.id)
    )
    return list(result)


async def empty_profile(session: AsyncSession, user: User, now: datetime) -> None:
    """Erase everything personal. The row stays, empty, so accounting records keep a key.
    Part of the erasure use case (`db.bookings.erase_client`); does not commit."""
    questionnaire = await session.get(Questionnaire, user.id)
    if questionnaire is not None:
        await session.delete(questionnaire)
    await session.execute(
        update(User)
        .where(User.id == user.id)
        .values(
            telegram_id=None,
            first_name=None,
            email=None,
            consent_at=None,
            deleted_at=now,
        )
    )


async def mark_blocked(session: AsyncSession, telegram_id: int, now: datetime) -> None:
    """The person blocked the bot: noted (reminders and offers stop), and the waitlist
    offers they can no longer hear of let their times go to the next in line."""
    blocked = list(
        await session.scalars(
            update(User)
            .where(User.telegram_id == telegram_id)
            .values(blocked_bot_at=now)
            .returning(User.id)
        )
    )
    if blocked:
        await waitlist.close_offers(
            session, WaitlistOffer.client_id.in_(blocked), OfferStatus.void, now
        )
    await session.commit()


async def mark_unblocked(session: AsyncSession, user: User) -> None:
    user.blocked_bot_at = None
    await session.commit()


async def current_therapists(
    session: AsyncSession, client_ids: list[int], now: datetime
) -> dict[int, int]:
    """Each client's current therapist: the one of their next session (or the one in
    progress), else of their latest session that was not cancelled; in two queries at
    most. The cabinet, a change of therapist and the check-ins all go by it."""
    if not client_ids:
        return {}
    upcoming = await session.execute(
        select(Booking.client_id, Booking.therapist_id)
        .where(
            Booking.client_id.in_(client_ids),
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.ends_at > now,
        )
        .order_by(Booking.starts_at.desc())
    )
    found: dict[int, int] = dict(upcoming.all())  # the soonest comes last: it wins
    rest = [client for client in client_ids if client not in found]
    return found | await latest_therapists(session, rest)


async def latest_therapists(session: AsyncSession, client_ids: list[int]) -> dict[int, int]:
    """Each client's therapist of their latest session that was not cancelled (for those
    without a session ahead: `current_therapists`)."""
    if not client_ids:
        return {}
    latest = await session.execute(
        select(Booking.client_id, Booking.therapist_id)
        .where(Booking.client_id.in_(client_ids), Booking.status != BookingStatus.cancelled)
        .order_by(Booking.starts_at)
    )
    return dict(latest.all())  # the latest comes last: it wins
