"""What admins do with the catalogue: therapists, their invites, topics.

Every change writes its audit entry (`db.audit`) in the same transaction as the change."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.refusals import Refused
from db import audit
from db.models import Approval, Therapist, TherapistInvite, Topic

INVITE_TTL = timedelta(days=7)
# Columns an admin may change on a therapist; topics and the photo have their own calls.
THERAPIST_COLUMNS = frozenset(
    {
        "name_ru",
        "name_en",
        "gender",
        "offers_individual",
        "offers_couple",
        "price",
        "session_minutes",
        "timezone",
        "about_ru",
        "about_en",
        "education_ru",
        "education_en",
        "meeting_link",
    }
)
# Short values worth keeping in the audit log; long texts are named, not copied.
AUDITED_VALUES = frozenset(
    {"gender", "offers_individual", "offers_couple", "price", "session_minutes", "timezone"}
)


def therapist_target(therapist_id: int) -> str:
    return f"therapist:{therapist_id}"


# -- therapists --------------------------------------------------------------------------


async def therapists_page(
    session: AsyncSession, *, offset: int, limit: int
) -> tuple[list[Therapist], int]:
    """Active and inactive therapists by id, and how many there are."""
    total = await session.scalar(select(func.count(Therapist.id))) or 0
    rows = await session.scalars(
        select(Therapist).order_by(Therapist.id).offset(offset).limit(limit)
    )
    return list(rows), int(total)


async def get_therapist(session: AsyncSession, therapist_id: int) -> Therapist | None:
    return await session.get(Therapist, therapist_id)


@dataclass(frozen=True)
class TherapistDraft:
    name_ru: str
    name_en: str
    gender: str
    offers_individual: bool
    offers_couple: bool
    topic_ids: tuple[int, ...]
    price: int
    session_minutes: int
    timezone: str
    about_ru: str
    about_en: str
    education_ru: str = ""
    education_en: str = ""
    photo_file_id: str | None = None
    meeting_link: str | None = None


async def create_therapist(
    session: AsyncSession, draft: TherapistDraft, *, actor: int, now: datetime
) -> Therapist:
    topics = await topics_by_id(session, draft.topic_ids)
    therapist = Therapist(
        name_ru=draft.name_ru,
        name_en=draft.name_en,
        gender=draft.gender,
        offers_individual=draft.offers_individual,
        offers_couple=draft.offers_couple,
        price=draft.price,
        session_minutes=draft.session_minutes,
        timezone=draft.timezone,
        about_ru=draft.about_ru,
        about_en=draft.about_en,
        education_ru=draft.education_ru,
        education_en=draft.education_en,
        photo_file_id=draft.photo_file_id,
        meeting_link=draft.meeting_link,
        active=True,
        created_at=now,
        topics=topics,
    )
    session.add(therapist)
    await session.flush()
    audit.add(
        session,
        actor=actor,
        action="therapist.create",
        target=therapist_target(therapist.id),
        now=now,
    )
    await session.commit()
    return therapist


async def update_therapist(
    session: AsyncSession, therapist_id: int, *, actor: int, now: datetime, **values: Any
) -> Therapist | None:
    """Change some columns of a therapist; None when there is no such therapist."""
    unknown = set(values) - THERAPIST_COLUMNS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    therapist = await session.get(Therapist, therapist_id)
    if therapist is None:
        return None
    details: dict[str, Any] = {"fields": sorted(values)}
    for name, value in values.items():
        if name in AUDITED_VALUES:
            details[name] = {"from": getattr(therapist, name), "to": value}
        setattr(therapist, name, value)
    audit.add(
        session,
        actor=actor,
        action="therapist.edit",
        target=therapist_target(therapist_id),
        details=details,
        now=now,
    )
    await session.commit()
    return therapist


async def set_therapist_topics(
    session: AsyncSession, therapist_id: int, topic_ids: Sequence[int], *, actor: int, now: datetime
) -> Therapist | None:
    therapist = await session.get(Therapist, therapist_id)
    if therapist is None:
        return None
    topics = await topics_by_id(session, topic_ids)
    therapist.topics = topics
    audit.add(
        session,
        actor=actor,
        action="therapist.topics",
        target=therapist_target(therapist_id),
        details={"topics": sorted(t.code for t in topics)},
        now=now,
    )
    await session.commit()
    return therapist


async def set_therapist_photo(
    session: AsyncSession, therapist_id: int, file_id: str | None, *, actor: int, now: datetime
) -> Therapist | None:
    """A photo an admin sent in the chat: Telegram's file id replaces the old portrait
    (None removes it)."""
    therapist = await session.get(Therapist, therapist_id)
    if therapist is None:
        return None
    therapist.photo_file_id = file_id
    therapist.photo_path = None
    audit.add(
        session,
        actor=actor,
        action="therapist.photo",
        target=therapist_target(therapist_id),
        now=now,
    )
    await session.commit()
    return therapist


async def set_therapist_active(
    session: AsyncSession, therapist_id: int, active: bool, *, actor: int, now: datetime
) -> Therapist | None:
    therapist = await session.get(Therapist, therapist_id)
    if therapist is None:
        return None
    if therapist.active != active:
        therapist.active = active
        audit.add(
            session,
            actor=actor,
            action="therapist.activate" if active else "therapist.deactivate",
            target=therapist_target(therapist_id),
            now=now,
        )
        await session.commit()
    return therapist


async def set_therapist_approval(
    session: AsyncSession, therapist_id: int, mode: str, *, actor: int, now: datetime
) -> Therapist | None:
    """Whether the therapist confirms bookings first (`db.models.Approval`); audited."""
    therapist = await session.get(Therapist, therapist_id)
    if therapist is None:
        return None
    if therapist.approval != mode:
        therapist.approval = Approval(mode)
        audit.add(
            session,
            actor=actor,
            action="therapist.approval",
            target=therapist_target(therapist_id),
            now=now,
            details={"mode": mode},
        )
        await session.commit()
    return therapist


async def create_invite(
    session: AsyncSession, therapist_id: int, *, actor: int, now: datetime
) -> TherapistInvite | None:
    """A one-time code that links the Telegram account that opens it to this therapist."""
    if await session.get(Therapist, therapist_id) is None:
        return None
    invite = TherapistInvite(
        code=secrets.token_urlsafe(16),
        therapist_id=therapist_id,
        created_by=actor,
        created_at=now,
        expires_at=now + INVITE_TTL,
    )
    session.add(invite)
    # The code itself stays out of the log: it is as good as a password until used.
    audit.add(
        session,
        actor=actor,
        action="therapist.invite",
        target=therapist_target(therapist_id),
        details={"expires_at": invite.expires_at.isoformat()},
        now=now,
    )
    await session.commit()
    return invite


# -- topics ------------------------------------------------------------------------------


class TopicExists(Refused):
    """A topic with this name is already in the catalogue."""

    key = "adm-topic-exists"


async def all_topics(session: AsyncSession) -> list[Topic]:
    result = await session.scalars(select(Topic).order_by(Topic.position, Topic.id))
    return list(result)


async def topics_by_id(session: AsyncSession, ids: Sequence[int]) -> list[Topic]:
    if not ids:
        return []
    result = await session.scalars(
        select(Topic).where(Topic.id.in_(list(ids))).order_by(Topic.position, Topic.id)
    )
    return list(result)


def _topic_code(name_en: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name_en.lower()).strip("_")[:24] or "topic"
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base}_{number}"
    return code


async def topic_name_taken(
    session: AsyncSession, name_ru: str | None, name_en: str | None, except_id: int | None = None
) -> bool:
    """Whether another topic has this name, whatever the letter case. Compared in Python:
    SQLite's lower() knows only ASCII letters, and the catalogue is a few dozen rows."""
    for topic in await all_topics(session):
        if topic.id == except_id:
            continue
        if name_ru is not None and topic.name_ru.casefold() == name_ru.casefold():
            return True
        if name_en is not None and topic.name_en.casefold() == name_en.casefold():
            return True
    return False


async def add_topic(
    session: AsyncSession, *, name_ru: str, name_en: str, actor: int, now: datetime
) -> Topic:
    if await topic_name_taken(session, name_ru, name_en):
        raise TopicExists
    taken = set(await session.scalars(select(Topic.code)))
    position = await session.scalar(select(func.max(Topic.position))) or 0
    topic = Topic(
        code=_topic_code(name_en, taken),
        name_ru=name_ru,
        name_en=name_en,
        position=position + 1,
        hidden=False,
    )
    session.add(topic)
    try:
        await session.flush()
    except IntegrityError as error:  # another admin took the same code a moment ago
        await session.rollback()
        raise TopicExists from error
    audit.add(session, actor=actor, action="topic.create", target=f"topic:{topic.id}", now=now)
    await session.commit()
    return topic


async def rename_topic(
    session: AsyncSession, topic_id: int, *, language: str, name: str, actor: int, now: datetime
) -> Topic | None:
    topic = await session.get(Topic, topic_id)
    if topic is None:
        return None
    english = language == "en"
    if await topic_name_taken(
        session, None if english else name, name if english else None, except_id=topic_id
    ):
        raise TopicExists
    if english:
        topic.name_en = name
    else:
        topic.name_ru = name
    audit.add(
        session,
        actor=actor,
        action="topic.rename",
        target=f"topic:{topic_id}",
        details={"language": "en" if english else "ru"},
        now=now,
    )
    await session.commit()
    return topic


async def set_topic_hidden(
    session: AsyncSession, topic_id: int, hidden: bool, *, actor: int, now: datetime
) -> Topic | None:
    topic = await session.get(Topic, topic_id)
    if topic is None:
        return None
    if topic.hidden != hidden:
        topic.hidden = hidden
        audit.add(
            session,
            actor=actor,
            action="topic.hide" if hidden else "topic.show",
            target=f"topic:{topic_id}",
            now=now,
        )
        await session.commit()
    return topic
