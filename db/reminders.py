"""Reminders: rows due at a moment, kept in step with their booking, each sent once.

Kinds: ``client:<offset>`` and ``therapist:<offset>`` before the session (``client:24h``,
``therapist:1h``), and ``rating`` after it. A row goes from waiting (neither claimed nor
sent) to claimed (`claimed_at` set, the attempt counted) to sent (`sent_at` set). A failed
send hands the claim back; a claim older than `CLAIM_TIMEOUT` (its process died mid-send)
is handed back too. A row with `MAX_ATTEMPTS` attempts and no `sent_at` is closed: given
up after failures, or dropped (the session started, the reader cannot be reached, the
booking changed) without being sent.

The booking use cases (`db.bookings`) call `follow_booking` before they commit, so the
rows are created, moved and removed in the same transaction as the booking. The offsets
come from the practice's `ReminderPlan` (`Rules.reminders`), which the use cases pass in.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.reminders import CLIENT, INVOICE, RATING, THERAPIST, Kind, ReminderPlan
from db import couples, seats
from db.dialects import is_postgres
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Reminder,
    Therapist,
    User,
)

MAX_ATTEMPTS = 3
# Longer than any send can take, flood waits and retries included (see bot.notify).
CLAIM_TIMEOUT = timedelta(minutes=10)
RATEABLE_STATUSES = (BookingStatus.confirmed, BookingStatus.completed)


# -- keeping rows in step with their booking ---------------------------------------------


async def follow_booking(
    session: AsyncSession, booking_id: int, plan: ReminderPlan, now: datetime
) -> None:
    """Bring the booking's reminders in line with it and the practice's `plan`; the caller
    commits. For use cases that confirm a booking or change it: call after the change,
    before commit."""
    await _sync(session, booking_id, plan, now)


async def _sync(session: AsyncSession, booking_id: int, plan: ReminderPlan, now: datetime) -> None:
    # Read in SQL, not from a loaded Booking: the use cases change bookings with UPDATE
    # statements that leave loaded objects as they were.
    booking = (
        await session.execute(
            select(
                Booking.status,
                Booking.starts_at,
                Booking.ends_at,
                Booking.series_id,
                Booking.group_date_id,
            ).where(Booking.id == booking_id)
        )
    ).one()
    rows = (
        await session.execute(
            select(Reminder.id, Reminder.kind, Reminder.due_at, Reminder.sent_at).where(
                Reminder.booking_id == booking_id
            )
        )
    ).all()
    existing = {row.kind: row for row in rows}
    wanted = _wanted(booking, {kind: row.due_at for kind, row in existing.items()}, plan, now)
    # A row for another time is replaced, not edited: a sender still holding the old one
    # then finds it gone instead of marking the new one sent.
    outdated = [
        row.id
        for row in rows
        if wanted.get(row.kind) != row.due_at and (row.kind in wanted or row.sent_at is None)
    ]
    missing = [
        {"booking_id": booking_id, "kind": kind, "due_at": due, "attempts": 0}
        for kind, due in wanted.items()
        if (kind not in existing or existing[kind].id in outdated)
        and (due >= now or kind == RATING)  # one already due would arrive too late to help
    ]
    if outdated:
        await session.execute(delete(Reminder).where(Reminder.id.in_(outdated)))
    if missing:
        await session.execute(insert(Reminder), missing)


def _wanted(
    booking: Any, existing: dict[str, datetime], plan: ReminderPlan, now: datetime
) -> dict[str, datetime]:
    """The rows a booking (its status, times and series) should have, and when each is
    due; `existing`: the due times of the rows it has."""
    planned = plan.due_times(booking.starts_at, booking.ends_at)
    if booking.group_date_id is not None:
        # A group's seat: its member is reminded; the therapist has one meeting, not a
        # reminder per seat (it is in their /schedule and calendar).
        planned = {kind: due for kind, due in planned.items() if not kind.startswith(THERAPIST)}
    if booking.status == BookingStatus.completed:
        return {RATING: planned[RATING]}
    if booking.status == BookingStatus.confirmed:
        return planned
    if booking.status == BookingStatus.pending_payment and booking.series_id is not None:
        # A regular session waiting for its payment: the invoice, then a reminder. One
        # booked after its invoice's time gets the invoice at once.
        wanted = {}
        for kind, due in plan.invoice_times(booking.starts_at).items():
            kept = existing.get(kind)
            if kept is not None and due <= kept < booking.starts_at - plan.pay_by:
                due = kept
            elif due < now and kind.startswith(f"{INVOICE}:"):
                due = now
            wanted[kind] = due
        return wanted
    return {}


async def for_new_booking(
    session: AsyncSession, booking: Booking, plan: ReminderPlan, now: datetime
) -> None:
    """The rows of a booking just inserted (it has none yet, and the caller knows it as
    it is): written at once, nothing read."""
    rows = [
        {"booking_id": booking.id, "kind": kind, "due_at": due, "attempts": 0}
        for kind, due in _wanted(booking, {}, plan, now).items()
        if due >= now or kind == RATING
    ]
    if rows:
        await session.execute(insert(Reminder), rows)


# -- sending -----------------------------------------------------------------------------


def _waiting() -> Any:
    return (
        Reminder.sent_at.is_(None)
        & Reminder.claimed_at.is_(None)
        & (Reminder.attempts < MAX_ATTEMPTS)
    )


async def release_stale_claims(session: AsyncSession, now: datetime) -> int:
    """Hand back claims whose sender died mid-send; their attempt stays counted."""
    result = await session.execute(
        update(Reminder)
        .where(Reminder.sent_at.is_(None), Reminder.claimed_at < now - CLAIM_TIMEOUT)
        .values(claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


async def claim_due(
    session: AsyncSession, now: datetime, *, limit: int, skip: Collection[int] = ()
) -> list[int]:
    """Claim up to `limit` due reminders, oldest first, except `skip`; each id is handed to
    one caller only, however many processes ask at once."""
    due = (
        select(Reminder.id)
        .where(_waiting(), Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    )
    if skip:
        due = due.where(Reminder.id.not_in(skip))
    claim = (
        update(Reminder)
        .where(_waiting())
        .values(claimed_at=now, attempts=Reminder.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if is_postgres(session):
        # Rows another process has locked are skipped rather than waited for.
        ids = list(await session.scalars(due.with_for_update(skip_locked=True)))
        claimed = (
            list(await session.scalars(claim.where(Reminder.id.in_(ids)).returning(Reminder.id)))
            if ids
            else []
        )
    else:
        # SQLite has one writer at a time: the conditional update decides who gets a row.
        ids = list(await session.scalars(due))
        claimed = []
        for reminder_id in ids:
            result = await session.execute(claim.where(Reminder.id == reminder_id))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(reminder_id)
    await session.commit()
    return claimed


@dataclass(frozen=True)
class DueReminder:
    """A claimed reminder with what its message needs."""

    id: int
    kind: str
    due_at: datetime
    attempts: int
    booking: Booking
    therapist: Therapist
    client: User
    client_kinds: tuple[str, ...]  # the booking's client reminders, first to last
    # A couple session's partner who comes too: a client reminder goes to them as well.
    partner: User | None = None
    group: str | None = None  # a seat at a group's meeting: the group's title

    @property
    def is_first(self) -> bool:
        return bool(self.client_kinds) and self.kind == self.client_kinds[0]

    @property
    def is_last(self) -> bool:
        return bool(self.client_kinds) and self.kind == self.client_kinds[-1]


async def load_due(session: AsyncSession, reminder_id: int) -> DueReminder | None:
    """None when the reminder is gone (its booking was cancelled or moved meanwhile)."""
    row = (
        await session.execute(
            select(Reminder, Booking, User)
            .join(Booking, Booking.id == Reminder.booking_id)
            .join(User, User.id == Booking.client_id)
            .where(Reminder.id == reminder_id)
        )
    ).first()
    if row is None:
        return None
    reminder, booking, client = row
    kinds = [
        (parsed.offset, kind)
        for kind in await session.scalars(
            select(Reminder.kind).where(Reminder.booking_id == booking.id)
        )
        if (parsed := Kind.parse(kind)) is not None
        and parsed.audience == CLIENT
        and parsed.offset is not None
    ]
    is_client = reminder.kind.startswith(f"{CLIENT}:")
    group = await seats.title_of(session, booking.group_date_id)
    return DueReminder(
        id=reminder.id,
        kind=reminder.kind,
        due_at=reminder.due_at,
        attempts=reminder.attempts,
        booking=booking,
        therapist=booking.therapist,
        client=client,
        client_kinds=tuple(kind for _, kind in sorted(kinds, reverse=True)),
        partner=await couples.attending_partner(session, booking) if is_client else None,
        group=group,
    )


async def mark_sent(session: AsyncSession, reminder_id: int, now: datetime) -> None:
    await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.sent_at.is_(None))
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def release(session: AsyncSession, reminder_id: int, *, attempted: bool = True) -> None:
    """Hand a claim back after a failed send (`attempted`) or before sending at all."""
    values: dict[str, Any] = {"claimed_at": None}
    if not attempted:
        values["attempts"] = Reminder.attempts - 1
    await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.sent_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def close_unsent(session: AsyncSession, reminder_id: int) -> None:
    """Never send this one (the session started, the reader is unreachable, ...)."""
    await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.sent_at.is_(None))
        .values(claimed_at=None, attempts=MAX_ATTEMPTS)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


# -- the client's answers ----------------------------------------------------------------


async def confirm_attendance(
    session: AsyncSession, client: User, booking_id: int, now: datetime
) -> bool:
    """ "I'll be there" for the client's own upcoming session; False when it is not one."""
    result = await session.execute(
        update(Booking)
        .where(
            Booking.id == booking_id,
            Booking.client_id == client.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.starts_at > now,
        )
        .values(attendance_confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def save_rating(
    session: AsyncSession, client: User, booking_id: int, score: int, now: datetime
) -> bool:
    """Store the client's 1-5 for their own session that is over; once only."""
    if not 1 <= score <= 5:
        raise ValueError("a rating is 1 to 5")
    result = await session.execute(
        update(Booking)
        .where(
            Booking.id == booking_id,
            Booking.client_id == client.id,
            Booking.status.in_(RATEABLE_STATUSES),
            Booking.ends_at <= now,
            Booking.rating.is_(None),
        )
        .values(rating=score)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def save_rating_comment(
    session: AsyncSession, client: User, booking_id: int, comment: str
) -> bool:
    """The optional words after a rating; once only."""
    result = await session.execute(
        update(Booking)
        .where(
            Booking.id == booking_id,
            Booking.client_id == client.id,
            Booking.rating.is_not(None),
            Booking.rating_comment.is_(None),
        )
        .values(rating_comment=comment)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
