"""SQLite's connections (`db.sqlite_driver`): one trip to aiosqlite's thread per statement,
none for ending a session that only read, and the same results, errors and transactions
as the driver SQLAlchemy ships."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db import sqlite_driver
from db.engine import create_engine, create_sessionmaker


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.sqlite3'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each trip to a connection's thread, by what it ran."""
    made: list[str] = []
    original = sqlite_driver.Connection._execute

    async def counted(self: Any, function: Callable[..., Any], *args: Any) -> Any:
        made.append(getattr(function, "__name__", "?"))
        return await original(self, function, *args)

    monkeypatch.setattr(sqlite_driver.Connection, "_execute", counted)
    return made


async def test_a_read_is_one_trip_and_its_session_ends_without_one(
    engine: AsyncEngine, trips: list[str]
) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        await session.execute(text("SELECT 1"))  # the connection is made and set up
    trips.clear()
    async with sessions() as session:
        rows = (await session.execute(text("SELECT 1 AS one, 'a' AS letter"))).all()
        await session.commit()  # nothing was written: nothing to commit either
    assert [tuple(row) for row in rows] == [(1, "a")]
    assert len(trips) == 1


async def test_a_write_is_begin_statement_commit(engine: AsyncEngine, trips: list[str]) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        await session.execute(text("SELECT 1"))
    trips.clear()
    async with sessions() as session:
        inserted = await session.execute(
            text("INSERT INTO t (v) VALUES (:v) RETURNING id"), {"v": "first"}
        )
        assert inserted.scalar_one() == 1
        await session.commit()
    assert len(trips) == 3  # BEGIN, the INSERT with its row, COMMIT


async def test_results_rowcounts_and_many_rows(engine: AsyncEngine) -> None:
    sessions: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
    async with sessions() as session:
        await session.execute(
            text("INSERT INTO t (v) VALUES (:v)"), [{"v": f"row {n}"} for n in range(150)]
        )
        changed = await session.execute(
            text("UPDATE t SET v = v || '!' WHERE id > :above"), {"above": 100}
        )
        assert changed.rowcount == 50  # type: ignore[attr-defined]
        await session.commit()
    async with sessions() as session:
        values = (await session.scalars(text("SELECT v FROM t ORDER BY id"))).all()
        partial = await session.execute(
            text("SELECT id FROM t WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": [3, 1, 2]},
        )
        assert sorted(partial.scalars()) == [1, 2, 3]
    assert len(values) == 150
    assert values[0] == "row 0" and values[-1] == "row 149!"


async def test_errors_undo_the_transaction_and_the_connection_goes_on(
    engine: AsyncEngine,
) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('once')"))
        with pytest.raises(IntegrityError):
            await session.execute(text("INSERT INTO t (v) VALUES ('once')"))
        await session.rollback()
    async with sessions() as session:
        with pytest.raises(OperationalError):
            await session.execute(text("SELECT nothing FROM nowhere"))
        await session.rollback()
        assert (await session.scalar(text("SELECT count(*) FROM t"))) == 0
        await session.execute(text("INSERT INTO t (v) VALUES ('after')"))
        await session.commit()
    async with sessions() as session:
        assert (await session.scalars(text("SELECT v FROM t"))).all() == ["after"]
