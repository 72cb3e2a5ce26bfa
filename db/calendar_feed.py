"""A therapist's private calendar feed: the secret in its URL, and the sessions it lists.

The secret is random (`secrets.token_urlsafe`) and only its SHA-256 is stored: the URL
cannot be rebuilt from the database, and a new one (rotation) refuses the old URL."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, BookingChange, BookingStatus, Group, GroupDate, Therapist, User
from db.transactions import use_case

# What a secret looks like (token_urlsafe(24): 32 URL-safe characters); anything else is
# refused before the database is asked.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")
# Sessions the feed lists: held (waiting for payment), confirmed, and those that took place.
LISTED = (BookingStatus.pending_payment, BookingStatus.confirmed, BookingStatus.completed)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


async def new_token(session: AsyncSession, therapist_id: int) -> str:
    """A new secret for the therapist's feed (the old URL stops working); committed."""
    token = secrets.token_urlsafe(24)
    async with use_case(session):
        await session.execute(
            update(Therapist)
            .where(Therapist.id == therapist_id)
            .values(calendar_token_hash=_digest(token))
        )
    return token


async def has_token(session: AsyncSession, therapist_id: int) -> bool:
    digest = await session.scalar(
        select(Therapist.calendar_token_hash).where(Therapist.id == therapist_id)
    )
    return digest is not None


async def therapist_of(session: AsyncSession, token: str) -> Therapist | None:
    """The therapist whose feed this secret opens; None for any other string."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return await session.scalar(
        select(Therapist).where(Therapist.calendar_token_hash == _digest(token))
    )


@dataclass(frozen=True)
class FeedSession:
    booking: Booking
    client_first_name: str | None  # None once the client erased their data
    sequence: int  # the event's version, as `db.bookings.calendar_sequence`


async def sessions_of(
    session: AsyncSession, therapist_id: int, since: datetime
) -> list[FeedSession]:
    """The therapist's listed sessions from `since` on, in time order (a group's seats are
    in `meetings_of`)."""
    moves = (
        select(func.count())
        .where(BookingChange.booking_id == Booking.id)
        .correlate(Booking)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Booking, User.first_name, User.deleted_at, moves)
        .join(User, User.id == Booking.client_id)
        .where(
            Booking.therapist_id == therapist_id,
            Booking.status.in_(LISTED),
            Booking.starts_at >= since,
            Booking.group_date_id.is_(None),  # a group's seats: one event per meeting
        )
        .order_by(Booking.starts_at)
    )
    # Listed sessions are never cancelled: their version is their number of moves.
    return [
        FeedSession(booking, None if deleted_at is not None else first_name, int(moved))
        for booking, first_name, deleted_at, moved in rows
    ]


@dataclass(frozen=True)
class FeedMeeting:
    date: GroupDate
    title: str
    members: int


async def meetings_of(
    session: AsyncSession, therapist_id: int, since: datetime
) -> list[FeedMeeting]:
    """The therapist's group meetings from `since` on (not cancelled), each with how many
    seats are booked or held, in time order."""
    members = (
        select(func.count())
        .where(Booking.group_date_id == GroupDate.id, Booking.status.in_(LISTED))
        .correlate(GroupDate)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(GroupDate, Group.title, members)
        .join(Group, Group.id == GroupDate.group_id)
        .where(
            Group.therapist_id == therapist_id,
            GroupDate.cancelled_at.is_(None),
            GroupDate.starts_at >= since,
        )
        .order_by(GroupDate.starts_at)
    )
    return [FeedMeeting(date, title, int(count)) for date, title, count in rows]
