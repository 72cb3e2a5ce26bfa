"""The engine and session factory built from DATABASE_URL."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # SQLAlchemy's recipe for real transactions on SQLite ("Serializable isolation /
    # Savepoints / Transactional DDL"): the driver emits no BEGIN of its own (its SAVEPOINT
    # would otherwise end the outer transaction early); `_sqlite_begin` and
    # `_sqlite_first_write` emit it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Each pooled connection keeps its own page cache (2 MiB by default), emptied anyway
    # whenever another connection has written since (every update writes the inbox); the
    # pages stay in the operating system's cache. 512 KiB each is plenty for an update.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


SQLITE_CACHE_KIB = 512


# A statement that writes (or opens a savepoint, or changes the schema).
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.I)
_BEGIN_PENDING = "sqlite_begin_pending"


def _sqlite_begin(connection: Connection) -> None:
    """SQLAlchemy begins a transaction: BEGIN goes out before its first write. A BEGIN at
    its first read would pin the read's snapshot, and a write after another connection's
    commit would then fail at once (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits
    out); until the first write, reads see the latest commit, as they did before."""
    connection.info[_BEGIN_PENDING] = True


def _sqlite_first_write(connection: Connection, cursor: Any, statement: str, *_args: Any) -> None:
    if connection.info.get(_BEGIN_PENDING) and _WRITES.match(statement):
        connection.info[_BEGIN_PENDING] = False
        cursor.execute("BEGIN")


def _sqlite_end(connection: Connection, *_args: Any) -> None:
    connection.info[_BEGIN_PENDING] = False


# An update holds one connection for its handler and briefly takes a second for its FSM
# state; the pool is sized so that UPDATE_CONCURRENCY updates at once (`bot.middlewares.
# Capacity`) can never starve it.
POOL_SIZE = 10
POOL_OVERFLOW = 50
UPDATE_CONCURRENCY = 25


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        from pathlib import Path

        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # A failing statement's parameters (an e-mail, a name) must not reach the error log.
    kwargs.setdefault("hide_parameters", True)
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    if parsed.get_backend_name() == "sqlite" and "async_creator" not in kwargs:
        kwargs["async_creator"] = _sqlite_connector(parsed, kwargs.pop("connect_args", {}))
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        event.listen(engine.sync_engine, "before_cursor_execute", _sqlite_first_write)
        for end in ("commit", "rollback"):
            event.listen(engine.sync_engine, end, _sqlite_end)
    return engine


def _sqlite_connector(url: URL, connect_args: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
    """Connections to the SQLite database `url` names, made as SQLAlchemy's aiosqlite
    dialect makes them (the same file and options) but with one trip to aiosqlite's thread
    per statement (`db.sqlite_driver`)."""
    args, options = url.get_dialect()().create_connect_args(url)
    options = {**options, **connect_args}

    async def connect() -> Any:
        from db.sqlite_driver import Connection, connector

        return await Connection(connector(*args, **options))

    return connect


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
