"""How fast the outgoing path sends when several instances share one bot.

One process paces itself in memory (`bot.notify.Outgoing`'s own limiters). Several
instances each doing that would together exceed Telegram's limits, so with `REDIS_URL` the
limits live in Redis: `SharedPace` takes a turn from a moving window kept there (the
`limits` library), the overall one and the chat's, before every send of every instance."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

Sleep = Callable[[float], Awaitable[None]]
SHORTEST_WAIT = 0.005


def per_second(rate: float) -> RateLimitItem:
    """`rate` sends a second as a whole number of sends in a whole number of seconds."""
    if rate >= 1:
        return RateLimitItemPerSecond(math.floor(rate), 1)
    return RateLimitItemPerSecond(1, math.ceil(1 / rate))


class SharedPace:
    """The overall and per-chat limits of one bot, shared by every instance through Redis."""

    def __init__(
        self,
        redis_url: str,
        *,
        bot_id: int,
        rate_per_second: float,
        chat_period_seconds: float,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        uri = redis_url if redis_url.startswith("async+") else f"async+{redis_url}"
        storage = storage_from_string(uri)
        assert isinstance(storage, Storage)
        self._limiter = MovingWindowRateLimiter(storage)
        self._namespace = f"bot:{bot_id}:pace"
        self._overall = per_second(rate_per_second)
        self._per_chat = RateLimitItemPerSecond(1, max(1, math.ceil(chat_period_seconds)))
        self._sleep = sleep

    async def wait_turn(self, chat_id: int) -> None:
        """Both turns at one moment, so the send follows each at once: wait until the chat
        is free (without taking it), take an overall turn, then the chat's. If another
        instance took the chat's turn in between, the overall turn is left unused (slower,
        never faster) and it starts again."""
        chat = f"chat:{chat_id}"
        while True:
            while not await self._limiter.test(self._per_chat, self._namespace, chat):
                await self._wait_for(self._per_chat, chat)
            while not await self._limiter.hit(self._overall, self._namespace, "overall"):
                await self._wait_for(self._overall, "overall")
            if await self._limiter.hit(self._per_chat, self._namespace, chat):
                return

    async def _wait_for(self, item: RateLimitItem, key: str) -> None:
        stats = await self._limiter.get_window_stats(item, self._namespace, key)
        await self._sleep(max(SHORTEST_WAIT, stats.reset_time - time.time()))
