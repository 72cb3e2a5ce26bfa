"""Background jobs besides reminders: releasing unpaid holds, extending free slots."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.notify import Outgoing
from db.demo import load_demo
from db.engine import create_engine, create_sessionmaker
from db.models import Booking, BookingStatus, Slot, SlotStatus
from scheduler.holds import release_expired_holds
from scheduler.slots import extend_free_slots
from tests.conftest import ManualClock, make_harness, make_settings, outbox_job
from tests.flows import book_first_time, sign_up

Sessions = async_sessionmaker[AsyncSession]


async def nobody_blocked(chat_id: int) -> None:
    raise AssertionError(f"chat {chat_id} was not expected to block the bot")


async def test_unpaid_hold_is_released_and_the_client_told(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    settings = make_settings(database_url, payment_currency="XTR")
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    client = harness.user(801, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    confirm = await book_first_time(client)
    await client.press("Записаться", message=confirm)
    job = outbox_job(
        harness,
        settings,
        db_sessionmaker,
        clock,
        translator,
        Outgoing(harness.bot, settings, nobody_blocked),
    )
    rules = settings.rules()

    # Not yet: the hold lasts 15 minutes.
    clock.advance(minutes=10)
    assert (
        await release_expired_holds(
            sessionmaker=db_sessionmaker, rules=rules, clock=clock, outbox=job
        )
        == 0
    )
    clock.advance(minutes=6)
    released = await release_expired_holds(
        sessionmaker=db_sessionmaker, rules=rules, clock=clock, outbox=job
    )
    assert released == 1
    assert "истекла без оплаты" in client.last.text
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
        assert booking.status == BookingStatus.cancelled and booking.cancelled_by == "hold_expired"
        free = await session.scalar(
            select(func.count(Slot.id)).where(
                Slot.therapist_id == booking.therapist_id,
                Slot.starts_at == booking.starts_at,
                Slot.status == SlotStatus.free,
            )
        )
        assert free == 1
    # A second run (or a second process) finds nothing more to release.
    assert (
        await release_expired_holds(
            sessionmaker=db_sessionmaker, rules=rules, clock=clock, outbox=job
        )
        == 0
    )
    await client.press("Выбрать время")
    assert client.last.photo is not None or "Работает с" in client.last.text


async def test_free_slots_follow_the_days(
    db_sessionmaker: Sessions, settings, clock: ManualClock
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
        before = await session.scalar(select(func.max(Slot.starts_at)))
    clock.advance(days=3)
    added = await extend_free_slots(
        sessionmaker=db_sessionmaker, settings=settings, clock=clock, rules=settings.rules()
    )
    assert added > 0
    async with db_sessionmaker() as session:
        after = await session.scalar(select(func.max(Slot.starts_at)))
    assert after - before >= timedelta(days=2)
    assert (
        await extend_free_slots(
            sessionmaker=db_sessionmaker, settings=settings, clock=clock, rules=settings.rules()
        )
        == 0
    )


async def test_writing_again_lifts_the_blocked_mark(
    harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    from db.models import User

    client = harness.user(802, "Анна")
    await sign_up(client)
    async with db_sessionmaker() as session:
        user = (await session.scalars(select(User))).one()
        user.blocked_bot_at = clock.now()
        await session.commit()
    await client.send("/start")
    async with db_sessionmaker() as session:
        assert (await session.scalars(select(User))).one().blocked_bot_at is None


async def test_two_instances_release_a_lapsed_hold_once(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> None:
    """Every instance runs the hold job: run at the same moment from two processes' session
    factories, a lapsed hold is cancelled once and the client told once."""
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    settings = make_settings(database_url, payment_currency="XTR")
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    client = harness.user(802, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    confirm = await book_first_time(client)
    await client.press("Записаться", message=confirm)
    clock.advance(minutes=16)
    second_engine = create_engine(database_url)
    try:
        second = create_sessionmaker(second_engine)
        released = await asyncio.gather(
            *(
                release_expired_holds(
                    sessionmaker=maker,
                    rules=settings.rules(),
                    clock=clock,
                    outbox=outbox_job(
                        harness,
                        settings,
                        maker,
                        clock,
                        translator,
                        Outgoing(harness.bot, settings, nobody_blocked),
                    ),
                )
                for maker in (db_sessionmaker, second)
            )
        )
    finally:
        await second_engine.dispose()
    assert sorted(released) == [0, 1]
    told = [text for text in client.texts_since(0) if "истекла без оплаты" in text]
    assert len(told) == 1


async def test_two_instances_extend_free_slots_without_doubles(
    db_sessionmaker: Sessions, database_url: str, settings, clock: ManualClock
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    clock.advance(days=3)
    second_engine = create_engine(database_url)
    try:
        second = create_sessionmaker(second_engine)
        added = await asyncio.gather(
            *(
                extend_free_slots(
                    sessionmaker=maker, settings=settings, clock=clock, rules=settings.rules()
                )
                for maker in (db_sessionmaker, second)
            ),
            return_exceptions=True,
        )
    finally:
        await second_engine.dispose()
    assert all(isinstance(count, int) for count in added), added
    assert sum(added) > 0  # type: ignore[arg-type]
    async with db_sessionmaker() as session:
        doubles = await session.scalar(
            select(func.count()).select_from(
                select(Slot.therapist_id, Slot.starts_at)
                .group_by(Slot.therapist_id, Slot.starts_at)
                .having(func.count(Slot.id) > 1)
                .subquery()
            )
        )
    assert doubles == 0
