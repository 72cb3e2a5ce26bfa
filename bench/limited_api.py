"""A local Bot API that enforces Telegram's sending limits as a bot meets them: above 30
messages a second overall, or a second message to one chat within a second, it answers
429 with `retry_after`. Records each accepted message (chat, arrival) and counts the 429s."""

from __future__ import annotations

import itertools
import time
from collections import Counter, deque
from typing import Any

from aiohttp import web

BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}


class LimitedBotApi:
    def __init__(self, *, per_second: int = 30, chat_period: float = 1.0) -> None:
        self.per_second = per_second
        self.chat_period = chat_period
        self.accepted: list[tuple[int, float]] = []
        self.too_many = 0
        self._recent: deque[float] = deque()
        self._last: dict[int, float] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def sent_twice(self) -> int:
        return sum(count - 1 for count in Counter(chat for chat, _ in self.accepted).values())

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        params: dict[str, Any] = dict(await request.post()) if request.can_read_body else {}
        if method == "getme":
            return web.json_response({"ok": True, "result": BOT_USER})
        if method not in ("sendmessage", "editmessagetext"):
            return web.json_response({"ok": True, "result": True})
        chat_id = int(str(params.get("chat_id", "0")))
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= 1:
            self._recent.popleft()
        wait = 0.0
        if len(self._recent) >= self.per_second:
            wait = 1 - (now - self._recent[0])
        last = self._last.get(chat_id)
        if last is not None and now - last < self.chat_period:
            wait = max(wait, self.chat_period - (now - last))
        if wait > 0:
            self.too_many += 1
            retry = max(1, round(wait + 0.49))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry}",
                    "parameters": {"retry_after": retry},
                },
                status=429,
            )
        self._recent.append(now)
        self._last[chat_id] = now
        if method == "sendmessage":
            self.accepted.append((chat_id, now))
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": str(params.get("text", "")),
        }
        return web.json_response({"ok": True, "result": message})
