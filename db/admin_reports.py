"""What admins read in bulk: numbers, exports, broadcast audiences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.admin_bookings import payment_states
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Checkin,
    FunnelEvent,
    Payment,
    Therapist,
    User,
)
from db.outcomes import held
from db.users import SOURCE_PREFIX

FUNNEL = ("start", "consent", "questionnaire", "booking", "payment")

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
    checkins: int  # check-ins finished (counted without answers, `db.checkins`)
    risk_flags: int


@dataclass(frozen=True)
class Stats:
    users: int  # people with a profile now (not erased)
    periods: dict[str, PeriodStats]
    funnel: dict[str, int] = field(default_factory=dict)  # over the longest period
    # Where people without a profile came from (the payload of their /start link), over
    # the longest period: the most frequent first, at most SOURCES_SHOWN.
    sources: list[tuple[str, int]] = field(default_factory=list)


async def count(session: AsyncSession, column: Any, *conditions: ColumnElement[bool]) -> int:
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

    completed = held(now)
    stats = PeriodStats(
        new_users=events.get("consent", 0),
        questionnaires=events.get("questionnaire", 0),
        created=await count(session, Booking.id, within(Booking.created_at)),
        confirmed=await count(session, Booking.id, within(Booking.confirmed_at)),
        cancelled=await count(
            session,
            Booking.id,
            Booking.status == BookingStatus.cancelled,
            within(Booking.cancelled_at),
        ),
        completed=await count(session, Booking.id, completed, within(Booking.ends_at)),
        no_show=await count(
            session, Booking.id, Booking.status == BookingStatus.no_show, within(Booking.starts_at)
        ),
        checkins=events.get("checkin", 0),
        risk_flags=events.get("checkin-risk", 0),
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
    users = await count(session, User.id, User.deleted_at.is_(None))
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
    payments = await payment_states(session, [booking.id for booking, _ in pairs])
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
    """People who signed up in the period: dates and counts, nothing personal (check-ins
    are counted, never their answers or scores)."""
    counts = (
        select(Booking.client_id, func.count(Booking.id).label("bookings"))
        .group_by(Booking.client_id)
        .subquery()
    )
    answered = (
        select(Checkin.user_id, func.count(Checkin.id).label("checkins"))
        .where(Checkin.finished_at.is_not(None))
        .group_by(Checkin.user_id)
        .subquery()
    )
    query = (
        select(User, func.coalesce(counts.c.bookings, 0), func.coalesce(answered.c.checkins, 0))
        .outerjoin(counts, counts.c.client_id == User.id)
        .outerjoin(answered, answered.c.user_id == User.id)
        .where(*_within(User.created_at, start, end))
        .order_by(User.id)
    )
    columns = (
        "user_id",
        "registered_at",
        "consent_at",
        "erased_at",
        "blocked_bot_at",
        "bookings",
        "checkins",
    )
    rows = [
        (
            user.id,
            user.created_at,
            user.consent_at,
            user.deleted_at,
            user.blocked_bot_at,
            count,
            checkins,
        )
        for user, count, checkins in (await session.execute(query)).all()
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
