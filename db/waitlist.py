"""The waitlist's entries: a client waiting for a time of one therapist that fits their
days and time of day, for two weeks or a month. Joining, leaving, what the cabinet and the
therapist see, and what booking or an erasure does to a wait. The offers of freed times
are `db.offers`.

A wait ends when the client leaves it, books with that therapist (any booking, from any
screen: `end_on_booking`, called by `db.bookings`), its time runs out (`db.offers`), or
the client erases their data (`erase`: the rows go, with the client's days and times). An
offer still open when its wait ends is void and its time is free again at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.matching import ANY, DAYS, TIME_OF_DAY
from bot.rules.policy import WAIT_DAYS
from bot.rules.refusals import Refused
from db import slot_states
from db.models import (
    OfferStatus,
    SlotStatus,
    Therapist,
    User,
    WaitlistEntry,
    WaitlistOffer,
    WaitStatus,
)
from db.transactions import insert_unless_refused

TIMES = (*TIME_OF_DAY, ANY)


class CannotWait(Refused):
    """The therapist is not in the catalogue (any more), or does not see clients in the
    client's format."""

    key = "wait-unavailable"


def offers_format(therapist: Therapist, format: str) -> bool:
    return (format == "individual" and therapist.offers_individual) or (
        format == "couple" and therapist.offers_couple
    )


def valid(days: str, time_of_day: str, wait_days: int | None = None) -> bool:
    """Whether values from a button are ones the waitlist offers."""
    return days in DAYS and time_of_day in TIMES and (wait_days is None or wait_days in WAIT_DAYS)


@dataclass(frozen=True)
class Waiting:
    entry: WaitlistEntry
    therapist: Therapist


async def waiting_of(session: AsyncSession, client: User) -> list[Waiting]:
    """The client's waits that go on, first joined first."""
    rows = await session.execute(
        select(WaitlistEntry, Therapist)
        .join(Therapist, Therapist.id == WaitlistEntry.therapist_id)
        .where(WaitlistEntry.client_id == client.id, WaitlistEntry.status == WaitStatus.waiting)
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    )
    return [Waiting(entry, therapist) for entry, therapist in rows]


async def waiting_for(
    session: AsyncSession, client: User, therapist_id: int
) -> WaitlistEntry | None:
    return await session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.client_id == client.id,
            WaitlistEntry.therapist_id == therapist_id,
            WaitlistEntry.status == WaitStatus.waiting,
        )
    )


async def join_within(
    session: AsyncSession,
    *,
    client: User,
    therapist_id: int,
    days: str,
    time_of_day: str,
    wait_days: int,
    format: str,
    now: datetime,
) -> WaitlistEntry:
    """Wait for the therapist's time on these days and at this time of day (part of a use
    case: `db.offers.join`). Joining again changes the days, the time and the end, and
    keeps the client's place in the line."""
    if not valid(days, time_of_day, wait_days):
        raise ValueError("not a waitlist choice")
    therapist = await session.get(Therapist, therapist_id)
    if therapist is None or not therapist.active or not offers_format(therapist, format):
        raise CannotWait
    values: dict[str, Any] = {
        "days": days,
        "time_of_day": time_of_day,
        "until": now + timedelta(days=wait_days),
    }
    entry = await waiting_for(session, client, therapist_id)
    if entry is None:
        # Refused when another of the client's devices joined a moment before.
        entry_id = await insert_unless_refused(
            session,
            insert(WaitlistEntry)
            .values(
                client_id=client.id,
                therapist_id=therapist_id,
                created_at=now,
                status=WaitStatus.waiting,
                **values,
            )
            .returning(WaitlistEntry.id),
        )
        entry = (
            await session.get(WaitlistEntry, entry_id)
            if entry_id is not None
            else await waiting_for(session, client, therapist_id)
        )
        assert entry is not None
    else:
        await session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(entry)
    return entry


async def end(
    session: AsyncSession, which: ColumnElement[bool], status: WaitStatus, now: datetime
) -> list[int]:
    """End the waits `which` that go on (part of a use case): their open offers are void
    and the times those held are free again. Returns the ids of the waits ended."""
    ended = list(
        await session.scalars(
            update(WaitlistEntry)
            .where(which, WaitlistEntry.status == WaitStatus.waiting)
            .values(status=status, ended_at=now)
            .returning(WaitlistEntry.id)
        )
    )
    if ended:
        await close_offers(session, WaitlistOffer.entry_id.in_(ended), OfferStatus.void, now)
    return ended


async def close_offers(
    session: AsyncSession, which: ColumnElement[bool], status: OfferStatus, now: datetime
) -> list[int]:
    """Close the open offers `which` (part of a use case); the slots they held are free
    again. Returns the slots' ids."""
    slots = [
        slot_id
        for slot_id in await session.scalars(
            update(WaitlistOffer)
            .where(which, WaitlistOffer.status == OfferStatus.open)
            .values(status=status, answered_at=now)
            .returning(WaitlistOffer.slot_id)
        )
        if slot_id is not None
    ]
    await slot_states.release(session, *slots, from_=SlotStatus.offered)
    return slots


async def end_on_booking(
    session: AsyncSession, client_id: int, therapist_id: int, now: datetime
) -> None:
    """A booking with the therapist ends the client's wait for them (part of the booking's
    use case)."""
    await end(
        session,
        (WaitlistEntry.client_id == client_id) & (WaitlistEntry.therapist_id == therapist_id),
        WaitStatus.booked,
        now,
    )


async def erase(session: AsyncSession, client_id: int, now: datetime) -> None:
    """An erasure: the client's waits and offers go (part of the erasure's use case)."""
    await close_offers(session, WaitlistOffer.client_id == client_id, OfferStatus.void, now)
    await session.execute(delete(WaitlistOffer).where(WaitlistOffer.client_id == client_id))
    await session.execute(delete(WaitlistEntry).where(WaitlistEntry.client_id == client_id))


async def void_offers_of_slots(session: AsyncSession, slot_ids: list[int], now: datetime) -> None:
    """The times went away (the therapist's hours changed): their open offers are void."""
    if slot_ids:
        await close_offers(session, WaitlistOffer.slot_id.in_(slot_ids), OfferStatus.void, now)


async def waiting_count(session: AsyncSession, therapist_id: int) -> int:
    """How many people wait for the therapist's time (the therapist sees the number)."""
    count = await session.scalar(
        select(func.count())
        .select_from(WaitlistEntry)
        .where(
            WaitlistEntry.therapist_id == therapist_id,
            WaitlistEntry.status == WaitStatus.waiting,
        )
    )
    return int(count or 0)


@dataclass(frozen=True)
class Sizes:
    waiting: int  # waits that go on
    therapists: list[tuple[Therapist, int]]  # the longest lines, longest first


async def sizes(session: AsyncSession, *, top: int = 5) -> Sizes:
    """The waitlists' sizes, for the admins' /stats."""
    waiting = WaitlistEntry.status == WaitStatus.waiting
    total = await session.scalar(select(func.count()).select_from(WaitlistEntry).where(waiting))
    count = func.count(WaitlistEntry.id).label("count")
    rows = await session.execute(
        select(Therapist, count)
        .join(WaitlistEntry, WaitlistEntry.therapist_id == Therapist.id)
        .where(waiting)
        .group_by(Therapist.id)
        .order_by(count.desc(), Therapist.id)
        .limit(top)
    )
    return Sizes(int(total or 0), [(therapist, int(n)) for therapist, n in rows])
