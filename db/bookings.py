"""Booking use cases. The database decides races: a slot is taken by a conditional update,
and overlaps are refused by its guards (see migration 0001), never by a read in Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.policy import Refusal, Rules
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Slot,
    SlotStatus,
    Therapist,
    User,
)
from db.users import record_event


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
    taken = await session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.status == SlotStatus.free)
        .values(status=new_status)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
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
    except IntegrityError as error:
        await _undo(session, client)
        if "client" in str(error.orig).lower():
            raise ClientBusy from error
        raise SlotTaken from error
    await record_event(session, "booking", now)
    await session.commit()
    return booking


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
