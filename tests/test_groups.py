"""Group dates and their seats (`db.groups`, `db.seats`), on SQLite and PostgreSQL: ten
clients tapping three seats at once get exactly three; the database refuses more seats
than the capacity; a freed seat goes to the first one waiting, one at a time; a date's
time is the therapist's (nobody else books it); calling a date off cancels every seat
once and tells those waiting."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.rules.payments import Price
from db import bookings, groups
from db.demo import load_demo
from db.models import (
    Booking,
    BookingStatus,
    Group,
    GroupDate,
    GroupWait,
    Notice,
    Reminder,
    Slot,
    SlotStatus,
    User,
)
from tests.conftest import ManualClock
from tests.test_outcomes import client

Sessions = async_sessionmaker[AsyncSession]
DAY = timedelta(days=1)


async def _group(sessions: Sessions, clock: ManualClock, capacity: int = 3) -> tuple[int, int]:
    """The demo catalogue and a group of therapist 1 meeting once, in three days."""
    now = clock.now()
    async with sessions() as session:
        await load_demo(session, now=now)
        group = await groups.create(
            session,
            groups.GroupDraft(
                therapist_id=1,
                title="Тревога: группа поддержки",
                capacity=capacity,
                price=1500,
                minutes=90,
                topics=("anxiety",),
            ),
            actor=None,
            now=now,
        )
        start = (now + 3 * DAY).replace(hour=15, minute=0, second=0, microsecond=0)
        (date,) = await groups.add_dates(session, group, [start], actor=None, now=now)
        return group.id, date.id


async def _clients(sessions: Sessions, clock: ManualClock, count: int) -> list[User]:
    async with sessions() as session:
        ids = [await client(session, clock.now(), number) for number in range(count)]
        await session.commit()
        return [await session.get_one(User, user_id) for user_id in ids]


async def _taken(sessions: Sessions, date_id: int) -> tuple[int, int]:
    """The date's counter, and its seats booked or held."""
    async with sessions() as session:
        taken = await session.scalar(select(GroupDate.taken).where(GroupDate.id == date_id))
        seated = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.group_date_id == date_id,
                Booking.status.in_(("confirmed", "pending_payment")),
            )
        )
        return int(taken or 0), int(seated or 0)


async def test_ten_taps_on_three_seats_make_three_seats(
    db_sessionmaker: Sessions, clock: ManualClock, settings: Settings
) -> None:
    _, date_id = await _group(db_sessionmaker, clock)
    people = await _clients(db_sessionmaker, clock, 10)
    rules = settings.rules()

    async def tap(person: User) -> Booking | Exception:
        async with db_sessionmaker() as session:
            try:
                return await groups.book_seat(
                    session, client=person, date_id=date_id, rules=rules, now=clock.now(), hold=None
                )
            except groups.GroupFull as error:
                return error

    results = await asyncio.gather(*(tap(person) for person in people))
    seated = [result for result in results if isinstance(result, Booking)]
    assert len(seated) == 3
    assert sum(isinstance(result, groups.GroupFull) for result in results) == 7
    assert await _taken(db_sessionmaker, date_id) == (3, 3)
    # The therapist's time is the date's: its slot, and no free slot overlapping it.
    async with db_sessionmaker() as session:
        date = await session.get_one(GroupDate, date_id)
        overlapping = list(
            await session.scalars(
                select(Slot.status).where(
                    Slot.therapist_id == 1,
                    Slot.starts_at < date.ends_at,
                    Slot.ends_at > date.starts_at,
                )
            )
        )
        assert overlapping == [SlotStatus.group]


async def test_the_database_refuses_more_seats_than_the_capacity(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    _, date_id = await _group(db_sessionmaker, clock)
    async with db_sessionmaker() as session:
        with pytest.raises(IntegrityError):
            await session.execute(update(GroupDate).where(GroupDate.id == date_id).values(taken=4))
            await session.commit()


async def test_one_client_one_seat_and_a_clash_refused(
    db_sessionmaker: Sessions, clock: ManualClock, settings: Settings
) -> None:
    _, date_id = await _group(db_sessionmaker, clock)
    (person,) = await _clients(db_sessionmaker, clock, 1)
    rules = settings.rules()
    async with db_sessionmaker() as session:
        await groups.book_seat(
            session, client=person, date_id=date_id, rules=rules, now=clock.now(), hold=None
        )
        with pytest.raises(groups.AlreadySeated):
            await groups.book_seat(
                session, client=person, date_id=date_id, rules=rules, now=clock.now(), hold=None
            )
        # The member is reminded; the therapist gets no reminder per seat.
        kinds = set(await session.scalars(select(Reminder.kind)))
        assert any(kind.startswith("client:") for kind in kinds), kinds
        assert not any(kind.startswith("therapist:") for kind in kinds), kinds
    assert await _taken(db_sessionmaker, date_id) == (1, 1)


async def test_a_freed_seat_goes_to_the_first_one_waiting(
    db_sessionmaker: Sessions, clock: ManualClock, settings: Settings
) -> None:
    _, date_id = await _group(db_sessionmaker, clock, capacity=2)
    first, second, third, fourth = await _clients(db_sessionmaker, clock, 4)
    rules = settings.rules()
    now = clock.now()
    async with db_sessionmaker() as session:
        seat = await groups.book_seat(
            session, client=first, date_id=date_id, rules=rules, now=now, hold=None
        )
        await groups.book_seat(
            session, client=second, date_id=date_id, rules=rules, now=now, hold=None
        )
        with pytest.raises(groups.GroupFull):
            await groups.book_seat(
                session, client=third, date_id=date_id, rules=rules, now=now, hold=None
            )
        assert await groups.wait(session, client=third, date_id=date_id, rules=rules, now=now)
        assert not await groups.wait(session, client=third, date_id=date_id, rules=rules, now=now)
        clock.advance(minutes=1)
        assert await groups.wait(
            session, client=fourth, date_id=date_id, rules=rules, now=clock.now()
        )
        await bookings.cancel(
            session, booking=seat, by=bookings.CancelledBy.client, rules=rules, now=clock.now()
        )
    # Kept for the first one waiting, counted as taken; nobody else gets it meanwhile.
    assert await _taken(db_sessionmaker, date_id) == (2, 1)
    async with db_sessionmaker() as session:
        waits = {
            wait.client_id: wait
            for wait in await session.scalars(
                select(GroupWait).where(GroupWait.group_date_id == date_id)
            )
        }
        assert waits[third.id].status == "offered"
        assert waits[fourth.id].status == "waiting"
        offers = list(
            await session.scalars(select(Notice.details).where(Notice.event == "group-seat-offer"))
        )
        assert offers == [{"wait": waits[third.id].id}]
        with pytest.raises(groups.GroupFull):
            await groups.book_seat(
                session, client=fourth, date_id=date_id, rules=rules, now=clock.now(), hold=None
            )
        # The offer lapses: the seat passes to the next one waiting.
        clock.advance(seconds=rules.offer_hold.total_seconds() + 60)
        assert await groups.expire_offers(session, rules=rules, now=clock.now()) == [
            waits[third.id].id
        ]
        with pytest.raises(groups.OfferGone):
            await groups.take_offer(
                session,
                client=third,
                wait_id=waits[third.id].id,
                rules=rules,
                now=clock.now(),
                hold=None,
            )
        fourth_wait = waits[fourth.id].id
        await session.refresh(waits[fourth.id])
        assert waits[fourth.id].status == "offered"
        # Someone else's offer is not theirs to take.
        with pytest.raises(groups.OfferGone):
            await groups.take_offer(
                session, client=third, wait_id=fourth_wait, rules=rules, now=clock.now(), hold=None
            )
        taken = await groups.take_offer(
            session,
            client=fourth,
            wait_id=fourth_wait,
            rules=rules,
            now=clock.now(),
            hold=timedelta(minutes=15),
        )
        assert taken.status == BookingStatus.pending_payment
        assert taken.group_date_id == date_id and taken.price == 1500
    assert await _taken(db_sessionmaker, date_id) == (2, 2)


async def test_a_member_leaving_with_nobody_waiting_frees_the_seat(
    db_sessionmaker: Sessions, clock: ManualClock, settings: Settings
) -> None:
    _, date_id = await _group(db_sessionmaker, clock)
    (person,) = await _clients(db_sessionmaker, clock, 1)
    rules = settings.rules()
    async with db_sessionmaker() as session:
        seat = await groups.book_seat(
            session, client=person, date_id=date_id, rules=rules, now=clock.now(), hold=None
        )
        with pytest.raises(bookings.SlotUnavailable):
            await bookings.reschedule(
                session,
                client=person,
                booking_id=seat.id,
                slot_id=1,
                rules=rules,
                now=clock.now(),
                expected_moves=0,
            )
        await bookings.cancel(
            session, booking=seat, by=bookings.CancelledBy.client, rules=rules, now=clock.now()
        )
    assert await _taken(db_sessionmaker, date_id) == (0, 0)


async def test_calling_a_date_off_cancels_every_seat_once(
    db_sessionmaker: Sessions, clock: ManualClock, settings: Settings
) -> None:
    _, date_id = await _group(db_sessionmaker, clock, capacity=2)
    first, second, third = await _clients(db_sessionmaker, clock, 3)
    rules = settings.rules()
    now = clock.now()
    async with db_sessionmaker() as session:
        for person in (first, second):
            await groups.book_seat(
                session, client=person, date_id=date_id, rules=rules, now=now, hold=None
            )
        await groups.wait(session, client=third, date_id=date_id, rules=rules, now=now)
        with pytest.raises(groups.GroupGone):  # not their date
            await groups.cancel_date(session, therapist_id=2, date_id=date_id, rules=rules, now=now)
        done = await groups.cancel_date(
            session, therapist_id=1, date_id=date_id, rules=rules, now=now
        )
        assert len(done) == 2
        with pytest.raises(groups.GroupGone):
            await groups.cancel_date(session, therapist_id=1, date_id=date_id, rules=rules, now=now)
        events = list(
            await session.execute(select(Notice.event, Notice.booking_id).order_by(Notice.id))
        )
        told = [event for event, _ in events if event == "cancelled-by-therapist"]
        assert len(told) == 2
        assert "cancelled" not in [event for event, _ in events]  # the therapist did it
        assert [event for event, _ in events].count("group-wait-ended") == 1
        # The therapist's time is theirs again: the date's slot is gone.
        date = await session.get_one(GroupDate, date_id)
        assert date.slot_id is None and date.cancelled_at is not None
        assert (
            await session.scalar(
                select(func.count()).select_from(Slot).where(Slot.status == "group")
            )
            == 0
        )
    assert await _taken(db_sessionmaker, date_id) == (0, 0)


async def test_weekly_dates_keep_the_wall_time_across_a_change_of_clock() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    from datetime import datetime

    first = datetime(2026, 10, 18, 19, 0, tzinfo=berlin)  # summer time; winter from 25 Oct
    starts = groups.weekly(first, 3)
    assert [start.astimezone(berlin).hour for start in starts] == [19, 19, 19]
    assert [start.hour for start in starts] == [17, 18, 18]  # in UTC


async def test_a_date_refuses_a_time_already_booked(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    group_id, date_id = await _group(db_sessionmaker, clock)
    now = clock.now()
    async with db_sessionmaker() as session:
        group = await session.get_one(Group, group_id)
        date = await session.get_one(GroupDate, date_id)
        with pytest.raises(groups.TimeTaken):  # the date itself is in the way
            await groups.add_dates(
                session, group, [date.starts_at + timedelta(minutes=30)], actor=None, now=now
            )


async def test_a_seat_paid_after_its_hold_lapsed_comes_back_only_when_one_is_free(
    db_sessionmaker: Sessions, clock: ManualClock, settings: Settings
) -> None:
    _, date_id = await _group(db_sessionmaker, clock, capacity=2)
    late, quick, other = await _clients(db_sessionmaker, clock, 3)
    rules = settings.rules()
    hold = timedelta(minutes=15)
    price = Price(150_000, "RUB")
    async with db_sessionmaker() as session:
        first = await groups.book_seat(
            session, client=late, date_id=date_id, rules=rules, now=clock.now(), hold=hold
        )
        clock.advance(minutes=20)
        assert await bookings.release_lapsed_holds(session, rules, clock.now()) == [first.id]
        assert await _taken(db_sessionmaker, date_id) == (0, 0)

        async def pay(booking: Booking, charge: str) -> bookings.Settled:
            done = await bookings.settle(
                session,
                booking=booking,
                payer_telegram_id=1,
                amount=price.amount,
                currency=price.currency,
                telegram_charge_id=charge,
                provider_charge_id=None,
                price=price,
                rules=rules,
                now=clock.now(),
            )
            return done.outcome

        # A seat is still free: the late payment takes it back.
        assert await pay(first, "late-1") == bookings.Settled.reclaimed
        assert await _taken(db_sessionmaker, date_id) == (1, 1)
        # Another hold lapses while both seats are taken meanwhile: its money goes back.
        second = await groups.book_seat(
            session, client=quick, date_id=date_id, rules=rules, now=clock.now(), hold=hold
        )
        clock.advance(minutes=20)
        await bookings.release_lapsed_holds(session, rules, clock.now())
        await groups.book_seat(
            session, client=other, date_id=date_id, rules=rules, now=clock.now(), hold=None
        )
        assert await pay(second, "late-2") == bookings.Settled.lost
    assert await _taken(db_sessionmaker, date_id) == (2, 2)


async def test_a_seat_kept_for_someone_and_booked_from_the_card_is_counted_once(
    db_sessionmaker: Sessions, clock: ManualClock, settings: Settings
) -> None:
    """The one a freed seat is kept for may book it with the card's button instead of the
    offer's: it is the kept seat, not a second one, and no offer is left open."""
    _, date_id = await _group(db_sessionmaker, clock, capacity=2)
    first, other, second = await _clients(db_sessionmaker, clock, 3)
    rules = settings.rules()
    async with db_sessionmaker() as session:
        seat = await groups.book_seat(
            session, client=first, date_id=date_id, rules=rules, now=clock.now(), hold=None
        )
        await groups.book_seat(
            session, client=other, date_id=date_id, rules=rules, now=clock.now(), hold=None
        )
        assert await groups.wait(
            session, client=second, date_id=date_id, rules=rules, now=clock.now()
        )
        await bookings.cancel(
            session, booking=seat, by=bookings.CancelledBy.client, rules=rules, now=clock.now()
        )
    assert await _taken(db_sessionmaker, date_id) == (2, 1)  # one kept for the second
    async with db_sessionmaker() as session:
        booked = await groups.book_seat(
            session, client=second, date_id=date_id, rules=rules, now=clock.now(), hold=None
        )
        assert booked.group_date_id == date_id
        waits = list(await session.scalars(select(GroupWait.status)))
    assert waits == ["booked"]
    assert await _taken(db_sessionmaker, date_id) == (2, 2)
