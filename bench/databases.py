"""PostgreSQL databases of the benchmarks' own, on the server of TEST_DATABASE_URL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy.engine import make_url


@contextlib.asynccontextmanager
async def server(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the server's `postgres` database, for creating and dropping."""
    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        yield admin
    finally:
        await admin.close()


def on_database(url: str, name: str) -> str:
    """`url` pointed at database `name`."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)
