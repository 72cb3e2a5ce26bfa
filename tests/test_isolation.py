"""What the process keeps per person stays bounded by the people writing now: the lock of
a conversation lives while its updates run, the flood guard forgets idle people."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import User

from bot.isolation import ConversationIsolation
from bot.middlewares import ThrottlingMiddleware
from tests.fake_telegram import Harness
from tests.test_inbox import start_update


def key(person: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=person, user_id=person)


async def test_one_conversation_waits_its_turn_and_others_do_not() -> None:
    isolation = ConversationIsolation()
    order: list[str] = []
    inside = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with isolation.lock(key(1)):
            order.append("first in")
            inside.set()
            await release.wait()
            order.append("first out")

    async def same_person() -> None:
        await inside.wait()
        async with isolation.lock(key(1)):
            order.append("same person in")

    async def someone_else() -> None:
        await inside.wait()
        async with isolation.lock(key(2)):
            order.append("someone else in")

    tasks = [asyncio.create_task(job()) for job in (first, same_person, someone_else)]
    await inside.wait()
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["first in", "someone else in"]
    assert isolation.held == 1  # the first person's: held, and waited for
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first in", "someone else in", "first out", "same person in"]
    assert isolation.held == 0


async def test_a_failing_update_lets_its_lock_go() -> None:
    isolation = ConversationIsolation()
    with pytest.raises(RuntimeError):
        async with isolation.lock(key(3)):
            raise RuntimeError("handler failed")
    assert isolation.held == 0
    async with asyncio.timeout(1):
        async with isolation.lock(key(3)):
            pass


async def test_the_dispatcher_keeps_no_lock_of_people_who_wrote(harness: Harness) -> None:
    isolation = harness.dispatcher.fsm.events_isolation
    assert isinstance(isolation, ConversationIsolation)
    await asyncio.gather(
        *(
            harness.dispatcher.feed_update(harness.bot, start_update(8_100_000 + n, 610_000 + n))
            for n in range(30)
        )
    )
    assert all(harness.telegram.chats.get(610_000 + n) for n in range(30))
    assert isolation.held == 0


async def test_the_flood_guard_forgets_idle_people_and_keeps_a_flooding_one() -> None:
    # Three updates per three seconds: one update's allowance is back after a second.
    guard = ThrottlingMiddleware(3, 3, sweep_at=10)

    async def handler(event: object, data: dict[str, object]) -> None:
        return None

    async def update_from(person: int) -> None:
        user = User(id=person, is_bot=False, first_name="Анна")
        await guard(handler, object(), {"event_from_user": user})  # type: ignore[arg-type]

    for person in range(40):
        await update_from(person)
    flood = 0
    for _ in range(2):
        await update_from(flood)  # the first person used all three of their updates
    assert guard.remembered == 40  # swept as the 11th and 21st came: all were busy then
    await asyncio.sleep(1.1)  # each of the others has their whole allowance again
    await update_from(100)  # a new person: the idle are forgotten, the flooding one not
    assert guard.remembered == 2


async def test_an_update_finishing_after_shutdown_keeps_its_own_lock() -> None:
    isolation = ConversationIsolation()
    async with isolation.lock(key(4)):
        await isolation.close()  # the dispatcher stops while this update finishes
        async with asyncio.timeout(1):
            async with isolation.lock(key(5)):
                pass
    assert isolation.held == 0
