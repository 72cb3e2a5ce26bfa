"""Two instances sharing one bot keep Telegram's limits together: the outgoing path of each
takes its turns from limits kept in Redis (`bot.pace.SharedPace`)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import defaultdict
from itertools import pairwise
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage, TelegramMethod

from bot.notify import Outgoing
from bot.pace import SharedPace, per_second
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="TEST_REDIS_URL is not set: no Redis server for shared limits"
)
# Redis keeps the window on its clock, the test reads the arrival on its own, and a loaded
# machine delays a send after its turn: some slack (sends without a shared pace are ~0 apart).
SLACK = 0.25
SENT: list[tuple[float, int]] = []


class Clocked(FakeTelegram):
    """Records when each message arrives, in wall time shared by both instances."""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - the session interface
    ) -> Any:
        chat_id = getattr(method, "chat_id", None)
        assert isinstance(chat_id, int)
        SENT.append((time.time(), chat_id))
        return await super().make_request(bot, method, timeout)


async def nobody_blocked(chat_id: int) -> None:
    raise AssertionError(f"chat {chat_id} was not expected to block the bot")


def test_rates_below_one_a_second_become_whole_seconds() -> None:
    assert (per_second(30).amount, per_second(30).multiples) == (30, 1)
    assert (per_second(0.5).amount, per_second(0.5).multiples) == (1, 2)


@needs_redis
async def test_two_instances_stay_under_the_overall_and_per_chat_limits_together() -> None:
    SENT.clear()
    settings = make_settings("sqlite+aiosqlite://", send_rate_per_second=4)
    bot_id = int(uuid.uuid4().int % 10**9)  # keys of this test only
    instances = [
        Outgoing(
            Bot("123456:TEST", session=Clocked()),
            settings,
            nobody_blocked,
            pace=SharedPace(
                REDIS_URL,
                bot_id=bot_id,
                rate_per_second=settings.send_rate_per_second,
                chat_period_seconds=settings.send_rate_per_chat_seconds,
            ),
        )
        for _ in range(2)
    ]
    chats = [9001, 9002, 9003]
    # Each instance sends three messages to each chat: 18 in all, at most 4 a second.
    await asyncio.gather(
        *(
            outgoing.call(SendMessage(chat_id=chat, text=f"{n}"))
            for outgoing in instances
            for chat in chats
            for n in range(3)
        )
    )
    assert len(SENT) == 18
    times = sorted(at for at, _ in SENT)
    for i, start in enumerate(times):
        within_a_second = [at for at in times[i:] if at - start < 1 - SLACK]
        assert len(within_a_second) <= 4, (start, within_a_second)
    per_chat: dict[int, list[float]] = defaultdict(list)
    for at, chat in SENT:
        per_chat[chat].append(at)
    for chat, moments in per_chat.items():
        assert len(moments) == 6
        gaps = [later - earlier for earlier, later in pairwise(sorted(moments))]
        assert min(gaps) >= 1 - SLACK, (chat, gaps)


@needs_redis
async def test_without_a_shared_pace_two_instances_would_go_over_the_limit() -> None:
    """The check above can fail: two instances pacing themselves send a chat's messages
    together."""
    SENT.clear()
    settings = make_settings("sqlite+aiosqlite://", send_rate_per_second=4)
    instances = [
        Outgoing(Bot("123456:TEST", session=Clocked()), settings, nobody_blocked) for _ in range(2)
    ]
    await asyncio.gather(
        *(outgoing.call(SendMessage(chat_id=9004, text="x")) for outgoing in instances)
    )
    first, second = sorted(at for at, _ in SENT)
    assert second - first < 1 - SLACK
