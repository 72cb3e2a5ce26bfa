"""What happened after a match: each therapist's return rate (`bot.rules.outcomes`), from
the bookings the bot already keeps, recomputed by the outcomes job and kept on the
therapist row, where the card and the catalogue read it at no extra cost; and the
rematches (a client leaving a therapist for another, with the reason from the chips),
recorded as they happen."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.outcomes import ReturnRate, tally
from db.models import Booking, BookingStatus, Rematch, Therapist
from db.transactions import use_case
from db.users import record_event


def _held(now: datetime) -> ColumnElement[bool]:
    """A session that took place: completed, or confirmed and over (not a no-show)."""
    return or_(
        Booking.status == BookingStatus.completed,
        and_(Booking.status == BookingStatus.confirmed, Booking.ends_at <= now),
    )


async def return_rates(session: AsyncSession, now: datetime) -> dict[int, ReturnRate]:
    """Every therapist's return rate now (therapists without a held session are left out):
    each client's first held session with them and the next one, one row per pair."""
    held = (
        select(Booking.therapist_id, Booking.client_id, Booking.starts_at)
        .where(_held(now))
        .subquery()
    )
    firsts = (
        select(
            held.c.therapist_id,
            held.c.client_id,
            func.min(held.c.starts_at).label("first_at"),
        )
        .group_by(held.c.therapist_id, held.c.client_id)
        .subquery()
    )
    later = held.alias("later")
    second = (
        select(func.min(later.c.starts_at))
        .where(
            later.c.therapist_id == firsts.c.therapist_id,
            later.c.client_id == firsts.c.client_id,
            later.c.starts_at > firsts.c.first_at,
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(firsts.c.therapist_id, firsts.c.first_at, second.label("second_at"))
    )
    pairs: defaultdict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for therapist_id, first_at, second_at in rows.all():
        pairs[therapist_id].append((_utc(first_at), None if second_at is None else _utc(second_at)))
    return {therapist_id: tally(found, now) for therapist_id, found in pairs.items()}


def _utc(moment: datetime) -> datetime:
    """Stored in UTC (`db.types.UTCDateTime`); an aggregate may come back naive."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def refresh(session: AsyncSession, now: datetime) -> int:
    """Keep every therapist's return rate on their row; how many rows changed."""
    async with use_case(session):
        rates = await return_rates(session, now)
        current = await session.execute(
            select(Therapist.id, Therapist.rate_clients, Therapist.rate_returned)
        )
        changes = [
            {"id": therapist_id, "rate_clients": rate.clients, "rate_returned": rate.returned}
            for therapist_id, clients, returned in current.all()
            for rate in [rates.get(therapist_id, ReturnRate(0, 0))]
            if (rate.clients, rate.returned) != (clients, returned)
        ]
        if changes:
            # SQLAlchemy's bulk UPDATE by primary key: one statement, every changed row.
            await session.execute(update(Therapist), changes)
        return len(changes)


async def left_for_another(
    session: AsyncSession, client_id: int, therapist_id: int, reason: str, now: datetime
) -> None:
    """A client changes therapist from the cabinet: the rematch is recorded with its
    reason, and counted in the funnel as before (`change:<reason>`)."""
    async with use_case(session):
        session.add(
            Rematch(client_id=client_id, therapist_id=therapist_id, reason=reason, created_at=now)
        )
        await record_event(session, f"change:{reason}", now)


async def rematches_of(session: AsyncSession, therapist_id: int) -> dict[str, int]:
    """How many clients left a therapist, by reason."""
    rows = await session.execute(
        select(Rematch.reason, func.count(Rematch.id))
        .where(Rematch.therapist_id == therapist_id)
        .group_by(Rematch.reason)
    )
    return {reason: int(count) for reason, count in rows.all()}
