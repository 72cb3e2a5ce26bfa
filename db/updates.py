"""Updates already taken: each update_id of a bot is handled once, whichever instance or
dispatcher gets it (`bot.middlewares.OnceOnly` without Redis)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ProcessedUpdate

# How long an update id is remembered: Telegram gives up on an update well before.
KEPT_FOR = timedelta(days=1)


async def claim(session: AsyncSession, bot_id: int, update_id: int, now: datetime) -> bool:
    """Take the update (committed at once); False when it was taken before."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(ProcessedUpdate)
        .values(bot_id=bot_id, update_id=update_id, seen_at=now)
        .on_conflict_do_nothing(index_elements=[ProcessedUpdate.bot_id, ProcessedUpdate.update_id])
        .returning(ProcessedUpdate.update_id)
    )
    taken = (await session.execute(statement)).scalar_one_or_none()
    await session.commit()
    return taken is not None


async def forget_old(session: AsyncSession, now: datetime) -> int:
    """Drop what is older than `KEPT_FOR`; how many rows went."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.seen_at < now - KEPT_FOR)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
