"""How a use case owns its transaction.

`use_case(session)` wraps one use case: committed when it returns, rolled back when it
raises. A handler's session may have read before (its autobegun transaction holds only
reads: handlers never write), so the use case goes on in it. A rollback expires every
object the session holds; the ones the caller still uses (the person, the screens) are read
back at once, so a refusal leaves the caller's objects usable.

`refusable(session)` goes around statements the database may refuse (a guard, a lost
race) when the use case carries on after the refusal: a savepoint on both databases
(SQLite's too: `db.engine` gives it real transactions), so a refusal inside it undoes
everything the block did and nothing before it; on PostgreSQL a refused statement would
otherwise abort the whole transaction. Statements inside it are Core statements, never an
ORM flush (a failed flush spoils the session's transaction on any database).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import ObjectDeletedError

# PostgreSQL may break a tie between two writers with a deadlock or serialization error
# instead of a constraint violation: either way one of them lost the race.
LOST_RACE_STATES = frozenset({"40P01", "40001"})


def refused_by_database(error: DBAPIError) -> bool:
    """A guard of the database said no: a constraint, or a lost race between writers."""
    return isinstance(error, IntegrityError) or (
        getattr(error.orig, "sqlstate", None) in LOST_RACE_STATES
    )


@contextlib.asynccontextmanager
async def use_case(session: AsyncSession) -> AsyncIterator[None]:
    try:
        yield
    except BaseException:
        held = list(session.identity_map.values())
        await session.rollback()
        for instance in held:
            with contextlib.suppress(InvalidRequestError, ObjectDeletedError):
                await session.refresh(instance)
        raise
    await session.commit()


@contextlib.asynccontextmanager
async def refusable(session: AsyncSession) -> AsyncIterator[None]:
    async with session.begin_nested():
        yield


async def insert_unless_refused(session: AsyncSession, statement: Any) -> Any | None:
    """The value of an `INSERT … RETURNING` the database may refuse (a guard, a lost race)
    while the use case goes on; None when it refused."""
    try:
        async with refusable(session):
            return await session.scalar(statement)
    except DBAPIError as error:
        if not refused_by_database(error):
            raise
        return None
