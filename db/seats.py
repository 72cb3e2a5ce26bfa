"""A group date's seats, counted on the date (`GroupDate.taken`), written here and nowhere
else; the use cases around them are in `db.groups`.

A seat is taken by one guarded statement (`UPDATE … SET taken = taken + 1 WHERE taken <
capacity`), so of any number of clients tapping at once exactly as many as there are seats
get one; the database refuses a count past the capacity anyway (a CHECK). A seat that
comes free goes to the first client waiting for that date, kept for them for a while
(`offer`); it is counted as taken until they take it, say no, or let the offer lapse, and
then passes on (`pass_on`) to the next one waiting, or back to the free seats."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import events, outbox
from db.models import Group, GroupDate, GroupWait, GroupWaitStatus

# How many times a freed seat looks for someone waiting when others race for the same
# person: each try either offers it or finds that someone else did.
OFFER_TRIES = 3


async def take(session: AsyncSession, date_id: int, now: datetime) -> bool:
    """One more seat at a date still to come and not cancelled; False when it is full."""
    taken = await session.scalar(
        update(GroupDate)
        .where(
            GroupDate.id == date_id,
            GroupDate.taken < GroupDate.capacity,
            GroupDate.cancelled_at.is_(None),
            GroupDate.starts_at > now,
        )
        .values(taken=GroupDate.taken + 1)
        .returning(GroupDate.id)
        .execution_options(synchronize_session=False)
    )
    return taken is not None


async def free(session: AsyncSession, date_id: int) -> None:
    """One seat fewer counted (no one waiting is offered it: the caller knows why)."""
    await session.execute(
        update(GroupDate)
        .where(GroupDate.id == date_id, GroupDate.taken > 0)
        .values(taken=GroupDate.taken - 1)
        .execution_options(synchronize_session=False)
    )


async def offer(session: AsyncSession, date_id: int, ttl: timedelta, now: datetime) -> int | None:
    """Keep a seat for the first client waiting for the date (they are told); the wait's
    id, or None when nobody waits."""
    for _ in range(OFFER_TRIES):
        first = await session.scalar(
            select(GroupWait.id)
            .where(GroupWait.group_date_id == date_id, GroupWait.status == GroupWaitStatus.waiting)
            .order_by(GroupWait.created_at, GroupWait.id)
            .limit(1)
        )
        if first is None:
            return None
        offered = await session.scalar(
            update(GroupWait)
            .where(GroupWait.id == first, GroupWait.status == GroupWaitStatus.waiting)
            .values(status=GroupWaitStatus.offered, offered_at=now, offer_expires_at=now + ttl)
            .returning(GroupWait.id)
            .execution_options(synchronize_session=False)
        )
        if offered is not None:
            await outbox.notify(session, events.GroupSeatOffered(wait_id=offered), now)
            return int(offered)
    return None


async def pass_on(session: AsyncSession, date_id: int, ttl: timedelta, now: datetime) -> None:
    """A seat counted as taken comes free (a member cancelled, an offer lapsed or was
    declined): to the next one waiting while the date is still to come, or back."""
    date = (
        await session.execute(
            select(GroupDate.cancelled_at, GroupDate.starts_at).where(GroupDate.id == date_id)
        )
    ).first()
    still_to_come = date is not None and date.cancelled_at is None and date.starts_at > now
    if not still_to_come or await offer(session, date_id, ttl, now) is None:
        await free(session, date_id)


async def erase(session: AsyncSession, client_id: int, ttl: timedelta, now: datetime) -> None:
    """Erasure: the person's places in waiting lists go (inside the erasure's use case);
    a seat kept for them passes on first."""
    offered = list(
        await session.scalars(
            select(GroupWait.group_date_id).where(
                GroupWait.client_id == client_id, GroupWait.status == GroupWaitStatus.offered
            )
        )
    )
    await session.execute(delete(GroupWait).where(GroupWait.client_id == client_id))
    for date_id in offered:
        await pass_on(session, date_id, ttl, now)


async def title_of(session: AsyncSession, date_id: int | None) -> str | None:
    """The group's title of a seat's date; None for a session of one's own."""
    if date_id is None:
        return None
    return await session.scalar(
        select(Group.title)
        .join(GroupDate, GroupDate.group_id == Group.id)
        .where(GroupDate.id == date_id)
    )
