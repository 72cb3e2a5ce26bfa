"""Payments: recorded once per Telegram charge, confirming the booking they pay for."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db import reminders
from db.bookings import BookingGone, cancel, refused_by_database, take_free_slot
from db.models import Booking, BookingStatus, Payment, Slot, SlotStatus
from db.users import record_event

HOLD_EXPIRED = "hold_expired"


class PaymentStatus(enum.StrEnum):
    paid = "paid"
    refund_pending = "refund_pending"  # a provider payment: the admins refund it by hand
    refunded = "refunded"


class Settled(enum.StrEnum):
    confirmed = "confirmed"  # the hold was still there
    reclaimed = "reclaimed"  # the hold had lapsed but the time was still free
    lost = "lost"  # the time went to someone else: the payment must be returned
    duplicate = "duplicate"  # the same charge delivered again: nothing to do


async def payment_of(session: AsyncSession, booking_id: int) -> Payment | None:
    return await session.scalar(
        select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.id.desc())
    )


async def settle(
    session: AsyncSession,
    *,
    booking: Booking,
    amount: int,
    currency: str,
    telegram_charge_id: str,
    provider_charge_id: str | None,
    now: datetime,
) -> tuple[Settled, Payment]:
    """Record the payment and confirm its booking, in one transaction."""
    existing = await session.scalar(
        select(Payment).where(Payment.telegram_charge_id == telegram_charge_id)
    )
    if existing is not None:
        return Settled.duplicate, existing
    payment = Payment(
        booking_id=booking.id,
        amount=amount,
        currency=currency,
        telegram_charge_id=telegram_charge_id,
        provider_charge_id=provider_charge_id,
        status=PaymentStatus.paid,
        created_at=now,
    )
    session.add(payment)
    try:
        await session.flush()
    except IntegrityError:
        # Delivered twice at once: the other delivery recorded it.
        await session.rollback()
        stored = await session.scalar(
            select(Payment).where(Payment.telegram_charge_id == telegram_charge_id)
        )
        assert stored is not None
        return Settled.duplicate, stored
    outcome = await _confirm(session, booking, now)
    if outcome is Settled.lost:
        payment.status = PaymentStatus.refund_pending
    else:
        await reminders.follow_booking(session, booking.id, now)
        await record_event(session, "payment", now)
    await session.commit()
    await session.refresh(booking)
    return outcome, payment


async def _confirm(session: AsyncSession, booking: Booking, now: datetime) -> Settled:
    confirmed = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.pending_payment)
        .values(status=BookingStatus.confirmed, confirmed_at=now, hold_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if confirmed.rowcount == 1:  # type: ignore[attr-defined]
        await session.execute(
            update(Slot)
            .where(Slot.id == booking.slot_id, Slot.status == SlotStatus.held)
            .values(status=SlotStatus.booked)
            .execution_options(synchronize_session=False)
        )
        return Settled.confirmed
    if booking.status != BookingStatus.cancelled or booking.cancelled_by != HOLD_EXPIRED:
        return Settled.lost
    # The hold lapsed while the client was paying: take the time back if it is still free.
    slot = await session.scalar(
        select(Slot).where(
            Slot.therapist_id == booking.therapist_id, Slot.starts_at == booking.starts_at
        )
    )
    if slot is None or booking.starts_at <= now:
        return Settled.lost
    if not await take_free_slot(session, slot.id, SlotStatus.booked):
        return Settled.lost
    try:
        await session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.status == BookingStatus.cancelled)
            .values(
                status=BookingStatus.confirmed,
                slot_id=slot.id,
                confirmed_at=now,
                cancelled_at=None,
                cancelled_by=None,
                cancel_reason=None,
            )
            .execution_options(synchronize_session=False)
        )
    except DBAPIError as error:
        if not refused_by_database(error):
            raise
        # The client booked something else at that time meanwhile.
        await session.execute(update(Slot).where(Slot.id == slot.id).values(status=SlotStatus.free))
        return Settled.lost
    return Settled.reclaimed


async def mark_refund(
    session: AsyncSession, payment: Payment, status: PaymentStatus, now: datetime
) -> None:
    payment.status = status
    if status is PaymentStatus.refunded:
        payment.refunded_at = now
    await session.commit()


async def expire_holds(session: AsyncSession, now: datetime) -> list[Booking]:
    """Let go of the times held for clients who did not pay in time."""
    expired = list(
        await session.scalars(
            select(Booking).where(
                Booking.status == BookingStatus.pending_payment,
                Booking.hold_expires_at <= now,
            )
        )
    )
    released = []
    for booking in expired:
        try:
            released.append(await cancel(session, booking=booking, now=now, by=HOLD_EXPIRED))
        except BookingGone:  # paid (or cancelled) in the meantime
            continue
    return released
