"""SQLite through aiosqlite, one trip to its thread per statement.

aiosqlite runs every sqlite3 call on the connection's own thread, and each call is a
hand-off there and back. SQLAlchemy's adapter makes four of them for every statement
(open a cursor, execute, fetch the rows, close the cursor) and one more for each rollback
when a session ends, even one that only read. Here a statement is executed, its rows
read and its cursor closed in one trip, and a rollback with no transaction open makes no
trip at all (sqlite3's own rollback does nothing then). Everything else is aiosqlite's:
its thread, its queue, its errors. This reaches into aiosqlite's `_execute` and `_conn`,
as SQLAlchemy's own adapter does, so `pyproject.toml` keeps aiosqlite to the versions
checked. `db.engine.create_engine` uses it for every SQLite URL, through SQLAlchemy's
`async_creator`."""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")

# What one statement left behind: its columns, the rows it changed, the last row id, its
# rows, and whether a transaction is open afterwards.
_Outcome = tuple[Any, int, int | None, list[Any], bool]


def _run(
    connection: sqlite3.Connection, sql: str, parameters: Sequence[Any] | dict[str, Any]
) -> _Outcome:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        open_now = connection.in_transaction
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows, open_now
    finally:
        cursor.close()


def _run_many(connection: sqlite3.Connection, sql: str, parameters: Iterable[Any]) -> _Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(sql, parameters)
        return None, cursor.rowcount, cursor.lastrowid, [], connection.in_transaction
    finally:
        cursor.close()


def _end(connection: sqlite3.Connection, how: str) -> bool:
    getattr(connection, how)()
    return connection.in_transaction


class Cursor:
    """The DB-API cursor SQLAlchemy's adapter drives: `execute` brings the whole result
    over in the one trip, and fetching reads what it brought."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self._rows: deque[Any] = deque()

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        await self.close()

    def _keep(self, outcome: _Outcome) -> None:
        self.description, self.rowcount, self.lastrowid, rows, _ = outcome
        self._rows = deque(rows)

    async def execute(
        self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None
    ) -> Cursor:
        self._keep(await self._connection.run(_run, sql, () if parameters is None else parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        self._keep(await self._connection.run(_run_many, sql, parameters))
        return self

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = self.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(count, len(self._rows)))]

    async def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()


class Connection(aiosqlite.Connection):
    """aiosqlite's connection with one trip per statement (see the module's docstring)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._thread.daemon = True  # as SQLAlchemy's own adapter does
        # Whether a transaction is open, as the connection's thread last saw it.
        self.open_transaction = False

    async def _trip(self, work: Callable[[], T]) -> T:
        """`work` on the connection's thread (aiosqlite's queue), its result here."""
        result: T = await self._execute(work)  # type: ignore[no-untyped-call]
        return result

    async def run(self, work: Callable[..., _Outcome], *args: Any) -> _Outcome:
        self.open_transaction = True  # until the trip says otherwise (it may fail)
        outcome = await self._trip(lambda: work(self._conn, *args))
        self.open_transaction = outcome[4]
        return outcome

    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    async def _finish(self, how: str) -> None:
        if not self.open_transaction:
            return
        self.open_transaction = await self._trip(lambda: _end(self._conn, how))

    async def commit(self) -> None:
        await self._finish("commit")

    async def rollback(self) -> None:
        await self._finish("rollback")


def connector(database: str, **options: Any) -> Callable[[], sqlite3.Connection]:
    return lambda: sqlite3.connect(database, **options)
