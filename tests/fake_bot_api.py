"""The local Bot API (`bot.sandbox.botapi`) with what tests need on top: waiting for what
the real bot process sends.

    async with FakeBotApi() as api:            # api.url -> TELEGRAM_API_URL
        api.push_message(user_id, "/start")
        consent = await api.wait_for(lambda sent: "Вы согласны" in (sent.text or ""))
        api.push_callback(user_id, consent.message_id, consent.button("Согласен"))
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from bot.sandbox.botapi import BotApiError, Call, LocalBotApi, Sent, Upload

__all__ = ["BotApiError", "Call", "FakeBotApi", "Sent", "Upload"]

T = TypeVar("T")


class FakeBotApi(LocalBotApi):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Seconds to wait before answering a method (lower-case name): a slow Telegram.
        self.slow: dict[str, float] = {}

    async def _handle(self, request: web.Request) -> web.Response:
        delay = self.slow.get(request.match_info["method"].lower())
        if delay:
            await asyncio.sleep(delay)
        return await super()._handle(request)

    async def wait_for(
        self,
        predicate: Callable[[Sent], bool],
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 - a timeout here reports what was sent
        since: int = 0,
    ) -> Sent:
        """The first record in `sent[since:]` that matches, waiting for it if needed."""

        def found() -> Sent | None:
            return next((sent for sent in self.sent[since:] if predicate(sent)), None)

        return await self._poll(found, timeout, "matching message")

    async def wait_for_call(
        self,
        method: str,
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 - as in wait_for
    ) -> Call:
        def found() -> Call | None:
            return next((call for call in self.calls if call.method == method), None)

        return await self._poll(found, timeout, f"{method} call")

    async def wait_until(
        self,
        found: Callable[[], T | None],
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 - as in wait_for
        what: str = "result",
    ) -> T:
        """What `found` returns once it is not None, checked again as the bot acts."""
        return await self._poll(found, timeout, what)

    async def _poll(self, found: Callable[[], T | None], limit: float, what: str) -> T:
        deadline = asyncio.get_running_loop().time() + limit
        while (result := found()) is None:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {what} within {limit:g} s\n{self.report()}")
            await asyncio.sleep(0.05)
        return result

    def report(self) -> str:
        lines = ["sent:", *(f"  {sent.describe()}" for sent in self.sent)]
        lines.append(
            f"calls: {[call.method for call in self.calls if call.method != 'getUpdates']}"
        )
        if self.errors:
            lines += ["server errors:", *(f"  {error}" for error in self.errors)]
        return "\n".join(lines)
