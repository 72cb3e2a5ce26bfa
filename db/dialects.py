"""The little that differs between SQLite and PostgreSQL for the statements the bot
writes, in one place: an INSERT with ON CONFLICT comes from the dialect's own module."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: AsyncSession, table: Any) -> Any:
    """INSERT INTO `table` with the dialect's ON CONFLICT clauses (both speak it)."""
    return pg_insert(table) if is_postgres(session) else sqlite_insert(table)
