"""`refusable()` is a real savepoint on both databases: a refusal inside it undoes what the
block did and nothing before it, and the use case goes on and commits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Topic
from db.transactions import refusable, use_case

Sessions = async_sessionmaker[AsyncSession]


def topic(code: str) -> dict[str, object]:
    return {"code": code, "name_ru": code, "name_en": code, "position": 900}


async def codes(sessions: Sessions) -> set[str]:
    async with sessions() as session:
        return set(await session.scalars(select(Topic.code).where(Topic.position == 900)))


async def test_a_refusal_undoes_only_its_savepoint(db_sessionmaker: Sessions) -> None:
    async with db_sessionmaker() as session, use_case(session):
        await session.execute(insert(Topic).values(topic("kept-before")))
        with pytest.raises(IntegrityError):
            async with refusable(session):
                await session.execute(insert(Topic).values(topic("undone")))
                await session.execute(insert(Topic).values(topic("kept-before")))
        await session.execute(insert(Topic).values(topic("kept-after")))
    assert await codes(db_sessionmaker) == {"kept-before", "kept-after"}


async def test_a_savepoint_first_in_the_transaction_does_not_commit_it(
    db_sessionmaker: Sessions,
) -> None:
    """A savepoint that opens the transaction is released into it, not committed: the
    use case's later refusal still undoes everything."""
    async with db_sessionmaker() as session:
        await session.scalar(select(func.count()).select_from(Topic))  # a read first
        with pytest.raises(RuntimeError):
            async with use_case(session):
                async with refusable(session):
                    await session.execute(insert(Topic).values(topic("inside")))
                raise RuntimeError("refused later")
    assert await codes(db_sessionmaker) == set()
