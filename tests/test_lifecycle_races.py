"""Changes of bookings racing each other: a cancel acts on the slot the booking holds at that
moment, and any interleaving of moves, cancels by the client and the admin, the hold-release
job and payments leaves slots, bookings and refunds consistent."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from db import bookings
from db.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Payment,
    Refund,
    Slot,
    SlotStatus,
    User,
)
from tests.conftest import make_settings
from tests.test_booking_races import NOW, RULES, make_clients, make_slots, try_move

Sessions = async_sessionmaker[AsyncSession]
HOLD = timedelta(minutes=15)


async def book(sessions: Sessions, client_id: int, slot_id: int, *, hold: bool) -> int:
    async with sessions() as session:
        client = await session.get(User, client_id)
        assert client is not None
        booking = await bookings.book(
            session,
            client=client,
            slot_id=slot_id,
            format="individual",
            rules=RULES,
            now=NOW,
            hold=HOLD if hold else None,
        )
        return booking.id


async def pay(
    sessions: Sessions, settings: Settings, booking_id: int, now_offset: timedelta
) -> str:
    async with sessions() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        payer = await session.scalar(select(User.telegram_id).where(User.id == booking.client_id))
        assert payer is not None
        price = settings.invoice_price(booking.price)
        settled = await bookings.settle(
            session,
            booking=booking,
            payer_telegram_id=payer,
            amount=price.amount,
            currency=price.currency,
            telegram_charge_id=f"charge-{booking_id}",
            provider_charge_id=None,
            price=price,
            rules=settings.rules(),
            now=NOW + now_offset,
        )
        return str(settled.outcome)


async def slot_status(sessions: Sessions, slot_id: int) -> str:
    async with sessions() as session:
        slot = await session.get(Slot, slot_id)
        assert slot is not None
        return slot.status


async def test_a_cancel_frees_the_slot_the_booking_holds_now(db_sessionmaker: Sessions) -> None:
    """An admin's cancel read the booking before the client moved it: the slot freed is the
    new one, and the old one, taken meanwhile by someone else, stays theirs."""
    _, (first, second) = await make_slots(db_sessionmaker, 2)
    async with db_sessionmaker() as session:
        client, other = await make_clients(session, 2)
        await session.commit()
    booking_id = await book(db_sessionmaker, client, first, hold=False)
    async with db_sessionmaker() as admin_session:
        stale = await admin_session.get(Booking, booking_id)
        assert stale is not None and stale.slot_id == first
        assert await try_move(db_sessionmaker, client, booking_id, second) == "moved"
        await book(db_sessionmaker, other, first, hold=False)
        done = await bookings.cancel(
            admin_session,
            booking=stale,
            by=bookings.CancelledBy.admin,
            rules=RULES,
            now=NOW,
            reason="Терапевт заболел",
        )
        assert done.booking.status == BookingStatus.cancelled and done.booking.slot_id is None
    assert await slot_status(db_sessionmaker, second) == SlotStatus.free
    assert await slot_status(db_sessionmaker, first) == SlotStatus.booked


async def test_the_hold_release_after_a_move_frees_the_new_slot(
    db_sessionmaker: Sessions,
) -> None:
    _, (first, second) = await make_slots(db_sessionmaker, 2)
    async with db_sessionmaker() as session:
        [client] = await make_clients(session, 1)
        await session.commit()
    booking_id = await book(db_sessionmaker, client, first, hold=True)
    async with db_sessionmaker() as job_session:
        stale = await job_session.get(Booking, booking_id)
        assert stale is not None
        assert await try_move(db_sessionmaker, client, booking_id, second) == "moved"
        assert await slot_status(db_sessionmaker, second) == SlotStatus.held
        done = await bookings.cancel(
            job_session,
            booking=stale,
            by=bookings.CancelledBy.hold_expired,
            rules=RULES,
            now=NOW + HOLD,
        )
        assert done.booking.status == BookingStatus.cancelled
    assert await slot_status(db_sessionmaker, first) == SlotStatus.free
    assert await slot_status(db_sessionmaker, second) == SlotStatus.free


async def test_a_lapsed_hold_that_was_paid_meanwhile_is_not_released(
    db_sessionmaker: Sessions, database_url: str
) -> None:
    settings = make_settings(database_url, payment_currency="XTR")
    _, (first,) = await make_slots(db_sessionmaker, 1)
    async with db_sessionmaker() as session:
        [client] = await make_clients(session, 1)
        await session.commit()
    booking_id = await book(db_sessionmaker, client, first, hold=True)
    assert await pay(db_sessionmaker, settings, booking_id, HOLD + timedelta(minutes=1)) == (
        "confirmed"
    )
    async with db_sessionmaker() as session:
        released = await bookings.release_lapsed_holds(session, RULES, NOW + HOLD * 2)
    assert released == []
    assert await slot_status(db_sessionmaker, first) == SlotStatus.booked


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_interleaved_changes_keep_slots_bookings_and_refunds_consistent(
    db_sessionmaker: Sessions, database_url: str, seed: int
) -> None:
    settings = make_settings(database_url, payment_currency="XTR")
    _, slot_ids = await make_slots(db_sessionmaker, 8)
    async with db_sessionmaker() as session:
        clients = await make_clients(session, 10)
        await session.commit()
    paid = [await book(db_sessionmaker, clients[n], slot_ids[n], hold=True) for n in range(4)]
    for booking_id in paid:
        assert await pay(db_sessionmaker, settings, booking_id, timedelta(minutes=1)) == "confirmed"
    holds = [await book(db_sessionmaker, clients[n], slot_ids[n], hold=True) for n in (4, 5)]
    later = HOLD + timedelta(minutes=5)  # every hold has lapsed by now

    async def cancel(booking_id: int, by: bookings.CancelledBy) -> str:
        async with db_sessionmaker() as session:
            booking = await session.get(Booking, booking_id)
            assert booking is not None
            try:
                await bookings.cancel(session, booking=booking, by=by, rules=RULES, now=NOW + later)
            except bookings.BookingError as error:
                return type(error).__name__
            return "cancelled"

    async def release() -> str:
        async with db_sessionmaker() as session:
            return f"released {await bookings.release_lapsed_holds(session, RULES, NOW + later)}"

    async def try_book(client_id: int, slot_id: int) -> str:
        try:
            await book(db_sessionmaker, client_id, slot_id, hold=False)
        except bookings.BookingError as error:
            return type(error).__name__
        return "booked"

    chance = random.Random(seed)
    operations: list[Callable[[], Awaitable[str]]] = [
        lambda: try_move(db_sessionmaker, clients[0], paid[0], chance.choice(slot_ids)),
        lambda: try_move(db_sessionmaker, clients[1], paid[1], chance.choice(slot_ids)),
        lambda: cancel(paid[0], bookings.CancelledBy.client),
        lambda: cancel(paid[2], bookings.CancelledBy.client),
        lambda: cancel(paid[1], bookings.CancelledBy.admin),
        lambda: cancel(paid[3], bookings.CancelledBy.admin),
        lambda: cancel(holds[0], bookings.CancelledBy.admin),
        release,
        release,
        lambda: pay(db_sessionmaker, settings, holds[0], later),
        lambda: pay(db_sessionmaker, settings, holds[1], later),
        lambda: pay(db_sessionmaker, settings, holds[1], later),
        *[
            (lambda client=client: try_book(client, chance.choice(slot_ids)))
            for client in clients[6:]
        ],
    ]
    chance.shuffle(operations)
    results = await asyncio.gather(*(operation() for operation in operations))
    assert any(result in ("moved", "cancelled", "booked") for result in results), results

    async with db_sessionmaker() as session:
        every = list(await session.scalars(select(Booking)))
        stored = {slot.id: slot for slot in await session.scalars(select(Slot))}
        payments = list(await session.scalars(select(Payment)))
        refunds_per_payment = dict(
            (
                await session.execute(
                    select(Refund.payment_id, func.count(Refund.id)).group_by(Refund.payment_id)
                )
            ).all()
        )
    active = [booking for booking in every if booking.status in ACTIVE_BOOKING_STATUSES]
    holders: dict[int, int] = {}
    for booking in active:
        assert booking.slot_id is not None, f"active booking {booking.id} without its slot"
        slot = stored[booking.slot_id]
        wanted = SlotStatus.booked if booking.status == BookingStatus.confirmed else SlotStatus.held
        assert slot.status == wanted, (booking.id, booking.status, slot.status)
        assert (slot.starts_at, slot.ends_at) == (booking.starts_at, booking.ends_at)
        holders[slot.id] = holders.get(slot.id, 0) + 1
    assert all(count == 1 for count in holders.values()), holders
    taken = {
        slot_id
        for slot_id, slot in stored.items()
        if slot.status in (SlotStatus.booked, SlotStatus.held)
    }
    assert taken == set(holders), "a booked or held slot without an active booking"
    # Every cancellation here was free (two days ahead) or the practice's: a paid session
    # that ended up cancelled has exactly one refund, and one still on has none.
    by_id = {booking.id: booking for booking in every}
    assert len({payment.telegram_charge_id for payment in payments}) == len(payments)
    for payment in payments:
        booking = by_id[payment.booking_id]
        expected = 0 if booking.status in ACTIVE_BOOKING_STATUSES else 1
        assert refunds_per_payment.get(payment.id, 0) == expected, (booking.id, booking.status)
