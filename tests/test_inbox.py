"""The inbox (`db.inbox`, `bot.inbox.Inbox`): updates stored before they are acknowledged,
each handled once, one person's in order, a dead instance's taken over after its lease,
an update that keeps failing parked and reported, and a shutdown that hands back what it
did not finish. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import BaseMiddleware
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message, TelegramObject, Update, User
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import Translator
from bot.inbox import Inbox, incoming
from bot.metrics import read_database
from db import inbox
from db.models import InboxUpdate, Notice
from tests.conftest import ADMIN_ID, ManualClock, make_harness, make_settings, outbox_job
from tests.fake_telegram import Harness

Sessions = async_sessionmaker[AsyncSession]
LEASE = timedelta(seconds=60)


def start_update(update_id: int, person: int, text: str = "/start") -> Update:
    """A message from a person in their private chat, as Telegram sends it."""
    return Update(
        update_id=update_id,
        message=Message(
            message_id=update_id,
            date=datetime.now(UTC),
            chat=Chat(id=person, type="private", first_name="Анна"),
            from_user=User(id=person, is_bot=False, first_name="Анна", language_code="ru"),
            text=text,
        ),
    )


def answers(harness: Harness, person: int) -> int:
    return len(harness.telegram.chats.get(person, []))


class Recorder(BaseMiddleware):
    """Notes the order in which updates reach the dispatcher and how many run at once
    per person; `hold` keeps a handler waiting until it is set."""

    def __init__(self) -> None:
        self.order: list[int] = []
        self.running: dict[int, int] = {}
        self.most_at_once = 0
        self.hold = asyncio.Event()
        self.hold.set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        person = data["event_from_user"].id
        self.order.append(event.update_id)
        self.running[person] = self.running.get(person, 0) + 1
        self.most_at_once = max(self.most_at_once, self.running[person])
        try:
            await self.hold.wait()
            await asyncio.sleep(0.01)  # room for a second one to start, were it let in
            return await handler(event, data)
        finally:
            self.running[person] -= 1


@asynccontextmanager
async def running(
    harness: Harness, sessions: Sessions, settings: Settings, **kwargs: Any
) -> AsyncIterator[Inbox]:
    updates_inbox = Inbox(harness.dispatcher, harness.bot, sessions, settings, **kwargs)
    updates_inbox.start()
    try:
        yield updates_inbox
    finally:
        await updates_inbox.stop(grace=5)


async def rows(sessions: Sessions) -> dict[int, InboxUpdate]:
    async with sessions() as session:
        found = await session.scalars(select(InboxUpdate))
        return {row.update_id: row for row in found}


async def eventually(check: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time given")


def fast(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"inbox_poll_seconds": 0.05}
    values.update(overrides)
    return make_settings(database_url, **values)


async def test_an_update_is_stored_handled_and_finished_without_its_text(
    harness: Harness, db_sessionmaker: Sessions, database_url: str
) -> None:
    settings = fast(database_url)
    async with running(harness, db_sessionmaker, settings) as updates_inbox:
        await updates_inbox.store([start_update(7_000_001, 501)])
        await updates_inbox.drain()
    assert answers(harness, 501) > 0
    row = (await rows(db_sessionmaker))[7_000_001]
    assert (row.person, row.kind, row.outcome, row.attempts) == (501, "message", "done", 1)
    assert row.payload is None and row.finished_at is not None and row.taken_until is None


async def test_the_same_update_twice_and_at_two_instances_is_handled_once(
    settings: Settings,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = make_harness(settings, db_sessionmaker, clock, translator)
    second = make_harness(settings, db_sessionmaker, clock, translator)
    try:
        async with (
            running(first, db_sessionmaker, settings) as a,
            running(second, db_sessionmaker, settings) as b,
        ):
            update = start_update(7_000_011, 502)
            with caplog.at_level(logging.INFO, logger="bot.inbox"):
                await asyncio.gather(a.store([update]), b.store([update]))
                await a.store([update])  # once more, after it was handled
                await asyncio.gather(a.drain(), b.drain())
            # Another update of the same person is its own.
            await b.store([start_update(7_000_012, 502)])
            await b.drain()
    finally:
        await first.bot.session.close()
        await second.bot.session.close()
    greetings = [
        call
        for harness in (first, second)
        for call in harness.telegram.calls
        if isinstance(call, SendMessage) and call.chat_id == 502 and "Здравствуйте" in call.text
    ]
    assert len(greetings) == 2, greetings
    skipped = [
        record.getMessage()
        for record in caplog.records
        if record.name == "bot.inbox" and "skipped" in record.getMessage()
    ]
    assert skipped == ["update 7000011 is in the inbox already: skipped"] * 2


async def test_one_persons_updates_are_handled_one_at_a_time_in_order_others_in_parallel(
    harness: Harness, db_sessionmaker: Sessions, database_url: str
) -> None:
    recorder = Recorder()
    harness.dispatcher.update.outer_middleware(recorder)
    recorder.hold.clear()
    settings = fast(database_url)
    async with running(harness, db_sessionmaker, settings) as updates_inbox:
        # One batch, as polling gets it: two people, interleaved.
        batch = [start_update(7_000_100 + number, 503 + number % 2, "/help") for number in range(8)]
        await updates_inbox.store(batch)
        await asyncio.sleep(0.1)
        # Each person has exactly one update in hand while the handlers wait.
        assert updates_inbox.in_hand == 2
        recorder.hold.set()
        await updates_inbox.drain()
    assert recorder.most_at_once == 1
    mine = [
        [update_id for update_id in recorder.order if update_id % 2 == parity] for parity in (0, 1)
    ]
    assert mine == [sorted(mine[0]), sorted(mine[1])] and len(recorder.order) == 8
    assert all(row.outcome == "done" for row in (await rows(db_sessionmaker)).values())


async def test_an_update_stored_by_another_instance_waits_for_the_persons_earlier_one(
    harness: Harness, db_sessionmaker: Sessions, database_url: str
) -> None:
    """The earlier update is held by an instance that then dies: the later one, stored
    here, waits until the lease runs out, then both are handled here, in order."""
    async with db_sessionmaker() as session:
        now = datetime.now(UTC)
        stored = await inbox.store(
            session,
            harness.bot.id,
            [incoming(start_update(7_000_201, 505, "/help"))],
            now=now,
            lease=timedelta(seconds=1),
            owner="dead",
        )
    assert [item.update_id for item in stored.taken] == [7_000_201]
    recorder = Recorder()
    harness.dispatcher.update.outer_middleware(recorder)
    settings = fast(database_url, inbox_lease_seconds=1)
    async with running(harness, db_sessionmaker, settings) as updates_inbox:
        await updates_inbox.store([start_update(7_000_202, 505, "/help")])
        assert recorder.order == []  # not taken: the person's earlier update is open
        await eventually(lambda: len(recorder.order) >= 2)
        await updates_inbox.drain()
    assert recorder.order == [7_000_201, 7_000_202]
    found = await rows(db_sessionmaker)
    assert found[7_000_201].attempts == 2 and found[7_000_201].outcome == "done"
    assert found[7_000_202].attempts == 1 and found[7_000_202].outcome == "done"


async def test_an_update_that_keeps_failing_is_parked_and_the_admins_told_once(
    harness: Harness,
    db_sessionmaker: Sessions,
    database_url: str,
    clock: ManualClock,
    translator: Translator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.inbox.RETRY_AFTER", timedelta(milliseconds=50))
    tries: list[int] = []

    async def broken(bot: Any, update: Update, **kwargs: Any) -> Any:
        tries.append(update.update_id)
        raise ConnectionError("the database went away")

    monkeypatch.setattr(harness.dispatcher, "feed_update", broken)
    settings = fast(database_url, inbox_max_attempts=3)
    async with running(harness, db_sessionmaker, settings) as updates_inbox:
        await updates_inbox.store([start_update(7_000_301, 506), start_update(7_000_302, 506)])
        await eventually(lambda: len(tries) >= 6, 15)
        await asyncio.sleep(0.3)  # no seventh try comes
        await updates_inbox.drain()
    # Each was tried three times, the first before the second (the person's order).
    assert tries == [7_000_301] * 3 + [7_000_302] * 3
    found = await rows(db_sessionmaker)
    for update_id in (7_000_301, 7_000_302):
        row = found[update_id]
        assert (row.outcome, row.failure, row.payload) == ("parked", "ConnectionError", None)
    job = outbox_job(harness, settings, db_sessionmaker, clock, translator)
    await job.run()
    told = [
        call.text
        for call in harness.telegram.calls
        if isinstance(call, SendMessage) and call.chat_id == ADMIN_ID
    ]
    assert len(told) == 2 and "№7000301 (message)" in told[0] and "№7000302" in told[1]
    assert "ConnectionError" in told[0] and "попыток: 3" in told[0]
    async with db_sessionmaker() as session:
        parked = await session.scalar(
            select(func.count()).select_from(Notice).where(Notice.event == "update-parked")
        )
        snapshot = await read_database(session, clock.now())
    assert parked == 2
    assert (snapshot.inbox_waiting, snapshot.inbox_parked) == (0, 2)


async def test_a_process_dying_each_time_gets_an_update_parked(
    harness: Harness, db_sessionmaker: Sessions
) -> None:
    """Taken and never finished (the process is killed each time it handles it): after
    `max_attempts` takes it is parked instead of taken again."""
    now = datetime.now(UTC)
    bot_id = harness.bot.id
    async with db_sessionmaker() as session:
        await inbox.store(
            session,
            bot_id,
            [incoming(start_update(7_000_401, 507))],
            now=now,
            lease=LEASE,
            owner="a",
        )
    for attempt in (2, 3):
        now += LEASE * 2
        async with db_sessionmaker() as session:
            taken = await inbox.claim(
                session, bot_id, now=now, lease=LEASE, owner="b", limit=10, max_attempts=3
            )
        assert [(item.update_id, item.attempts) for item in taken] == [(7_000_401, attempt)]
    now += LEASE * 2
    async with db_sessionmaker() as session:
        assert (
            await inbox.claim(
                session, bot_id, now=now, lease=LEASE, owner="b", limit=10, max_attempts=3
            )
            == []
        )
    row = (await rows(db_sessionmaker))[7_000_401]
    assert (row.outcome, row.attempts, row.failure) == ("parked", 3, None)
    async with db_sessionmaker() as session:
        notice = await session.scalar(select(Notice).where(Notice.event == "update-parked"))
    assert notice is not None and notice.details == {
        "update": 7_000_401,
        "kind": "message",
        "failure": "",
        "attempts": 3,
    }


async def test_stopping_hands_back_what_is_in_hand_and_the_next_start_handles_it(
    harness: Harness, db_sessionmaker: Sessions, database_url: str
) -> None:
    recorder = Recorder()
    harness.dispatcher.update.outer_middleware(recorder)
    recorder.hold.clear()
    settings = fast(database_url)
    first = Inbox(harness.dispatcher, harness.bot, db_sessionmaker, settings)
    first.start()
    await first.store([start_update(7_000_501, 508), start_update(7_000_502, 508)])
    await asyncio.sleep(0.1)
    await first.stop(grace=0.2)  # the handler is still waiting: cut off, handed back
    found = await rows(db_sessionmaker)
    assert [(row.outcome, row.taken_until, row.attempts) for row in found.values()] == [
        (None, None, 0),
        (None, None, 0),
    ]
    # Stored while stopping: kept for the next start, not taken.
    await first.store([start_update(7_000_503, 509)])
    assert (await rows(db_sessionmaker))[7_000_503].taken_until is None
    recorder.hold.set()
    recorder.order.clear()
    async with running(harness, db_sessionmaker, settings) as second:
        await eventually(lambda: len(recorder.order) >= 3)
        await second.drain()
    assert sorted(recorder.order) == [7_000_501, 7_000_502, 7_000_503]
    assert recorder.order.index(7_000_501) < recorder.order.index(7_000_502)
    assert all(row.outcome == "done" for row in (await rows(db_sessionmaker)).values())


async def test_long_handlers_keep_their_lease(
    harness: Harness, db_sessionmaker: Sessions, database_url: str
) -> None:
    recorder = Recorder()
    harness.dispatcher.update.outer_middleware(recorder)
    recorder.hold.clear()
    settings = fast(database_url, inbox_lease_seconds=1)
    async with running(harness, db_sessionmaker, settings) as updates_inbox:
        await updates_inbox.store([start_update(7_000_601, 510, "/help")])
        await asyncio.sleep(2.5)  # more than twice the lease
        async with db_sessionmaker() as session:
            # Nobody else may take it: its lease was renewed.
            assert (
                await inbox.claim(
                    session,
                    harness.bot.id,
                    now=datetime.now(UTC),
                    lease=LEASE,
                    owner="other",
                    limit=10,
                    max_attempts=3,
                )
                == []
            )
        recorder.hold.set()
        await updates_inbox.drain()
    assert recorder.order == [7_000_601]


async def test_old_finished_rows_are_dropped(db_sessionmaker: Sessions) -> None:
    now = datetime.now(UTC)
    async with db_sessionmaker() as session:
        stored = await inbox.store(
            session,
            1,
            [incoming(start_update(10, 1)), incoming(start_update(11, 2))],
            now=now - timedelta(days=2),
            lease=LEASE,
            owner="a",
        )
    old, recent = stored.taken
    async with db_sessionmaker() as session:
        await inbox.finish(
            session, 1, old, now=now - timedelta(days=2), lease=LEASE, owner="a", max_attempts=3
        )
    async with db_sessionmaker() as session:
        await inbox.finish(session, 1, recent, now=now, lease=LEASE, owner="a", max_attempts=3)
    async with db_sessionmaker() as session:
        assert await inbox.forget_old(session, now) == 1
    assert list(await rows(db_sessionmaker)) == [11]


async def test_an_update_costs_one_commit_before_and_one_after(
    harness: Harness, db_sessionmaker: Sessions, db_engine: AsyncEngine, database_url: str
) -> None:
    """The inbox's own bookkeeping per update: one transaction to store (and take) it,
    one to finish it (and take the person's next)."""
    settings = fast(database_url, inbox_poll_seconds=60)
    inbox_statements: list[str] = []
    commits: list[int] = []

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        if " inbox" in sql and "pg_advisory" not in sql:
            inbox_statements.append(sql.split()[0])

    def commit(conn: Any) -> None:
        commits.append(1)

    event.listen(db_engine.sync_engine, "before_cursor_execute", statement)
    event.listen(db_engine.sync_engine, "commit", commit)
    try:
        async with running(harness, db_sessionmaker, settings) as updates_inbox:
            inbox_statements.clear()
            commits.clear()
            await updates_inbox.store([start_update(7_000_701, 511, "/help")])
            await updates_inbox.drain()
    finally:
        event.remove(db_engine.sync_engine, "before_cursor_execute", statement)
        event.remove(db_engine.sync_engine, "commit", commit)
    # INSERT (stored and taken); UPDATE (finished) and UPDATE (the person's next: none).
    assert inbox_statements == ["INSERT", "UPDATE", "UPDATE"], inbox_statements
    assert answers(harness, 511) > 0
    # /help writes nothing of its own: the two commits are the inbox's.
    assert len(commits) == 2, commits


async def test_an_erasure_leaves_no_person_on_the_inbox(
    harness: Harness, db_sessionmaker: Sessions
) -> None:
    now = datetime.now(UTC)
    async with db_sessionmaker() as session:
        stored = await inbox.store(
            session, 1, [incoming(start_update(20, 512))], now=now, lease=LEASE, owner="a"
        )
        await inbox.finish(
            session, 1, stored.taken[0], now=now, lease=LEASE, owner="a", max_attempts=3
        )
        await inbox.forget_person(session, 512)
        await session.commit()
    row = (await rows(db_sessionmaker))[20]
    assert row.person is None and row.payload is None


async def test_a_persons_next_update_taken_as_stopping_begins_is_handed_back(
    harness: Harness,
    db_sessionmaker: Sessions,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SIGTERM arrives just as an update's finish took the person's next one: that one is
    handed back at once, not held by the stopping process until its lease runs out."""
    settings = fast(database_url)
    updates_inbox = Inbox(harness.dispatcher, harness.bot, db_sessionmaker, settings)
    finish = inbox.finish

    async def finish_as_stopping_begins(*args: Any, **kwargs: Any) -> inbox.Taken | None:
        following = await finish(*args, **kwargs)
        updates_inbox._taking = False  # the signal, right after the commit
        return following

    monkeypatch.setattr("db.inbox.finish", finish_as_stopping_begins)
    updates_inbox.start()
    await updates_inbox.store([start_update(7_000_801, 513, "/help")])
    await updates_inbox.store([start_update(7_000_802, 513, "/help")])
    await updates_inbox.drain()
    await updates_inbox.stop(grace=1)
    found = await rows(db_sessionmaker)
    assert found[7_000_801].outcome == "done"
    second = found[7_000_802]
    assert (second.outcome, second.taken_until, second.attempts) == (None, None, 0)
