"""What paging through the matched cards costs the database: SQL statements and commits
of one tap on ▶ or ◀, through the production dispatcher. A count, not a time: a change
that quietly reads the same rows again, loads what the card does not show or writes on a
read fails here, with the statements listed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.demo import load_demo
from tests.conftest import ManualClock
from tests.fake_telegram import Harness, Shown
from tests.flows import sign_up

Sessions = async_sessionmaker[AsyncSession]

# A card seen before: the conversation's state and data (one query), the person with
# their answers, the therapist, their free times.
PAGE_STATEMENTS = 4
# A card shown for the first time also keeps Telegram's id of the uploaded portrait.
FIRST_VIEW_STATEMENTS = PAGE_STATEMENTS + 1


@dataclass
class Cost:
    statements: list[str] = field(default_factory=list)
    commits: int = 0

    def __str__(self) -> str:
        listing = "\n".join(f"  {sql}" for sql in self.statements)
        return f"{len(self.statements)} statements, {self.commits} commits:\n{listing}"


@asynccontextmanager
async def counted(engine: AsyncEngine) -> AsyncIterator[Cost]:
    cost = Cost()

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        cost.statements.append(" ".join(sql.split())[:300])

    def commit(conn: Any) -> None:
        cost.commits += 1

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(engine.sync_engine, "commit", commit)
    try:
        yield cost
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", statement)
        event.remove(engine.sync_engine, "commit", commit)


@pytest.fixture
async def demo(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


def name_on(card: Shown) -> str:
    return card.text.split("\n")[0]


async def test_a_card_page_costs_a_few_reads_and_no_write(
    harness: Harness, db_engine: AsyncEngine, demo: None
) -> None:
    client = harness.user(401, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    first = name_on(client.last_with_buttons)

    async with counted(db_engine) as new_card:
        await client.press("▶", message=client.last_with_buttons)
    second = name_on(client.last_with_buttons)
    assert second != first
    assert len(new_card.statements) <= FIRST_VIEW_STATEMENTS, str(new_card)
    assert new_card.commits <= 1, str(new_card)

    async with counted(db_engine) as seen_card:
        await client.press("◀", message=client.last_with_buttons)
    assert name_on(client.last_with_buttons) == first
    assert client.last_with_buttons.photo
    assert len(seen_card.statements) <= PAGE_STATEMENTS, str(seen_card)
    assert seen_card.commits == 0, str(seen_card)
    # Nothing is written when only reading, and the therapist's topics are not loaded.
    assert not any(sql.startswith(("INSERT", "UPDATE", "DELETE")) for sql in seen_card.statements)
    assert not any("therapist_topics" in sql for sql in seen_card.statements), str(seen_card)
