"""The inbox: every update from Telegram is a row here before it is acknowledged, and is
handled from here (`bot.inbox` runs it).

- `store` writes a batch (the key is bot and update id: a redelivery, or the same update
  at a second instance, adds nothing) and in the same transaction takes each new row whose
  person has nothing else open, so a normal update costs one write before it is handled;
- `claim` takes what is left: rows whose person has no earlier open row, nobody's lease
  or a lapsed one (a dead instance's), oldest first (`FOR UPDATE SKIP LOCKED` on
  PostgreSQL), so one person's updates go one at a time in `update_id` order whichever
  instance takes them, and different people's in parallel;
- `finish` closes a handled row (its payload emptied) and in the same transaction takes
  the person's next row, so a quick series of messages stays with one instance and in
  order: one write after;
- `fail` hands a row back for a later try, `release` hands back what a stopping process
  did not get to, `renew` keeps the leases of long handlers fresh;
- a row taken more than `max_attempts` times (its handler kept failing, or its process
  kept dying) is parked instead: finished, never tried again, and the admins told once
  through the outbox (`update-parked`).

On PostgreSQL `store` takes a transaction-scoped advisory lock per person first, so two
instances storing one person's updates at the same moment cannot both take one.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Table,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.dml import Update

from db import events, outbox
from db.dialects import is_postgres
from db.models import InboxUpdate

# How long a finished row is kept: Telegram gives up redelivering an update well before.
KEPT_FOR = timedelta(days=1)
# The advisory locks' first key on PostgreSQL (the second is the person's).
PERSON_LOCKS = 0x1B0C
DONE = "done"
PARKED = "parked"


@dataclass(frozen=True)
class Incoming:
    """An update as the inbox keeps it: its id, whose it is, its kind and its JSON."""

    update_id: int
    person: int | None
    kind: str
    payload: str


@dataclass(frozen=True)
class Taken:
    """A row this process holds and should handle now."""

    update_id: int
    person: int | None
    kind: str
    payload: str
    attempts: int


@dataclass(frozen=True)
class Stored:
    new: list[int]  # update ids written now (the others were there already)
    taken: list[Taken]  # of those, the ones taken at once


def _lock_key(person: int) -> int:
    """A person's id folded into PostgreSQL's 32-bit advisory key (a collision only makes
    two people wait for each other now and then)."""
    return (person % 2**32) - 2**31


def _free(taken_until: Any, now: datetime) -> ColumnElement[bool]:
    """Nobody holds the row: never taken, handed back, or its lease ran out."""
    return or_(taken_until.is_(None), taken_until < now)


_RETURNED = (
    InboxUpdate.update_id,
    InboxUpdate.person,
    InboxUpdate.kind,
    InboxUpdate.payload,
    InboxUpdate.attempts,
)


def _taken(rows: Sequence[tuple[int, int | None, str, str | None, int]]) -> list[Taken]:
    return [
        Taken(update_id, person, kind, payload or "", attempts)
        for update_id, person, kind, payload, attempts in rows
    ]


async def store(
    session: AsyncSession,
    bot_id: int,
    updates: Sequence[Incoming],
    *,
    now: datetime,
    lease: timedelta,
    owner: str,
) -> Stored:
    """Write the updates not stored yet and take each new one whose person has no other
    open row; committed before it returns."""
    if not updates:
        return Stored([], [])
    if is_postgres(session):
        keys = sorted({_lock_key(item.person) for item in updates if item.person is not None})
        if keys:
            await session.execute(
                text(
                    "SELECT pg_advisory_xact_lock(:space, key) "
                    "FROM (SELECT unnest(CAST(:keys AS integer[])) AS key ORDER BY 1) AS keys"
                ),
                {"space": PERSON_LOCKS, "keys": keys},
            )
    statement = _store_statement(session.get_bind().dialect.name)
    new: list[int] = []
    taken: list[Taken] = []
    for item in updates:
        # Rows are written one by one, so each sees the batch's earlier ones.
        row = (
            await session.execute(
                statement,
                {
                    "p_bot_id": bot_id,
                    "p_update_id": item.update_id,
                    "p_person": item.person,
                    "p_kind": item.kind,
                    "p_payload": item.payload,
                    "p_received_at": now,
                    "p_taken_until": now + lease,
                    "p_taken_by": owner,
                },
            )
        ).first()
        if row is None:
            continue
        new.append(item.update_id)
        if row[1] == owner:
            taken.append(Taken(item.update_id, item.person, item.kind, item.payload, 1))
    await session.commit()
    return Stored(new, taken)


@functools.cache
def _store_statement(dialect: str) -> Executable:
    """`INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING` of one update, taken by its
    writer unless its person has another open row; built once per dialect (an update
    costs its statements' execution, not their building)."""
    table = cast(Table, InboxUpdate.__table__)
    columns = table.c
    other = table.alias("other")

    def given(name: str) -> BindParameter[Any]:
        return bindparam(f"p_{name}", type_=columns[name].type)

    busy = exists().where(
        other.c.bot_id == given("bot_id"),
        other.c.person == given("person"),  # never true for an update without a person
        other.c.finished_at.is_(None),
    )
    none = literal(None, type_=columns["taken_until"].type)
    row = select(
        given("bot_id"),
        given("update_id"),
        given("person"),
        given("kind"),
        given("payload"),
        given("received_at"),
        case((busy, none), else_=given("taken_until")),
        case((busy, literal(None, type_=columns["taken_by"].type)), else_=given("taken_by")),
        case((busy, literal(0)), else_=literal(1)),
    ).where(true())  # SQLite reads `INSERT … SELECT … ON CONFLICT` only with a WHERE
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(table)
        .from_select(
            [
                columns.bot_id,
                columns.update_id,
                columns.person,
                columns.kind,
                columns.payload,
                columns.received_at,
                columns.taken_until,
                columns.taken_by,
                columns.attempts,
            ],
            row,
        )
        .on_conflict_do_nothing(index_elements=[columns.bot_id, columns.update_id])
        .returning(columns.update_id, columns.taken_by)
    )


def _finish_statements() -> tuple[Executable, Executable]:
    """Close a handled row; take the person's next open row (built once)."""
    table = cast(Table, InboxUpdate.__table__)
    columns = table.c
    done = (
        update(table)
        .where(
            columns.bot_id == bindparam("p_bot_id"), columns.update_id == bindparam("p_update_id")
        )
        .values(
            finished_at=bindparam("p_now", type_=columns.finished_at.type),
            outcome=DONE,
            payload=None,
            taken_until=None,
            failure=None,
        )
    )
    first = (
        select(func.min(columns.update_id))
        .where(
            columns.bot_id == bindparam("p_bot_id"),
            columns.person == bindparam("p_person"),
            columns.finished_at.is_(None),
        )
        .scalar_subquery()
    )
    now = bindparam("p_now", type_=columns.taken_until.type)
    following = (
        update(table)
        .where(
            columns.bot_id == bindparam("p_bot_id"),
            columns.update_id == first,
            columns.finished_at.is_(None),
            or_(columns.taken_until.is_(None), columns.taken_until < now),
        )
        .values(
            taken_until=bindparam("p_until", type_=columns.taken_until.type),
            taken_by=bindparam("p_owner"),
            attempts=columns.attempts + 1,
        )
        .returning(
            columns.update_id, columns.person, columns.kind, columns.payload, columns.attempts
        )
    )
    return done, following


_FINISH, _TAKE_NEXT = _finish_statements()


async def claim(
    session: AsyncSession,
    bot_id: int,
    *,
    now: datetime,
    lease: timedelta,
    owner: str,
    limit: int,
    max_attempts: int,
) -> list[Taken]:
    """Take up to `limit` rows that may be handled now, oldest first; a row taken too
    often is parked instead (and not returned). Committed before it returns."""
    row = aliased(InboxUpdate)
    earlier = aliased(InboxUpdate)
    waiting = select(row.update_id).where(
        row.bot_id == bot_id,
        row.finished_at.is_(None),
        _free(row.taken_until, now),
        ~exists().where(
            earlier.bot_id == row.bot_id,
            earlier.person == row.person,
            earlier.finished_at.is_(None),
            earlier.update_id < row.update_id,
        ),
    )
    # Most polls find nothing: a read, no write, then.
    if await session.scalar(waiting.limit(1)) is None:
        await session.rollback()
        return []
    candidates = waiting.order_by(row.update_id).limit(limit)
    if is_postgres(session):
        candidates = candidates.with_for_update(skip_locked=True)
    taken = await _take(
        session,
        bot_id,
        InboxUpdate.update_id.in_(candidates.scalar_subquery()),
        now=now,
        lease=lease,
        owner=owner,
        max_attempts=max_attempts,
    )
    await session.commit()
    return sorted(taken, key=lambda item: item.update_id)


async def _take(
    session: AsyncSession,
    bot_id: int,
    which: ColumnElement[bool],
    *,
    now: datetime,
    lease: timedelta,
    owner: str,
    max_attempts: int,
) -> list[Taken]:
    """Take the open rows `which` picks that nobody holds (checked on each row itself:
    another instance may have taken it meanwhile); those taken too often are parked."""
    rows = (
        await session.execute(
            update(InboxUpdate)
            .where(
                InboxUpdate.bot_id == bot_id,
                which,
                InboxUpdate.finished_at.is_(None),
                _free(InboxUpdate.taken_until, now),
            )
            .values(taken_until=now + lease, taken_by=owner, attempts=InboxUpdate.attempts + 1)
            .returning(*_RETURNED)
            .execution_options(synchronize_session=False)
        )
    ).all()
    return await _park_worn(session, bot_id, _taken(rows), now, max_attempts)


async def _park_worn(
    session: AsyncSession,
    bot_id: int,
    taken: list[Taken],
    now: datetime,
    max_attempts: int,
) -> list[Taken]:
    """Park the rows taken more than `max_attempts` times; the rest to handle."""
    worn = [item for item in taken if item.attempts > max_attempts]
    for item in worn:
        failure = await session.scalar(
            update(InboxUpdate)
            .where(InboxUpdate.bot_id == bot_id, InboxUpdate.update_id == item.update_id)
            .values(
                finished_at=now,
                outcome=PARKED,
                payload=None,
                taken_until=None,
                taken_by=None,
                attempts=max_attempts,
            )
            .returning(InboxUpdate.failure)
            .execution_options(synchronize_session=False)
        )
        parked = events.UpdateParked(
            update_id=item.update_id, kind=item.kind, failure=failure or "", attempts=max_attempts
        )
        await outbox.notify(session, parked, now)
    return [item for item in taken if item.attempts <= max_attempts]


async def finish(
    session: AsyncSession,
    bot_id: int,
    done: Taken,
    *,
    now: datetime,
    lease: timedelta,
    owner: str,
    max_attempts: int,
    take_next: bool = True,
) -> Taken | None:
    """The update was handled (or failed and the person was told): never again. With
    `take_next`, the person's next open row is taken in the same transaction and
    returned (None when there is none, or another instance holds it)."""
    await session.execute(
        _FINISH, {"p_bot_id": bot_id, "p_update_id": done.update_id, "p_now": now}
    )
    following: Taken | None = None
    if take_next and done.person is not None:
        rows = (
            await session.execute(
                _TAKE_NEXT,
                {
                    "p_bot_id": bot_id,
                    "p_person": done.person,
                    "p_now": now,
                    "p_until": now + lease,
                    "p_owner": owner,
                },
            )
        ).all()
        left = await _park_worn(session, bot_id, _taken(rows), now, max_attempts)
        following = left[0] if left else None
    await session.commit()
    return following


async def fail(
    session: AsyncSession,
    bot_id: int,
    update_id: int,
    failure: str,
    *,
    retry_at: datetime,
) -> None:
    """The handling raised: hand the row back, to be tried again from `retry_at` (the
    person's later updates wait for it). Committed."""
    await session.execute(
        update(InboxUpdate)
        .where(
            InboxUpdate.bot_id == bot_id,
            InboxUpdate.update_id == update_id,
            InboxUpdate.finished_at.is_(None),
        )
        .values(taken_until=retry_at, taken_by=None, failure=failure[:64])
        .execution_options(synchronize_session=False)
    )
    await session.commit()


def _held_by(bot_id: int, update_ids: Collection[int], owner: str) -> Update:
    """An update of the open rows among `update_ids` that `owner` holds."""
    return update(InboxUpdate).where(
        InboxUpdate.bot_id == bot_id,
        InboxUpdate.update_id.in_(list(update_ids)),
        InboxUpdate.taken_by == owner,
        InboxUpdate.finished_at.is_(None),
    )


async def release(
    session: AsyncSession, bot_id: int, update_ids: Collection[int], owner: str
) -> int:
    """A stopping process hands back the rows it holds but did not finish: free at once
    for the next start or another instance, and the try not counted. Committed."""
    if not update_ids:
        return 0
    result = await session.execute(
        _held_by(bot_id, update_ids, owner)
        .values(
            taken_until=None,
            taken_by=None,
            attempts=func.max(InboxUpdate.attempts - 1, 0)
            if not is_postgres(session)
            else func.greatest(InboxUpdate.attempts - 1, 0),
        )
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def renew(
    session: AsyncSession,
    bot_id: int,
    update_ids: Collection[int],
    owner: str,
    until: datetime,
) -> None:
    """Keep the leases of rows still being handled here. Committed."""
    if not update_ids:
        return
    await session.execute(
        _held_by(bot_id, update_ids, owner)
        .values(taken_until=until)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def forget_old(session: AsyncSession, now: datetime) -> int:
    """Drop the rows finished more than `KEPT_FOR` ago; how many went. Committed."""
    result = await session.execute(
        delete(InboxUpdate).where(InboxUpdate.finished_at < now - KEPT_FOR)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_person(session: AsyncSession, person: int) -> None:
    """An erasure: finished rows no longer say whose they were (their payloads are gone
    already; the rows stay, so a late redelivery is still recognised). Not committed:
    part of the erasure's transaction."""
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.person == person, InboxUpdate.finished_at.is_not(None))
        .values(person=None)
        .execution_options(synchronize_session=False)
    )
