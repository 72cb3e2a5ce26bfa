"""Updates already taken: each update_id of a bot is handled once, whichever instance or
dispatcher gets it (`bot.middlewares.OnceOnly` without Redis). A claim is a lease: an
update whose handling never finished (its process was killed) may be taken again after
`LEASE`, so Telegram's next delivery of it is not lost."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ProcessedUpdate

# How long an update id is remembered: Telegram gives up on an update well before.
KEPT_FOR = timedelta(days=1)
# Longer than any update takes to handle; after it an unfinished claim may be taken again.
LEASE = timedelta(minutes=2)


async def claim(session: AsyncSession, bot_id: int, update_id: int, now: datetime) -> bool:
    """Take the update (committed at once); False when it was handled already or another
    dispatcher holds a fresh claim on it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(ProcessedUpdate)
        .values(bot_id=bot_id, update_id=update_id, seen_at=now)
        .on_conflict_do_nothing(index_elements=[ProcessedUpdate.bot_id, ProcessedUpdate.update_id])
        .returning(ProcessedUpdate.update_id)
    )
    taken = (await session.execute(statement)).scalar_one_or_none()
    if taken is None:
        # Taken before: again only if it was never finished and its claim has lapsed.
        taken = (
            await session.execute(
                update(ProcessedUpdate)
                .where(
                    ProcessedUpdate.bot_id == bot_id,
                    ProcessedUpdate.update_id == update_id,
                    ProcessedUpdate.done_at.is_(None),
                    ProcessedUpdate.seen_at < now - LEASE,
                )
                .values(seen_at=now)
                .returning(ProcessedUpdate.update_id)
            )
        ).scalar_one_or_none()
    await session.commit()
    return taken is not None


async def finish(session: AsyncSession, bot_id: int, update_id: int, now: datetime) -> None:
    """The update was handled (or failed and the person was told): never again."""
    await session.execute(
        update(ProcessedUpdate)
        .where(ProcessedUpdate.bot_id == bot_id, ProcessedUpdate.update_id == update_id)
        .values(done_at=now)
    )
    await session.commit()


async def forget_old(session: AsyncSession, now: datetime) -> int:
    """Drop what is older than `KEPT_FOR`; how many rows went."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.seen_at < now - KEPT_FOR)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
