"""What one update costs the database on the hot paths: SQL statements and commits, the
update's own bookkeeping in the inbox included. A count, not a time: a new feature that
quietly reads the same rows again fails here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.inbox import Inbox
from db.demo import load_demo
from tests.conftest import ManualClock, make_harness, make_settings
from tests.fake_telegram import Harness
from tests.flows import Profile, answer_questionnaire, book_first_time, consent, sign_up

Sessions = async_sessionmaker[AsyncSession]


@dataclass
class Cost:
    statements: list[str] = field(default_factory=list)
    commits: int = 0

    def __str__(self) -> str:
        listing = "\n".join(self.statements)
        return f"{len(self.statements)} statements, {self.commits} commits:\n{listing}"


@asynccontextmanager
async def counted(engine: AsyncEngine) -> AsyncIterator[Cost]:
    cost = Cost()

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        cost.statements.append(" ".join(sql.split())[:160])

    def commit(conn: Any) -> None:
        cost.commits += 1

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(engine.sync_engine, "commit", commit)
    try:
        yield cost
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", statement)
        event.remove(engine.sync_engine, "commit", commit)


async def through_the_inbox(
    harness: Harness, sessions: Sessions, settings: Any, engine: AsyncEngine, step: Callable[[], Awaitable[Any]]
) -> Cost:
    """The cost of one update taken through the inbox, as in production."""
    updates_inbox = Inbox(harness.dispatcher, harness.bot, sessions, settings)
    harness.inbox = updates_inbox
    updates_inbox.start()
    try:
        async with counted(engine) as cost:
            await step()
    finally:
        harness.inbox = None
        await updates_inbox.stop(grace=5)
    return cost


@pytest.fixture
async def catalogue(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


async def test_booking_with_payments_off(
    db_sessionmaker: Sessions, db_engine: AsyncEngine, database_url: str, clock, translator, catalogue: None
) -> None:
    settings = make_settings(database_url, inbox_poll_seconds=60)
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    client = harness.user(801, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    confirm = await book_first_time(client)
    cost = await through_the_inbox(
        harness, db_sessionmaker, settings, db_engine,
        lambda: client.press("Записаться", message=confirm),
    )
    assert "Вы записаны" in confirm.text
    print(cost)
    assert False
