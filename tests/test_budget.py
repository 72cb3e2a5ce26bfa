"""What one update costs the database on the hot paths: SQL statements and commits, the
update's own bookkeeping in the inbox included. A count, not a time: a new feature that
quietly reads the same rows again fails here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.inbox import Inbox
from db.demo import load_demo
from db.models import Booking, BookingStatus, Therapist
from tests.conftest import ManualClock, make_harness, make_settings
from tests.fake_telegram import Harness, Shown
from tests.flows import book_first_time, sign_up

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
    harness: Harness,
    sessions: Sessions,
    settings: Any,
    engine: AsyncEngine,
    step: Callable[[], Awaitable[Any]],
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


def within(cost: Cost, database_url: str, statements: int, commits: int = 3) -> None:
    """On PostgreSQL storing an update takes its person's advisory lock first: one
    statement more, the same transaction."""
    if database_url.startswith("postgresql"):
        statements += 1
    assert len(cost.statements) <= statements and cost.commits <= commits, cost


@pytest.fixture
async def catalogue(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    """The demo catalogue, every therapist linked to a Telegram chat: each booking tells
    its therapist, as in a real practice."""
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
        await session.execute(update(Therapist).values(telegram_id=700_000 + Therapist.id))
        await session.commit()


async def to_confirmation(harness: Harness, user_id: int) -> Shown:
    client = harness.user(user_id, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    return await book_first_time(client)


async def test_booking_with_payments_off(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Translator,
    catalogue: None,
) -> None:
    settings = make_settings(database_url, inbox_poll_seconds=60)
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    confirm = await to_confirmation(harness, 801)
    client = harness.user(801, "Анна")
    cost = await through_the_inbox(
        harness,
        db_sessionmaker,
        settings,
        db_engine,
        lambda: client.press("Записаться", message=confirm),
    )
    assert "Вы записаны" in confirm.text
    therapist_chats = [chat for chat in harness.telegram.chats if chat >= 700_000]
    assert therapist_chats, "the therapist was told"
    within(cost, database_url, 16)


async def test_booking_held_for_stars(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Translator,
    catalogue: None,
) -> None:
    settings = make_settings(
        database_url, inbox_poll_seconds=60, payment_currency="XTR", stars_per_rub=0.5
    )
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    confirm = await to_confirmation(harness, 802)
    client = harness.user(802, "Анна")
    cost = await through_the_inbox(
        harness,
        db_sessionmaker,
        settings,
        db_engine,
        lambda: client.press("Записаться", message=confirm),
    )
    assert client.last.invoice is not None
    within(cost, database_url, 16)


async def test_stars_payment(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Translator,
    catalogue: None,
) -> None:
    settings = make_settings(
        database_url, inbox_poll_seconds=60, payment_currency="XTR", stars_per_rub=0.5
    )
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    confirm = await to_confirmation(harness, 803)
    client = harness.user(803, "Анна")
    await client.press("Записаться", message=confirm)
    invoice = client.last.invoice
    assert invoice is not None
    await client.pre_checkout(invoice.payload, invoice.currency, invoice.prices[0].amount)
    cost = await through_the_inbox(
        harness,
        db_sessionmaker,
        settings,
        db_engine,
        lambda: client.pay(invoice.payload, invoice.currency, invoice.prices[0].amount, "ch-1"),
    )
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
    assert booking.status == BookingStatus.confirmed
    within(cost, database_url, 18)
