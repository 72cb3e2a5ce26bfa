"""What admins do: the therapist catalogue, topics, slots, bookings, numbers and exports.

Every change writes its audit entry (`db.audit`) in the same transaction as the change."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    FunnelEvent,
    Payment,
    Slot,
    SlotStatus,
    Therapist,
    TherapistInvite,
    Topic,
    User,
)
from db.transactions import refused_by_database
from db.users import SOURCE_PREFIX

INVITE_TTL = timedelta(days=7)
FUNNEL = ("start", "consent", "questionnaire", "booking", "payment")
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


class TopicExists(Exception):
    """A topic with this name is already in the catalogue."""


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


# -- slots -------------------------------------------------------------------------------


class SlotOverlaps(Exception):
    """The database refused the slot: it overlaps another slot of the same therapist."""


async def slots_between(
    session: AsyncSession, therapist_id: int, start: datetime, end: datetime
) -> list[Slot]:
    result = await session.scalars(
        select(Slot)
        .where(Slot.therapist_id == therapist_id, Slot.starts_at >= start, Slot.starts_at < end)
        .order_by(Slot.starts_at)
    )
    return list(result)


async def add_slot(
    session: AsyncSession, therapist: Therapist, starts_at: datetime, *, actor: int, now: datetime
) -> Slot:
    therapist_id = therapist.id
    slot = Slot(
        therapist_id=therapist_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=therapist.session_minutes),
        status=SlotStatus.free,
    )
    session.add(slot)
    try:
        await session.flush()
    except DBAPIError as error:
        if not refused_by_database(error):
            raise
        await session.rollback()
        raise SlotOverlaps from error
    audit.add(
        session,
        actor=actor,
        action="slot.create",
        target=f"slot:{slot.id}",
        details={"therapist": therapist_id, "starts_at": starts_at.isoformat()},
        now=now,
    )
    await session.commit()
    return slot


async def get_slot(session: AsyncSession, slot_id: int) -> Slot | None:
    return await session.get(Slot, slot_id)


async def set_slot_blocked(
    session: AsyncSession, slot_id: int, blocked: bool, *, actor: int, now: datetime
) -> bool:
    """Block a free slot or free a blocked one; False when the slot is not in that state
    (booked meanwhile, say): the update only touches a slot still as the admin saw it."""
    was, becomes = (
        (SlotStatus.free, SlotStatus.blocked) if blocked else (SlotStatus.blocked, SlotStatus.free)
    )
    changed = await session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.status == was)
        .values(status=becomes)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        # Nothing changed; committing ends the transaction without expiring what is loaded.
        await session.commit()
        return False
    audit.add(
        session,
        actor=actor,
        action="slot.block" if blocked else "slot.unblock",
        target=f"slot:{slot_id}",
        now=now,
    )
    await session.commit()
    return True


# -- bookings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingRow:
    booking: Booking
    client: User
    payment: str | None  # the latest payment's status; None when not paid online


async def _payment_states(session: AsyncSession, booking_ids: list[int]) -> dict[int, str]:
    if not booking_ids:
        return {}
    rows = await session.execute(
        select(Payment.booking_id, Payment.status)
        .where(Payment.booking_id.in_(booking_ids))
        .order_by(Payment.created_at, Payment.id)
    )
    latest: dict[int, str] = {}
    for booking_id, status in rows.all():
        latest[booking_id] = status  # ordered by time: the latest wins
    return latest


async def _rows(session: AsyncSession, query: Select[Booking, User]) -> list[BookingRow]:
    pairs = (await session.execute(query)).all()
    payments = await _payment_states(session, [booking.id for booking, _ in pairs])
    return [BookingRow(booking, client, payments.get(booking.id)) for booking, client in pairs]


def _bookings_query() -> Select[Booking, User]:
    return select(Booking, User).join(User, User.id == Booking.client_id)


async def bookings_between(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    therapist_id: int | None = None,
    limit: int,
) -> tuple[list[BookingRow], int]:
    """Bookings that start in [start, end), by start; and how many there are in all."""
    condition = (Booking.starts_at >= start) & (Booking.starts_at < end)
    if therapist_id is not None:
        condition &= Booking.therapist_id == therapist_id
    total = await session.scalar(select(func.count(Booking.id)).where(condition)) or 0
    rows = await _rows(
        session, _bookings_query().where(condition).order_by(Booking.starts_at).limit(limit)
    )
    return rows, int(total)


async def booking_row(session: AsyncSession, booking_id: int) -> BookingRow | None:
    rows = await _rows(session, _bookings_query().where(Booking.id == booking_id))
    return rows[0] if rows else None


# -- numbers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodStats:
    new_users: int
    questionnaires: int
    created: int
    confirmed: int
    cancelled: int
    completed: int
    no_show: int


@dataclass(frozen=True)
class Stats:
    users: int  # people with a profile now (not erased)
    periods: dict[str, PeriodStats]
    funnel: dict[str, int] = field(default_factory=dict)  # over the longest period
    # Where people without a profile came from (the payload of their /start link), over
    # the longest period: the most frequent first, at most SOURCES_SHOWN.
    sources: list[tuple[str, int]] = field(default_factory=list)


async def _count(session: AsyncSession, column: Any, *conditions: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count(column)).where(*conditions)) or 0)


async def _events(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    rows = await session.execute(
        select(FunnelEvent.kind, func.count(FunnelEvent.id))
        .where(FunnelEvent.created_at >= start, FunnelEvent.created_at <= end)
        .group_by(FunnelEvent.kind)
    )
    return {kind: int(count) for kind, count in rows.all()}


async def period_stats(
    session: AsyncSession, start: datetime, now: datetime
) -> tuple[PeriodStats, dict[str, int]]:
    """Counts for [start, now] and the funnel events of the same period.

    New users and questionnaires come from the anonymous funnel events, so erasing a
    profile does not change past numbers. A confirmed session that is over counts as
    completed until someone marks a no-show (as the client's history shows it)."""
    events = await _events(session, start, now)

    def within(column: Any) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = (column >= start) & (column <= now)
        return condition

    completed = (Booking.status == BookingStatus.completed) | (
        (Booking.status == BookingStatus.confirmed) & (Booking.ends_at <= now)
    )
    stats = PeriodStats(
        new_users=events.get("consent", 0),
        questionnaires=events.get("questionnaire", 0),
        created=await _count(session, Booking.id, within(Booking.created_at)),
        confirmed=await _count(session, Booking.id, within(Booking.confirmed_at)),
        cancelled=await _count(
            session,
            Booking.id,
            Booking.status == BookingStatus.cancelled,
            within(Booking.cancelled_at),
        ),
        completed=await _count(session, Booking.id, completed, within(Booking.ends_at)),
        no_show=await _count(
            session, Booking.id, Booking.status == BookingStatus.no_show, within(Booking.starts_at)
        ),
    )
    return stats, {kind: events.get(kind, 0) for kind in FUNNEL}


SOURCES_SHOWN = 10


async def top_sources(
    session: AsyncSession, start: datetime, now: datetime, limit: int = SOURCES_SHOWN
) -> list[tuple[str, int]]:
    """The sources of [start, now] with their counts, the most frequent first."""
    count = func.count(FunnelEvent.id).label("events")
    rows = await session.execute(
        select(FunnelEvent.kind, count)
        .where(
            FunnelEvent.kind.startswith(SOURCE_PREFIX, autoescape=True),
            FunnelEvent.created_at >= start,
            FunnelEvent.created_at <= now,
        )
        .group_by(FunnelEvent.kind)
        .order_by(count.desc(), FunnelEvent.kind)
        .limit(limit)
    )
    return [(kind.removeprefix(SOURCE_PREFIX), int(events)) for kind, events in rows.all()]


async def stats(session: AsyncSession, starts: dict[str, datetime], now: datetime) -> Stats:
    """`starts`: period name -> its start, the longest last (its funnel and sources are
    kept)."""
    periods: dict[str, PeriodStats] = {}
    funnel: dict[str, int] = {}
    longest = now
    for name, start in starts.items():
        periods[name], funnel = await period_stats(session, start, now)
        longest = start
    users = await _count(session, User.id, User.deleted_at.is_(None))
    sources = await top_sources(session, longest, now)
    return Stats(users=users, periods=periods, funnel=funnel, sources=sources)


# -- exports -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def _within(column: Any, start: datetime | None, end: datetime | None) -> list[Any]:
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions


async def export_bookings(
    session: AsyncSession, start: datetime | None, end: datetime | None
) -> Table:
    """Sessions that start in the period. The client is an internal id: accounting needs
    no name, and never the questionnaire."""
    query = (
        select(Booking, Therapist)
        .join(Therapist, Therapist.id == Booking.therapist_id)
        .where(*_within(Booking.starts_at, start, end))
        .order_by(Booking.starts_at, Booking.id)
    )
    pairs = (await session.execute(query)).all()
    payments = await _payment_states(session, [booking.id for booking, _ in pairs])
    columns = (
        "booking_id",
        "created_at",
        "starts_at",
        "ends_at",
        "status",
        "format",
        "price_rub",
        "therapist_id",
        "therapist",
        "client_id",
        "cancelled_at",
        "cancelled_by",
        "payment",
    )
    rows = [
        (
            booking.id,
            booking.created_at,
            booking.starts_at,
            booking.ends_at,
            booking.status,
            booking.format,
            booking.price,
            therapist.id,
            therapist.name_ru,
            booking.client_id,
            booking.cancelled_at,
            booking.cancelled_by,
            payments.get(booking.id, ""),
        )
        for booking, therapist in pairs
    ]
    return Table(columns, rows)


async def export_users(
    session: AsyncSession, start: datetime | None, end: datetime | None
) -> Table:
    """People who signed up in the period: dates and counts, nothing personal."""
    counts = (
        select(Booking.client_id, func.count(Booking.id).label("bookings"))
        .group_by(Booking.client_id)
        .subquery()
    )
    query = (
        select(User, func.coalesce(counts.c.bookings, 0))
        .outerjoin(counts, counts.c.client_id == User.id)
        .where(*_within(User.created_at, start, end))
        .order_by(User.id)
    )
    columns = ("user_id", "registered_at", "consent_at", "erased_at", "blocked_bot_at", "bookings")
    rows = [
        (user.id, user.created_at, user.consent_at, user.deleted_at, user.blocked_bot_at, count)
        for user, count in (await session.execute(query)).all()
    ]
    return Table(columns, rows)


async def export_payments(
    session: AsyncSession, start: datetime | None, end: datetime | None
) -> Table:
    """Payments in the period. The client's e-mail is there for fiscal receipts."""
    query = (
        select(Payment, Booking, User)
        .join(Booking, Booking.id == Payment.booking_id)
        .join(User, User.id == Booking.client_id)
        .where(*_within(Payment.created_at, start, end))
        .order_by(Payment.created_at, Payment.id)
    )
    columns = (
        "payment_id",
        "created_at",
        "booking_id",
        "therapist_id",
        "client_id",
        "client_email",
        "amount_minor_units",
        "currency",
        "status",
        "refunded_at",
        "telegram_charge_id",
        "provider_charge_id",
    )
    rows = [
        (
            payment.id,
            payment.created_at,
            booking.id,
            booking.therapist_id,
            user.id,
            user.email or "",
            payment.amount,
            payment.currency,
            payment.status,
            payment.refunded_at,
            payment.telegram_charge_id,
            payment.provider_charge_id or "",
        )
        for payment, booking, user in (await session.execute(query)).all()
    ]
    return Table(columns, rows)


# -- broadcasts --------------------------------------------------------------------------

AUDIENCES = ("clients", "upcoming", "therapists")


async def audience(session: AsyncSession, name: str, now: datetime) -> list[int]:
    """Telegram chat ids of an audience: every client with a profile, clients with an
    upcoming session, or the active therapists who linked their Telegram account."""
    if name == "clients":
        query = select(User.telegram_id).where(
            User.telegram_id.is_not(None), User.deleted_at.is_(None)
        )
    elif name == "upcoming":
        query = (
            select(User.telegram_id)
            .distinct()
            .join(Booking, Booking.client_id == User.id)
            .where(
                User.telegram_id.is_not(None),
                User.deleted_at.is_(None),
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.starts_at > now,
            )
        )
    elif name == "therapists":
        query = select(Therapist.telegram_id).where(
            Therapist.telegram_id.is_not(None), Therapist.active.is_(True)
        )
    else:
        raise ValueError(f"unknown audience {name!r}")
    return sorted(chat_id for chat_id in await session.scalars(query) if chat_id is not None)
