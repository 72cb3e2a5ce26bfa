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
from tests.fake_telegram import Shown, TgUser
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


STARS = {"payment_currency": "XTR", "stars_per_rub": 0.5}


@dataclass
class Practice:
    """The production dispatcher on a linked demo catalogue, and what one update costs
    when it comes through the inbox, as in production."""

    sessions: Sessions
    engine: AsyncEngine
    database_url: str
    clock: ManualClock
    translator: Translator

    def start(self, **overrides: Any) -> None:
        self.settings = make_settings(self.database_url, inbox_poll_seconds=60, **overrides)
        self.harness = make_harness(self.settings, self.sessions, self.clock, self.translator)

    async def at_confirmation(self, user_id: int) -> tuple[TgUser, Shown]:
        client = self.harness.user(user_id, "Анна")
        await sign_up(client)
        await client.press("Найти терапевта")
        return client, await book_first_time(client)

    async def cost(self, step: Callable[[], Awaitable[Any]]) -> Cost:
        updates_inbox = Inbox(
            self.harness.dispatcher, self.harness.bot, self.sessions, self.settings
        )
        self.harness.inbox = updates_inbox
        updates_inbox.start()
        try:
            async with counted(self.engine) as cost:
                await step()
        finally:
            self.harness.inbox = None
            await updates_inbox.stop(grace=5)
        return cost

    def within(self, cost: Cost, statements: int, commits: int = 3) -> None:
        """On PostgreSQL storing an update takes its person's advisory lock first: one
        statement more, in the same transaction."""
        if self.database_url.startswith("postgresql"):
            statements += 1
        assert len(cost.statements) <= statements and cost.commits <= commits, cost


@pytest.fixture
async def practice(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Translator,
) -> AsyncIterator[Practice]:
    """The demo catalogue, every therapist linked to a Telegram chat: each booking tells
    its therapist, as in a real practice."""
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
        await session.execute(update(Therapist).values(telegram_id=700_000 + Therapist.id))
        await session.commit()
    practice = Practice(db_sessionmaker, db_engine, database_url, clock, translator)
    yield practice
    await practice.harness.bot.session.close()


def name_on(card: Shown) -> str:
    return card.text.split("\n")[0]


async def test_card_pages(practice: Practice) -> None:
    """▶ to a card seen for the first time: the conversation's state and data (one query),
    the person with their answers, the therapist (without topics), their free times, and
    Telegram's id of the uploaded portrait kept; ◀ back to one seen: reads only."""
    practice.start()
    client = practice.harness.user(804, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    card = client.last_with_buttons
    first = name_on(card)
    new_card = await practice.cost(lambda: client.press("▶", message=card))
    assert name_on(client.last_with_buttons) != first
    practice.within(new_card, 8)
    seen_card = await practice.cost(lambda: client.press("◀", message=client.last_with_buttons))
    assert name_on(client.last_with_buttons) == first and client.last_with_buttons.photo
    practice.within(seen_card, 7, commits=2)  # the inbox's two: stored, finished
    assert not any("therapist_topics" in sql for sql in seen_card.statements), seen_card
    handler = [sql for sql in seen_card.statements if " inbox" not in sql]
    assert not any(sql.startswith(("INSERT", "UPDATE", "DELETE")) for sql in handler), seen_card


async def test_booking_with_payments_off(practice: Practice) -> None:
    practice.start()
    client, confirm = await practice.at_confirmation(801)
    cost = await practice.cost(lambda: client.press("Записаться", message=confirm))
    assert "Вы записаны" in confirm.text
    assert any(chat >= 700_000 for chat in practice.harness.telegram.chats), "therapist told"
    practice.within(cost, 15)  # the ceiling: 16


async def test_booking_held_for_stars(practice: Practice) -> None:
    practice.start(**STARS)
    client, confirm = await practice.at_confirmation(802)
    cost = await practice.cost(lambda: client.press("Записаться", message=confirm))
    assert client.last.invoice is not None
    practice.within(cost, 11)


async def test_stars_payment(practice: Practice) -> None:
    practice.start(**STARS)
    client, confirm = await practice.at_confirmation(803)
    await client.press("Записаться", message=confirm)
    invoice = client.last.invoice
    assert invoice is not None
    amount = invoice.prices[0].amount
    await client.pre_checkout(invoice.payload, invoice.currency, amount)
    cost = await practice.cost(lambda: client.pay(invoice.payload, invoice.currency, amount, "c1"))
    async with practice.sessions() as session:
        booking = (await session.scalars(select(Booking))).one()
    assert booking.status == BookingStatus.confirmed
    assert any(chat >= 700_000 for chat in practice.harness.telegram.chats), "therapist told"
    practice.within(cost, 17)  # the ceiling: 18
