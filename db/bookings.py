"""Booking use cases. The database decides races: a slot is taken by a conditional update,
and overlaps are refused by its guards (see migration 0001), never by a read in Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.policy import Refusal, Rules
from db import reminders
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingChange,
    BookingStatus,
    Slot,
    SlotStatus,
    Therapist,
    User,
)
from db.users import record_event

# PostgreSQL may break a tie between two writers with a deadlock or serialization error
# instead of a constraint violation: either way one of them lost the race.
LOST_RACE_STATES = frozenset({"40P01", "40001"})


def refused_by_database(error: DBAPIError) -> bool:
    """A guard of the database said no: a constraint, or a lost race between writers."""
    return isinstance(error, IntegrityError) or (
        getattr(error.orig, "sqlstate", None) in LOST_RACE_STATES
    )


class BookingError(Exception):
    """A booking that cannot be made; the name says why."""


class SlotTaken(BookingError):
    pass


class SlotUnavailable(BookingError):
    """The slot does not exist, is blocked, or its therapist no longer takes clients."""


class ClientBusy(BookingError):
    """The client already has a session at an overlapping time."""


class OutsideRules(BookingError):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class SlotView:
    slot: Slot
    therapist: Therapist


async def slot_for_booking(session: AsyncSession, slot_id: int) -> SlotView | None:
    row = (
        await session.execute(
            select(Slot, Therapist)
            .join(Therapist, Therapist.id == Slot.therapist_id)
            .where(Slot.id == slot_id)
        )
    ).first()
    return SlotView(row[0], row[1]) if row else None


async def check_bookable(
    session: AsyncSession, slot_id: int, client: User, rules: Rules, now: datetime
) -> SlotView:
    """Everything that can be said before trying: raises when the slot cannot be booked."""
    view = await slot_for_booking(session, slot_id)
    if view is None or not view.therapist.active or view.slot.status == SlotStatus.blocked:
        raise SlotUnavailable
    refusal = rules.can_book(view.slot.starts_at, now)
    if refusal is not None:
        raise OutsideRules(refusal)
    if view.slot.status != SlotStatus.free:
        mine = await session.scalar(
            select(Booking.id).where(
                Booking.slot_id == slot_id,
                Booking.client_id == client.id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            )
        )
        if mine is not None:
            raise ClientBusy
        raise SlotTaken
    return view


async def book(
    session: AsyncSession,
    *,
    client: User,
    slot_id: int,
    format: str,
    rules: Rules,
    now: datetime,
    hold: timedelta | None,
) -> Booking:
    """Book a free slot for a client, in one transaction.

    With `hold` (payment needed) the booking waits for payment and the slot is held until
    `now + hold`; without, the booking is confirmed and the slot booked at once.
    """
    view = await check_bookable(session, slot_id, client, rules, now)
    new_status = SlotStatus.held if hold else SlotStatus.booked
    if not await take_free_slot(session, slot_id, new_status):
        await _undo(session, client)
        raise SlotTaken
    booking = Booking(
        client_id=client.id,
        therapist_id=view.therapist.id,
        slot_id=slot_id,
        starts_at=view.slot.starts_at,
        ends_at=view.slot.ends_at,
        status=BookingStatus.pending_payment if hold else BookingStatus.confirmed,
        format=format,
        price=view.therapist.price,
        created_at=now,
        hold_expires_at=now + hold if hold else None,
        confirmed_at=None if hold else now,
    )
    session.add(booking)
    try:
        await session.flush()
    except DBAPIError as error:
        if not refused_by_database(error):
            raise
        await _undo(session, client)
        if "client" in str(error.orig).lower():
            raise ClientBusy from error
        raise SlotTaken from error
    await reminders.follow_booking(session, booking.id, now)
    await record_event(session, "booking", now)
    await session.commit()
    return booking


async def take_free_slot(session: AsyncSession, slot_id: int, status: SlotStatus) -> bool:
    """Mark a slot held or booked only if it is still free, in one conditional update: of
    two writers racing for one slot exactly one gets True."""
    taken = await session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.status == SlotStatus.free)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def _undo(session: AsyncSession, client: User) -> None:
    # A rollback expires loaded objects; the caller goes on using the client.
    await session.rollback()
    await session.refresh(client)


async def active_bookings_of(session: AsyncSession, client: User) -> list[Booking]:
    result = await session.scalars(
        select(Booking)
        .where(Booking.client_id == client.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES))
        .order_by(Booking.starts_at)
    )
    return list(result)


class BookingGone(BookingError):
    """Not this client's booking, or no longer active (cancelled, moved, finished)."""


class Conflict(BookingError):
    """The booking changed under us (another device of the same client acted first)."""


async def own_booking(session: AsyncSession, client: User, booking_id: int) -> Booking | None:
    """The client's booking with this id, whatever its status; None for anyone else's."""
    return await session.scalar(
        select(Booking).where(Booking.id == booking_id, Booking.client_id == client.id)
    )


async def upcoming_of(session: AsyncSession, client: User, now: datetime) -> list[Booking]:
    result = await session.scalars(
        select(Booking)
        .where(
            Booking.client_id == client.id,
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
            Booking.ends_at > now,
        )
        .order_by(Booking.starts_at)
    )
    return list(result)


async def history_of(
    session: AsyncSession, client: User, now: datetime, *, offset: int, limit: int
) -> tuple[list[Booking], int]:
    """Sessions that are over or called off, newest first, and how many there are."""
    past = (Booking.client_id == client.id) & (
        Booking.status.not_in(ACTIVE_BOOKING_STATUSES) | (Booking.ends_at <= now)
    )
    total = await session.scalar(select(func.count(Booking.id)).where(past)) or 0
    rows = await session.scalars(
        select(Booking).where(past).order_by(Booking.starts_at.desc()).offset(offset).limit(limit)
    )
    return list(rows), int(total)


def _require_active(booking: Booking | None) -> Booking:
    if booking is None or booking.status not in ACTIVE_BOOKING_STATUSES:
        raise BookingGone
    return booking


async def reschedule(
    session: AsyncSession,
    *,
    client: User,
    booking_id: int,
    slot_id: int,
    rules: Rules,
    now: datetime,
    expected_moves: int,
) -> Booking:
    """Move a booking to another free slot of the same therapist, in one transaction: the
    new slot is taken, the booking moved and the old slot freed together, or nothing.

    `expected_moves` is how many times the booking had been moved when the client was
    shown the move: if it was moved since (from another device), this one is a Conflict."""
    booking = _require_active(await own_booking(session, client, booking_id))
    if booking.reschedule_count != expected_moves:
        raise Conflict
    refusal = rules.can_reschedule(booking.starts_at, booking.reschedule_count, now)
    if refusal is not None:
        raise OutsideRules(refusal)
    view = await check_bookable(session, slot_id, client, rules, now)
    if view.therapist.id != booking.therapist_id:
        raise SlotUnavailable
    old_slot_id, old_start, moves = booking.slot_id, booking.starts_at, booking.reschedule_count
    new_status = SlotStatus.booked if booking.status == BookingStatus.confirmed else SlotStatus.held
    if not await take_free_slot(session, slot_id, new_status):
        await _undo(session, client)
        raise SlotTaken
    try:
        moved = await session.execute(
            update(Booking)
            .where(
                Booking.id == booking_id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                Booking.reschedule_count == moves,
            )
            .values(
                slot_id=slot_id,
                starts_at=view.slot.starts_at,
                ends_at=view.slot.ends_at,
                reschedule_count=moves + 1,
            )
            .execution_options(synchronize_session=False)
        )
    except DBAPIError as error:
        if not refused_by_database(error):
            raise
        await _undo(session, client)
        raise ClientBusy from error
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        await _undo(session, client)
        raise Conflict
    if old_slot_id is not None:
        await _free_slot(session, old_slot_id)
    session.add(
        BookingChange(
            booking_id=booking_id,
            old_starts_at=old_start,
            new_starts_at=view.slot.starts_at,
            changed_at=now,
            changed_by="client",
        )
    )
    await reminders.follow_booking(session, booking_id, now)
    await session.commit()
    await session.refresh(booking)
    return booking


async def cancel(
    session: AsyncSession,
    *,
    booking: Booking,
    now: datetime,
    by: str,
    reason: str | None = None,
) -> Booking:
    """Cancel an active booking and free its slot; raises BookingGone when it is not active
    any more (cancelled meanwhile from another device, say)."""
    slot_id = booking.slot_id
    cancelled = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status.in_(ACTIVE_BOOKING_STATUSES))
        .values(
            status=BookingStatus.cancelled,
            slot_id=None,
            cancelled_at=now,
            cancelled_by=by,
            cancel_reason=reason,
            hold_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if cancelled.rowcount != 1:  # type: ignore[attr-defined]
        raise BookingGone
    if slot_id is not None:
        await _free_slot(session, slot_id)
    await reminders.follow_booking(session, booking.id, now)
    await session.commit()
    await session.refresh(booking)
    return booking


async def _free_slot(session: AsyncSession, slot_id: int) -> None:
    await session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.status.in_((SlotStatus.booked, SlotStatus.held)))
        .values(status=SlotStatus.free)
        .execution_options(synchronize_session=False)
    )


async def cancel_upcoming(
    session: AsyncSession,
    client: User,
    now: datetime,
    *,
    by: str,
    reason: str | None = None,
    therapist_id: int | None = None,
) -> list[Booking]:
    """Cancel every future session of a client (with one therapist, when given)."""
    cancelled = []
    for booking in await upcoming_of(session, client, now):
        if booking.starts_at <= now:
            continue
        if therapist_id is not None and booking.therapist_id != therapist_id:
            continue
        try:
            cancelled.append(await cancel(session, booking=booking, now=now, by=by, reason=reason))
        except BookingGone:
            continue
    return cancelled
