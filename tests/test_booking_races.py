"""The database, not Python, decides who gets a slot; overlaps are impossible."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.policy import Rules
from bot.rules.reminders import ReminderPlan
from db import bookings
from db.models import Booking, BookingStatus, Slot, SlotStatus, Therapist, User

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
RULES = Rules(
    min_notice=timedelta(hours=12),
    horizon=timedelta(days=14),
    reschedule_until=timedelta(hours=12),
    free_cancel=timedelta(hours=24),
    max_reschedules=2,
    reminders=ReminderPlan(client=(timedelta(hours=24),), therapist=(timedelta(hours=1),)),
)
START = datetime(2026, 12, 9, 7, 0, tzinfo=UTC)


async def make_therapist(session: AsyncSession, name: str = "Анна") -> Therapist:
    therapist = Therapist(
        name_ru=name,
        name_en=name,
        gender="female",
        offers_individual=True,
        offers_couple=False,
        price=3000,
        session_minutes=50,
        timezone="Europe/Moscow",
        created_at=NOW,
    )
    session.add(therapist)
    await session.flush()
    return therapist


async def make_clients(session: AsyncSession, count: int) -> list[int]:
    clients = [
        User(telegram_id=10_000 + n, language="ru", timezone="Europe/Moscow", created_at=NOW)
        for n in range(count)
    ]
    session.add_all(clients)
    await session.flush()
    return [client.id for client in clients]


async def make_slots(sessions: Sessions, count: int) -> tuple[int, list[int]]:
    """A therapist with `count` hourly slots from START; their ids."""
    async with sessions() as session:
        therapist = await make_therapist(session)
        slots = [
            Slot(
                therapist_id=therapist.id,
                starts_at=START + timedelta(hours=n),
                ends_at=START + timedelta(hours=n, minutes=50),
            )
            for n in range(count)
        ]
        session.add_all(slots)
        await session.commit()
        return therapist.id, [slot.id for slot in slots]


async def try_book(sessions: Sessions, client_id: int, slot_id: int) -> str:
    async with sessions() as session:
        client = await session.get(User, client_id)
        assert client is not None
        try:
            await bookings.book(
                session,
                client=client,
                slot_id=slot_id,
                format="individual",
                rules=RULES,
                now=NOW,
                hold=None,
            )
        except bookings.SlotTaken:
            return "taken"
        except bookings.ClientBusy:
            return "busy"
        return "booked"


async def test_fifty_clients_one_slot(db_sessionmaker: Sessions) -> None:
    async with db_sessionmaker() as session:
        therapist = await make_therapist(session)
        slot = Slot(
            therapist_id=therapist.id, starts_at=START, ends_at=START + timedelta(minutes=50)
        )
        session.add(slot)
        client_ids = await make_clients(session, 50)
        await session.commit()
        slot_id = slot.id
    results = await asyncio.gather(*(try_book(db_sessionmaker, c, slot_id) for c in client_ids))
    assert results.count("booked") == 1
    assert results.count("taken") == 49
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Booking.id))) == 1
        stored = await session.get(Slot, slot_id)
        assert stored is not None and stored.status == SlotStatus.booked


async def test_slots_of_one_therapist_never_overlap(db_sessionmaker: Sessions) -> None:
    async with db_sessionmaker() as session:
        therapist = await make_therapist(session)
        session.add(
            Slot(therapist_id=therapist.id, starts_at=START, ends_at=START + timedelta(minutes=80))
        )
        await session.commit()
        therapist_id = therapist.id
    async with db_sessionmaker() as session:
        later = START + timedelta(minutes=30)
        session.add(
            Slot(therapist_id=therapist_id, starts_at=later, ends_at=later + timedelta(minutes=50))
        )
        with pytest.raises(IntegrityError):
            await session.commit()
    async with db_sessionmaker() as session:
        # Back to back is fine.
        after = START + timedelta(minutes=80)
        session.add(
            Slot(therapist_id=therapist_id, starts_at=after, ends_at=after + timedelta(minutes=50))
        )
        await session.commit()


async def insert_booking(
    sessions: Sessions, client_id: int, therapist_id: int, start: datetime, minutes: int
) -> str:
    """A booking row written straight to the table, bypassing slots: only the guards stand
    between two overlapping sessions."""
    async with sessions() as session:
        session.add(
            Booking(
                client_id=client_id,
                therapist_id=therapist_id,
                slot_id=None,
                starts_at=start,
                ends_at=start + timedelta(minutes=minutes),
                status=BookingStatus.confirmed,
                format="individual",
                price=3000,
                created_at=NOW,
            )
        )
        try:
            await session.commit()
        except DBAPIError as error:
            assert bookings.refused_by_database(error), error
            return "refused"
        return "stored"


async def test_overlapping_bookings_with_different_starts(db_sessionmaker: Sessions) -> None:
    async with db_sessionmaker() as session:
        therapist = await make_therapist(session)
        clients = await make_clients(session, 20)
        await session.commit()
        therapist_id = therapist.id
    # 10:00 for 80 minutes against 10:30, 10:15, ... from many clients at once.
    starts = [START + timedelta(minutes=15 * n) for n in range(20)]
    results = await asyncio.gather(
        *(
            insert_booking(db_sessionmaker, client, therapist_id, start, 80)
            for client, start in zip(clients, starts, strict=True)
        )
    )
    assert "stored" in results
    async with db_sessionmaker() as session:
        rows = (
            await session.scalars(select(Booking).where(Booking.therapist_id == therapist_id))
        ).all()
    spans = sorted((row.starts_at, row.ends_at) for row in rows)
    for (_, first_end), (second_start, _) in itertools.pairwise(spans):
        assert first_end <= second_start, spans


async def test_a_client_cannot_hold_two_overlapping_sessions(db_sessionmaker: Sessions) -> None:
    async with db_sessionmaker() as session:
        anna = await make_therapist(session, "Анна")
        boris = await make_therapist(session, "Борис")
        (client,) = await make_clients(session, 1)
        first = Slot(therapist_id=anna.id, starts_at=START, ends_at=START + timedelta(minutes=50))
        later = START + timedelta(minutes=30)
        second = Slot(therapist_id=boris.id, starts_at=later, ends_at=later + timedelta(minutes=50))
        session.add_all([first, second])
        await session.commit()
        ids = first.id, second.id
    assert await try_book(db_sessionmaker, client, ids[0]) == "booked"
    assert await try_book(db_sessionmaker, client, ids[1]) == "busy"
    async with db_sessionmaker() as session:
        stored = await session.get(Slot, ids[1])
        assert stored is not None and stored.status == SlotStatus.free


async def test_cancelled_bookings_do_not_block(db_sessionmaker: Sessions) -> None:
    async with db_sessionmaker() as session:
        therapist = await make_therapist(session)
        first, second = await make_clients(session, 2)
        await session.commit()
        therapist_id = therapist.id
    assert await insert_booking(db_sessionmaker, first, therapist_id, START, 50) == "stored"
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
        booking.status = BookingStatus.cancelled
        await session.commit()
    assert await insert_booking(db_sessionmaker, second, therapist_id, START, 50) == "stored"


async def try_move(sessions: Sessions, client_id: int, booking_id: int, slot_id: int) -> str:
    """Move as the client's screen would: with the move count it was shown."""
    async with sessions() as session:
        client = await session.get(User, client_id)
        shown = await session.get(Booking, booking_id)
        assert client is not None and shown is not None
        try:
            await bookings.reschedule(
                session,
                client=client,
                booking_id=booking_id,
                slot_id=slot_id,
                rules=RULES,
                now=NOW,
                expected_moves=shown.reschedule_count,
            )
        except bookings.BookingError as error:
            return type(error).__name__
        return "moved"


async def test_interleaved_reschedules_and_bookings_keep_slots_consistent(
    db_sessionmaker: Sessions,
) -> None:
    import random

    _, slot_ids = await make_slots(db_sessionmaker, 6)
    async with db_sessionmaker() as session:
        clients = await make_clients(session, 12)
        await session.commit()
    movers = clients[:4]
    booking_ids = []
    for client, slot_id in zip(movers, slot_ids, strict=False):
        assert await try_book(db_sessionmaker, client, slot_id) == "booked"
        async with db_sessionmaker() as session:
            booking_ids.append(
                await session.scalar(select(Booking.id).where(Booking.client_id == client))
            )
    chance = random.Random(7)
    operations = [
        try_move(db_sessionmaker, client, booking_id, chance.choice(slot_ids))
        for client, booking_id in zip(movers, booking_ids, strict=True)
    ] + [try_book(db_sessionmaker, client, chance.choice(slot_ids)) for client in clients[4:]]
    chance.shuffle(operations)
    results = await asyncio.gather(*operations)
    assert "moved" in results or "booked" in results

    async with db_sessionmaker() as session:
        active = (
            await session.scalars(
                select(Booking).where(Booking.status.in_(("pending_payment", "confirmed")))
            )
        ).all()
        stored = {slot.id: slot for slot in await session.scalars(select(Slot))}
    by_slot: dict[int, int] = {}
    for booking in active:
        assert booking.slot_id is not None, "an active booking without its slot"
        slot = stored[booking.slot_id]
        assert slot.status == SlotStatus.booked
        assert (slot.starts_at, slot.ends_at) == (booking.starts_at, booking.ends_at)
        by_slot[slot.id] = by_slot.get(slot.id, 0) + 1
    assert all(count == 1 for count in by_slot.values()), by_slot
    booked = {slot_id for slot_id, slot in stored.items() if slot.status == SlotStatus.booked}
    assert booked == set(by_slot), "a booked slot without its booking"
