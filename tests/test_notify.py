"""The outgoing path: pacing, flood waits, retries, blocked users, broadcasts.

Most tests run on an event loop with virtual time: when nothing is ready, its clock jumps to
the next timer. aiolimiter and asyncio.sleep both use the loop's clock, so pacing is real
but takes no wall-clock time, and send times recorded at the fake session can be compared
exactly.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import selectors
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from typing import Any, ParamSpec

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage, SendPhoto, TelegramMethod
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.notify import BroadcastReport, Outgoing
from db.users import get_by_telegram_id, mark_blocked, register
from tests.conftest import ManualClock, make_settings
from tests.fake_telegram import FakeTelegram

P = ParamSpec("P")
TICK = 1e-6
EPSILON = 1e-6


# -- virtual time ---------------------------------------------------------------------------


class _JumpingSelector(selectors.DefaultSelector):
    """Never sleeps for a timer: with nothing ready, the loop's clock moves to the timer.

    Every turn of the loop also takes a microsecond, as on a real clock; aiolimiter relies
    on time passing to get over float rounding when a timer fires a hair too early.
    """

    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:  # no timers: only I/O or another thread can wake the loop
            return super().select(None)
        events = super().select(0)
        self._loop.now += TICK if events else max(timeout, TICK)
        return events


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self.now = 0.0
        super().__init__(selector=_JumpingSelector(self))

    def time(self) -> float:
        return self.now


def virtual_time(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
            runner.run(test(*args, **kwargs))

    return run


def now() -> float:
    return asyncio.get_running_loop().time()


# -- a Telegram that also fails the way networks do -----------------------------------------

FLOOD = "flood"  # answered as 429 with retry_after=1, interleaved with other failures
NETWORK = "network"
TIMEOUT = "timeout"
CONNECTION = "connection"
SERVER = "server"
NOT_FOUND = "chat not found"
TOO_LARGE = "too large"


class FlakyTelegram(FakeTelegram):
    """FakeTelegram that records when each request arrives and fails on request."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: dict[int, list[str]] = defaultdict(list)  # chat -> queued failures
        self.requests: list[tuple[float, int]] = []  # (loop time, chat id)

    def times(self, chat_id: int) -> list[float]:
        return [at for at, chat in self.requests if chat == chat_id]

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - the session interface
    ) -> Any:
        chat_id = getattr(method, "chat_id", None)
        assert isinstance(chat_id, int)
        self.requests.append((now(), chat_id))
        queued = self.failures.get(chat_id)
        if queued:
            kind = queued.pop(0)
            if kind == NETWORK:
                raise TelegramNetworkError(method=method, message="Connection reset by peer")
            if kind == TIMEOUT:
                raise TimeoutError
            if kind == CONNECTION:
                raise aiohttp.ClientConnectionError("Cannot connect to host")
            if kind == SERVER:
                return self._fail(bot, method, 502, "Bad Gateway")
            if kind == NOT_FOUND:
                return self._fail(bot, method, 400, "Bad Request: chat not found")
            if kind == TOO_LARGE:
                return self._fail(bot, method, 413, "Request Entity Too Large")
            if kind == FLOOD:
                return self._fail(
                    bot, method, 429, "Too Many Requests: retry after 1", {"retry_after": 1}
                )
            raise AssertionError(f"unknown failure {kind!r}")
        return await super().make_request(bot, method, timeout)

    def texts(self, chat_id: int) -> list[str]:
        return [shown.text for shown in self.chats.get(chat_id, [])]


@dataclass
class Rig:
    outgoing: Outgoing
    telegram: FlakyTelegram
    settings: Settings
    sleeps: list[float] = field(default_factory=list)  # every wait Outgoing asked for
    blocked_calls: list[int] = field(default_factory=list)


def rig(on_blocked: Callable[[int], Awaitable[None]] | None = None, **overrides: Any) -> Rig:
    settings = make_settings("sqlite+aiosqlite://", **overrides)
    telegram = FlakyTelegram()
    bot = Bot("123456:TEST", session=telegram)
    sleeps: list[float] = []
    blocked_calls: list[int] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(seconds)  # virtual: the clock jumps

    async def record_blocked(chat_id: int) -> None:
        blocked_calls.append(chat_id)

    outgoing = Outgoing(bot, settings, on_blocked or record_blocked, sleep=sleep)
    return Rig(outgoing, telegram, settings, sleeps, blocked_calls)


def text_for(chat_id: int) -> SendMessage:
    return SendMessage(chat_id=chat_id, text=f"Напоминание для {chat_id}")


def assert_leaky_bucket(times: list[float], rate: float, burst: float) -> None:
    """No stretch of time holds more sends than the burst plus the rate times its length."""
    ordered = sorted(times)
    for i, j in combinations(range(len(ordered)), 2):
        sends = j - i + 1
        assert sends <= burst + rate * (ordered[j] - ordered[i]) + EPSILON, (
            f"{sends} sends within {ordered[j] - ordered[i]:.3f} s"
        )


# -- a batch with flood waits and blocked chats ---------------------------------------------


@virtual_time
async def test_batch_of_40_accounts_for_every_chat() -> None:
    r = rig(send_rate_per_second=25, send_rate_per_chat_seconds=1)
    chats = list(range(1001, 1041))
    flood_waits = {1003: [2], 1007: [1, 4], 1020: [3], 1038: [5, 5]}
    blocked = {1005, 1013, 1029}
    for chat_id, waits in flood_waits.items():
        r.telegram.retry_after[chat_id] = list(waits)
    r.telegram.blocked |= blocked

    report = await r.outgoing.broadcast(chats, text_for)

    assert report == BroadcastReport(total=40, delivered=37, blocked=3, failed=0)
    assert report.delivered + report.blocked + report.failed == len(chats)
    assert sorted(r.blocked_calls) == sorted(blocked)  # once each
    assert sorted(r.sleeps) == sorted(w for waits in flood_waits.values() for w in waits)
    for chat_id in chats:
        expected = [] if chat_id in blocked else [f"Напоминание для {chat_id}"]
        assert r.telegram.texts(chat_id) == expected
    for chat_id, waits in flood_waits.items():
        times = r.telegram.times(chat_id)
        assert len(times) == len(waits) + 1
        for before, after, asked in zip(times, times[1:], waits, strict=False):
            assert after - before >= asked - EPSILON
    for chat_id in blocked:
        assert len(r.telegram.times(chat_id)) == 1  # never retried
    assert_leaky_bucket([at for at, _ in r.telegram.requests], rate=25, burst=25)


@virtual_time
async def test_flood_waits_do_not_count_as_failures_but_are_capped() -> None:
    r = rig(send_max_retries=1)
    r.telegram.failures[1] = [FLOOD, NETWORK, FLOOD, FLOOD]
    r.telegram.retry_after[2] = [1] * 6

    patient = await r.outgoing.send_message(1, "Сессия завтра утром")
    hopeless = await r.outgoing.send_message(2, "Сессия завтра утром")

    assert patient.status == "sent"
    assert patient.attempts == 5
    assert hopeless.status == "failed"
    assert hopeless.error == "TelegramRetryAfter"
    assert hopeless.attempts == 6  # five waits, then it gives up
    assert r.telegram.texts(2) == []


# -- network errors, server errors, bad requests --------------------------------------------


@virtual_time
async def test_network_errors_are_retried_with_backoff() -> None:
    r = rig(send_max_retries=3)
    r.telegram.failures[1] = [NETWORK, TIMEOUT]

    delivery = await r.outgoing.send_message(1, "Терапевт подтвердил запись")

    assert delivery.status == "sent"
    assert delivery.result is not None
    assert delivery.result.chat.id == 1
    assert delivery.attempts == 3
    assert r.sleeps == [0.5, 1.0]
    assert r.telegram.texts(1) == ["Терапевт подтвердил запись"]


@virtual_time
async def test_server_and_connection_errors_are_retried() -> None:
    r = rig(send_max_retries=3)
    r.telegram.failures[1] = [SERVER, CONNECTION, SERVER]

    delivery = await r.outgoing.send_message(1, "Запись перенесена")

    assert delivery.status == "sent"
    assert r.sleeps == [0.5, 1.0, 2.0]


@virtual_time
async def test_network_errors_beyond_max_retries_fail() -> None:
    r = rig(send_max_retries=3)
    r.telegram.failures[1] = [NETWORK] * 10

    delivery = await r.outgoing.send_message(1, "Напоминание")

    assert delivery.status == "failed"
    assert delivery.error == "TelegramNetworkError"
    assert delivery.attempts == 4  # the first try and three retries
    assert len(r.telegram.times(1)) == 4
    assert r.sleeps == [0.5, 1.0, 2.0]
    assert r.blocked_calls == []


@virtual_time
async def test_bad_request_fails_at_once_and_logs_no_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    r = rig()
    r.telegram.failures[77] = [NOT_FOUND]
    secret = "Диагноз: тревожное расстройство"

    with caplog.at_level(logging.DEBUG, logger="bot.notify"):
        delivery = await r.outgoing.send_message(77, secret)

    assert delivery.status == "failed"
    assert delivery.error == "TelegramBadRequest"
    assert delivery.attempts == 1
    assert r.sleeps == []
    warnings = [rec for rec in caplog.records if rec.levelno == logging.WARNING]
    assert len(warnings) == 1
    logged = warnings[0].getMessage()
    assert "77" in logged
    assert "TelegramBadRequest" in logged
    assert all(secret not in rec.getMessage() for rec in caplog.records)


@virtual_time
async def test_too_large_is_not_retried_although_aiogram_calls_it_a_network_error() -> None:
    r = rig()
    r.telegram.failures[5] = [TOO_LARGE]

    delivery = await r.outgoing.call(SendPhoto(chat_id=5, photo="big-photo-id"))

    assert delivery.status == "failed"
    assert delivery.error == "TelegramEntityTooLarge"
    assert delivery.attempts == 1


@virtual_time
async def test_general_call_returns_what_telegram_returned() -> None:
    r = rig()

    delivery = await r.outgoing.call(SendPhoto(chat_id=5, photo="photo-1", caption="Ваш терапевт"))

    assert delivery.sent
    assert delivery.result is not None
    assert delivery.result.photo is not None
    assert r.telegram.chats[5][0].photo == "photo-1"


# -- blocked users --------------------------------------------------------------------------


@virtual_time
async def test_blocked_chat_is_reported_once_and_not_retried() -> None:
    r = rig()
    r.telegram.blocked.add(9)

    delivery = await r.outgoing.send_message(9, "Напоминание")

    assert delivery.status == "blocked"
    assert delivery.attempts == 1
    assert r.blocked_calls == [9]
    assert r.sleeps == []


@virtual_time
async def test_a_failing_on_blocked_callback_does_not_break_the_send(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(chat_id: int) -> None:
        raise RuntimeError("database is down")

    r = rig(on_blocked=broken)
    r.telegram.blocked.add(9)

    with caplog.at_level(logging.ERROR, logger="bot.notify"):
        delivery = await r.outgoing.send_message(9, "Напоминание")

    assert delivery.status == "blocked"
    assert any("could not record" in rec.getMessage() for rec in caplog.records)


async def test_on_blocked_marks_the_user_in_the_database(
    db_sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: ManualClock,
) -> None:
    async with db_sessionmaker() as session:
        for telegram_id in (501, 502):
            await register(
                session,
                telegram_id=telegram_id,
                language="ru",
                timezone="Europe/Moscow",
                now=clock.now(),
            )

    async def on_blocked(chat_id: int) -> None:
        async with db_sessionmaker() as session:
            await mark_blocked(session, chat_id, clock.now())

    telegram = FakeTelegram()
    telegram.blocked.add(502)
    outgoing = Outgoing(Bot("123456:TEST", session=telegram), settings, on_blocked)

    report = await outgoing.broadcast([501, 502], text_for)

    assert report == BroadcastReport(total=2, delivered=1, blocked=1)
    async with db_sessionmaker() as session:
        still_reading = await get_by_telegram_id(session, 501)
        gone = await get_by_telegram_id(session, 502)
        assert still_reading is not None
        assert gone is not None
        assert still_reading.blocked_bot_at is None
        assert gone.blocked_bot_at is not None


# -- pacing ---------------------------------------------------------------------------------


@virtual_time
async def test_one_chat_gets_at_most_one_message_per_period_in_order() -> None:
    r = rig(send_rate_per_chat_seconds=1.5)

    deliveries = await asyncio.gather(
        *(r.outgoing.send_message(3, f"Сообщение {n}") for n in range(1, 6))
    )

    assert all(d.sent for d in deliveries)
    assert r.telegram.texts(3) == [f"Сообщение {n}" for n in range(1, 6)]
    times = r.telegram.times(3)
    for before, after in pairwise(times):
        assert after - before >= 1.5 - EPSILON
    assert r.sleeps == []  # pacing is the limiter's, not retries'


@virtual_time
async def test_a_busy_chat_does_not_hold_up_others() -> None:
    r = rig(send_rate_per_chat_seconds=1)

    busy = [r.outgoing.send_message(3, f"Сообщение {n}") for n in range(3)]
    await asyncio.gather(*busy, r.outgoing.send_message(4, "Другому"))

    # Its place among the overall limit's evenly spaced turns (behind the three queued
    # before it), not the busy chat's seconds.
    assert r.telegram.times(4)[0] < 4 / 25 + EPSILON
    assert max(r.telegram.times(3)) >= 2 - EPSILON


@virtual_time
async def test_global_rate_is_kept() -> None:
    r = rig(send_rate_per_second=10)

    report = await r.outgoing.broadcast(range(1, 101), text_for)

    assert report.delivered == 100
    times = [at for at, _ in r.telegram.requests]
    assert_leaky_bucket(times, rate=10, burst=10)
    assert max(times) >= (100 - 10) / 10 - EPSILON


@virtual_time
async def test_idle_chat_limiters_are_dropped() -> None:
    r = rig(send_rate_per_second=1000, send_rate_per_chat_seconds=1)

    await r.outgoing.broadcast(range(1, 201), text_for)
    assert len(r.outgoing._chats) == 200  # all used within the last period
    await asyncio.sleep(1)
    await r.outgoing.send_message(500, "После паузы")

    assert len(r.outgoing._chats) == 1


@virtual_time
async def test_a_chat_is_still_paced_while_others_are_dropped() -> None:
    r = rig(send_rate_per_second=1000, send_rate_per_chat_seconds=1)

    await r.outgoing.send_message(7, "Первое")
    await asyncio.sleep(0.5)
    await r.outgoing.broadcast(range(100, 150), text_for)
    await asyncio.sleep(0.6)  # chat 7 is idle for 1.1 s, the others for 0.6 s
    await r.outgoing.send_message(8, "Другому")
    assert len(r.outgoing._chats) == 51
    await asyncio.gather(r.outgoing.send_message(100, "Второе"), r.outgoing.send_message(100, "3"))

    first, second, third = r.telegram.times(100)
    assert second - first >= 1 - EPSILON
    assert third - second >= 1 - EPSILON


# -- broadcasts -----------------------------------------------------------------------------


@virtual_time
async def test_failures_in_a_broadcast_do_not_stop_the_rest() -> None:
    r = rig()
    chats = list(range(1, 61))
    r.telegram.failures[7] = [NOT_FOUND]
    r.telegram.failures[8] = [NETWORK] * 10
    r.telegram.blocked.add(9)
    progress: list[BroadcastReport] = []

    def build(chat_id: int) -> SendMessage:
        if chat_id == 13:
            raise KeyError("no text for this language")
        return text_for(chat_id)

    async def on_progress(report: BroadcastReport) -> None:
        progress.append(report)

    report = await r.outgoing.broadcast([*chats, 1, 2], build, on_progress)

    assert report == BroadcastReport(total=60, delivered=56, blocked=1, failed=3)
    for chat_id in set(chats) - {7, 8, 9, 13}:
        assert len(r.telegram.texts(chat_id)) == 1  # each once, the repeated ids too
    assert [p.done for p in progress] == [25, 50, 60]
    assert progress[-1] == report
    assert progress[-1] is not report  # snapshots, not the live counter


@virtual_time
async def test_broadcast_builds_asynchronously_and_survives_a_broken_progress() -> None:
    r = rig()
    calls: list[int] = []

    async def build(chat_id: int) -> SendMessage:
        await asyncio.sleep(0.01)  # e.g. looking up the person's language
        return text_for(chat_id)

    async def on_progress(report: BroadcastReport) -> None:
        calls.append(report.done)
        if len(calls) == 1:
            raise RuntimeError("message to edit not found")

    report = await r.outgoing.broadcast(range(30), build, on_progress, progress_every=10)

    assert report.delivered == 30
    assert calls == [10, 20, 30]


@virtual_time
async def test_empty_broadcast_still_reports_progress() -> None:
    r = rig()
    progress: list[BroadcastReport] = []

    async def on_progress(report: BroadcastReport) -> None:
        progress.append(report)

    report = await r.outgoing.broadcast([], text_for, on_progress)

    assert report == BroadcastReport(total=0)
    assert progress == [BroadcastReport(total=0)]


@virtual_time
async def test_a_chat_with_a_queued_message_keeps_its_limiter() -> None:
    r = rig(send_rate_per_chat_seconds=1)

    queued = [asyncio.create_task(r.outgoing.send_message(3, f"Сообщение {n}")) for n in (1, 2)]
    await asyncio.sleep(1 + 6 * TICK)  # the second one is due about now
    await r.outgoing.send_message(3, "Сообщение 3")
    await asyncio.gather(*queued)

    times = r.telegram.times(3)
    assert len(times) == 3
    for before, after in pairwise(times):
        assert after - before >= 1 - EPSILON
