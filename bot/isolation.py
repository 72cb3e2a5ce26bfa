"""One update at a time per conversation, in this process (without Redis).

aiogram's `SimpleEventIsolation` keeps a lock for every conversation it has ever seen and
never lets one go, so the process grows with each new person who writes. This one keeps a
conversation's lock only while an update of it runs or waits for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey


@dataclass
class _Held:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # updates holding or waiting for the lock


class ConversationIsolation(BaseEventIsolation):
    def __init__(self) -> None:
        self._held: dict[StorageKey, _Held] = {}

    @property
    def held(self) -> int:
        """Conversations with an update running or waiting."""
        return len(self._held)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        held = self._held.get(key)
        if held is None:
            held = self._held[key] = _Held()
        held.users += 1
        try:
            async with held.lock:
                yield
        finally:
            held.users -= 1
            if held.users == 0 and self._held.get(key) is held:
                del self._held[key]

    async def close(self) -> None:
        """At shutdown; updates still finishing keep their own locks to the end."""
        self._held.clear()
