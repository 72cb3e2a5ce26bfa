"""What several instances of the bot share when REDIS_URL is set: one Redis client per
process, conversation state in it (aiogram's `RedisStorage`), a person's keys found again
for an erasure, and the readiness check. Without Redis the state stays in the database and
only one instance may serve a webhook. (The order of one person's updates across instances
comes from the inbox, `bot.inbox`, not from a lock in Redis.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiogram.fsm.storage.base import DefaultKeyBuilder

from bot.config import Settings

if TYPE_CHECKING:
    # Imported when REDIS_URL asks for them: a process without Redis never loads the client.
    from aiogram.fsm.storage.redis import RedisStorage
    from redis.asyncio import Redis

SINGLE_INSTANCE = (
    "webhook on PostgreSQL without REDIS_URL: each instance keeps its own limit of "
    "outgoing messages, so several instances together may send faster than Telegram "
    "allows; set REDIS_URL to share it"
)


def create_redis(settings: Settings) -> Redis | None:
    """The process's Redis client, or None without REDIS_URL."""
    if not settings.redis_url:
        return None
    from redis.asyncio import Redis

    return Redis.from_url(settings.redis_url)


def key_builder() -> DefaultKeyBuilder:
    """Keys read `fsm:<bot>:<chat>:<user>:<destiny>:<state|data|lock>`."""
    return DefaultKeyBuilder(with_bot_id=True, with_destiny=True)


def redis_storage(redis: Redis) -> RedisStorage:
    from aiogram.fsm.storage.redis import RedisStorage

    return RedisStorage(redis, key_builder=key_builder())


async def forget_person(storage: RedisStorage, bot_id: int, user_id: int) -> int:
    """Delete every FSM state and data key of this person for this bot (every chat, thread
    and destiny); how many went."""
    builder = storage.key_builder
    prefix, separator = (
        (builder.prefix, builder.separator)
        if isinstance(builder, DefaultKeyBuilder)
        else ("fsm", ":")
    )
    pattern = f"{prefix}{separator}{bot_id}{separator}*{separator}{user_id}{separator}*"
    mine: list[bytes | str] = []
    async for key in storage.redis.scan_iter(match=pattern, count=500):
        parts = (key.decode() if isinstance(key, bytes) else str(key)).split(separator)
        # ...:<user>:<destiny>:<part>. The isolation lock of the update being handled is
        # left to its holder, which releases it when the update is done.
        if parts[-3:-2] == [str(user_id)] and parts[-1] != "lock":
            mine.append(key)
    if mine:
        await storage.redis.delete(*mine)
    return len(mine)


def redis_check(redis: Redis) -> Callable[[], Awaitable[None]]:
    """For /readyz: Redis answers a ping."""

    async def redis_ping() -> None:
        await redis.ping()

    redis_ping.__name__ = "redis"
    return redis_ping


def single_instance_warning(settings: Settings) -> str | None:
    """What to warn about at start: a webhook on a database several instances could
    share, while the outgoing limit is kept per process only."""
    if (
        settings.webhook_url
        and settings.database_url.startswith("postgresql")
        and not settings.redis_url
    ):
        return SINGLE_INSTANCE
    return None
