"""What the «Записаться» tap costs the database up to its commit, payments off: the slot
and its therapist read once (without the therapist's topics), the booking inserted with
RETURNING and never read back, its reminders written without a read, the two notices in
one statement; and its calendar file counts no moves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.demo import load_demo
from tests.conftest import ManualClock, make_harness, make_settings
from tests.flows import book_first_time, sign_up

Sessions = async_sessionmaker[AsyncSession]


async def test_booking_a_slot_costs_eight_statements_after_the_persons_reads(
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator,
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    harness = make_harness(make_settings(database_url), db_sessionmaker, clock, translator)
    client = harness.user(802, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    confirm = await book_first_time(client)

    statements: list[str] = []  # up to the commit
    everything: list[str] = []  # the rendering and the notices' delivery too
    committed: list[int] = []

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        everything.append(" ".join(sql.split()))
        if not committed:
            statements.append(everything[-1])

    def commit(conn: Any) -> None:
        committed.append(len(statements))

    event.listen(db_engine.sync_engine, "before_cursor_execute", statement)
    event.listen(db_engine.sync_engine, "commit", commit)
    try:
        await client.press("Записаться", message=confirm)
    finally:
        event.remove(db_engine.sync_engine, "before_cursor_execute", statement)
        event.remove(db_engine.sync_engine, "commit", commit)
    assert "Вы записаны" in confirm.text
    listing = "\n".join(statements)
    # The person (their conversation state, their row), then the booking's own.
    after_person = statements[2:]
    assert len(after_person) == 8, listing
    assert sum(s.startswith("SELECT slots.") for s in statements) == 1, listing
    assert not any("therapist_topics" in s for s in statements), listing
    assert not any(s.startswith("SELECT") and "FROM bookings" in s for s in after_person), listing
    assert not any("FROM reminders" in s for s in statements), listing
    assert sum(s.startswith("INSERT INTO notices") for s in statements) == 1, listing
    # A booking never moved has no moves to count for its calendar file.
    assert not any("booking_changes" in s for s in everything), "\n".join(everything)
