"""Each update is handled once, on the database (no Redis): the same update_id again, to
the same dispatcher or to another one on the same database, is skipped."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.types import Chat, Message, Update, User
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import Translator
from bot.middlewares import OnceOnly
from db import updates
from db.models import ProcessedUpdate
from tests.conftest import ManualClock, make_harness
from tests.fake_telegram import Harness

Sessions = async_sessionmaker[AsyncSession]


def start_update(update_id: int, person: int) -> Update:
    """`/start` from a person in their private chat, as Telegram sends it."""
    return Update(
        update_id=update_id,
        message=Message(
            message_id=update_id,
            date=datetime.now(UTC),
            chat=Chat(id=person, type="private", first_name="Анна"),
            from_user=User(id=person, is_bot=False, first_name="Анна", language_code="ru"),
            text="/start",
        ),
    )


def answers(harness: Harness, person: int) -> int:
    return len(harness.telegram.chats.get(person, []))


async def test_the_same_update_twice_is_handled_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    update = start_update(7_000_001, 501)
    await harness.dispatcher.feed_update(harness.bot, update)
    first = answers(harness, 501)
    assert first > 0
    with caplog.at_level(logging.INFO, logger="bot.middlewares"):
        await harness.dispatcher.feed_update(harness.bot, update)
    assert answers(harness, 501) == first
    assert [
        record.getMessage() for record in caplog.records if record.name == "bot.middlewares"
    ] == ["update 7000001 was handled already: skipped"]
    # A new update id from the same person is answered.
    await harness.dispatcher.feed_update(harness.bot, start_update(7_000_002, 501))
    assert answers(harness, 501) > first


async def test_two_dispatchers_on_one_database_handle_an_update_once(
    settings: Settings,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
) -> None:
    first = make_harness(settings, db_sessionmaker, clock, translator)
    second = make_harness(settings, db_sessionmaker, clock, translator)
    try:
        update = start_update(7_000_011, 502)
        await first.dispatcher.feed_update(first.bot, update)
        await second.dispatcher.feed_update(second.bot, update)
        assert answers(first, 502) > 0
        assert answers(second, 502) == 0
        # The other dispatcher does answer an update it has not seen.
        await second.dispatcher.feed_update(second.bot, start_update(7_000_012, 502))
        assert answers(second, 502) > 0
    finally:
        await first.bot.session.close()
        await second.bot.session.close()


async def test_old_update_ids_are_dropped(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        assert await updates.claim(session, 1, 10, clock.now() - timedelta(days=2))
        assert await updates.claim(session, 1, 11, clock.now())
        assert not await updates.claim(session, 1, 11, clock.now())
        # Another bot's update of the same id is its own.
        assert await updates.claim(session, 2, 11, clock.now())
    once = OnceOnly(db_sessionmaker, clock, cleanup_every=1)
    assert await once._claim(1, 12)
    async with db_sessionmaker() as session:
        kept = await session.scalars(select(ProcessedUpdate.update_id).order_by("update_id"))
        assert list(kept) == [11, 11, 12]
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 3


async def test_an_update_whose_process_died_is_handled_when_telegram_sends_it_again(
    db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    """A claim is a lease: while fresh, another dispatcher leaves the update alone; once it
    lapsed without the update being finished (the process was killed), the update is taken
    again; once finished, never."""
    async with db_sessionmaker() as session:
        assert await updates.claim(session, 1, 20, clock.now())  # then the process dies
        assert not await updates.claim(session, 1, 20, clock.now() + timedelta(seconds=30))
        assert await updates.claim(session, 1, 20, clock.now() + updates.LEASE * 2)
        await updates.finish(session, 1, 20, clock.now() + updates.LEASE * 2)
        assert not await updates.claim(session, 1, 20, clock.now() + updates.LEASE * 5)


async def test_a_handled_update_is_finished_and_never_taken_again(
    harness: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    update = start_update(7_000_021, 503)
    await harness.dispatcher.feed_update(harness.bot, update)
    async with db_sessionmaker() as session:
        row = await session.get(ProcessedUpdate, (harness.bot.id, 7_000_021))
        assert row is not None and row.done_at is not None
    clock.advance(minutes=10)
    shown = answers(harness, 503)
    await harness.dispatcher.feed_update(harness.bot, update)
    assert answers(harness, 503) == shown
