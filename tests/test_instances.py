"""Two real bot processes in webhook mode on one PostgreSQL database and one Redis, with
Telegram played by the local fake Bot API: each update is POSTed to one instance's
webhook (round robin, or as a test says), and to the other when one does not answer 200,
as Telegram retries. Skipped without TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from db.engine import create_engine, create_sessionmaker
from db.models import Booking
from tests.fake_bot_api import FakeBotApi
from tests.test_process import (
    STARTUP_TIMEOUT,
    STEP_TIMEOUT,
    USER_ID,
    BotProcess,
    bot_env,
    load_demo,
    press,
    run_bot,
    sign_up,
    type_text,
)

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql") or not REDIS_URL,
    reason="two instances need PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL)",
)
SECRET = "two-instances-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A database of its own on the test server, dropped afterwards."""
    url = make_url(DATABASE_URL)
    name = f"bot_two_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database="postgres"
    )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@dataclass
class Delivery:
    """Telegram's side of the webhook: POSTs each update to an instance."""

    api: FakeBotApi
    urls: list[str]
    pinned: int | None = None  # deliver to this instance only (None: round robin)
    delivered: list[tuple[int, int]] = field(default_factory=list)  # (update id, instance)
    _turn: int = 0

    async def run(self) -> None:
        async with aiohttp.ClientSession() as http:
            while True:
                update = await self.api.next_update()
                await self.deliver(http, update)

    async def deliver(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        first = self.pinned if self.pinned is not None else self._turn % len(self.urls)
        self._turn += 1
        for attempt in range(20):
            target = (first + attempt) % len(self.urls)
            if await post(http, self.urls[target], update) == 200:
                self.delivered.append((int(update["update_id"]), target))
                return
            await asyncio.sleep(0.2)  # as Telegram: try again, maybe elsewhere
        raise AssertionError(f"update {update['update_id']} was never taken")


async def post(http: aiohttp.ClientSession, url: str, update: dict[str, Any]) -> int:
    try:
        async with http.post(url, json=update, headers={SECRET_HEADER: SECRET}) as answer:
            return answer.status
    except aiohttp.ClientError:
        return 0


@dataclass
class Practice:
    api: FakeBotApi
    a: BotProcess
    b: BotProcess
    delivery: Delivery
    database_url: str
    urls: list[str]


@contextlib.asynccontextmanager
async def two_instances(tmp_path: Path) -> AsyncIterator[Practice]:
    async with fresh_database() as database_url, FakeBotApi() as api:
        ports = [free_port(), free_port()]
        # A bot of its own: every Redis key of the run is under this bot's id.
        token = f"{uuid.uuid4().int % 10**9 + 10**9}:TEST"
        envs = [
            bot_env(
                tmp_path / name,
                TELEGRAM_API_URL=api.url,
                BOT_TOKEN=token,
                DATABASE_URL=database_url,
                REDIS_URL=REDIS_URL,
                WEBHOOK_URL="https://bot.example.org",
                WEBHOOK_SECRET=SECRET,
                WEBHOOK_HOST="127.0.0.1",
                WEBHOOK_PORT=str(port),
            )
            for name, port in zip("ab", ports, strict=True)
        ]
        for name in "ab":
            (tmp_path / name).mkdir()
        await load_demo(envs[0], tmp_path / "a")
        urls = [f"http://127.0.0.1:{port}/webhook" for port in ports]
        async with run_bot(envs[0], tmp_path / "a") as a, run_bot(envs[1], tmp_path / "b") as b:
            async with aiohttp.ClientSession() as http:
                for bot, port in ((a, ports[0]), (b, ports[1])):
                    await bot.until(ready(http, f"http://127.0.0.1:{port}/readyz"))
            delivery = Delivery(api, urls)
            running = asyncio.create_task(delivery.run())
            try:
                yield Practice(api, a, b, delivery, database_url, urls)
            finally:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running


async def ready(http: aiohttp.ClientSession, url: str) -> None:
    async with asyncio.timeout(STARTUP_TIMEOUT):
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url) as answer:
                    if answer.status == 200:
                        return
            await asyncio.sleep(0.2)


async def bookings(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return int(await session.scalar(select(func.count(Booking.id))) or 0)
    finally:
        await engine.dispose()


def sent_to_person(api: FakeBotApi, words: str) -> int:
    return sum(1 for sent in api.sent if sent.chat_id == USER_ID and words in (sent.text or ""))


async def test_the_same_update_delivered_to_both_instances_is_handled_once(
    tmp_path: Path,
) -> None:
    async with two_instances(tmp_path) as practice:
        practice.delivery.pinned = 0
        practice.api.push_message(USER_ID, "/start")
        await practice.a.until(
            practice.api.wait_for(
                lambda sent: "Вы согласны" in (sent.text or ""), timeout=STEP_TIMEOUT
            )
        )
        update_id, _ = practice.delivery.delivered[-1]
        again = {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": USER_ID, "type": "private", "first_name": "Анна"},
                "from": {"id": USER_ID, "is_bot": False, "first_name": "Анна"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        # Telegram delivers it again, to both at once (a late answer, a restart).
        async with aiohttp.ClientSession() as http:
            statuses = await asyncio.gather(*(post(http, url, again) for url in practice.urls))
        assert statuses == [200, 200]
        skipped = f"update {update_id} was handled already: skipped"
        await practice.api.wait_until(
            lambda: True if (practice.a.log + practice.b.log).count(skipped) == 2 else None,
            timeout=STEP_TIMEOUT,
            what="both instances skipping the repeated update",
        )
        assert sent_to_person(practice.api, "Вы согласны") == 1


async def test_a_double_tap_on_book_reaching_both_instances_books_once(tmp_path: Path) -> None:
    async with two_instances(tmp_path) as practice:
        api, a = practice.api, practice.a
        await sign_up(api, a)  # round robin: the steps alternate between the instances
        await press(api, a, lambda text: len(text.split()) == 3 and text[-1].isalpha())
        confirm = await press(
            api,
            a,
            lambda text: len(text) == 5 and text[2] == ":",
            expect=lambda sent: sent.method == "sendMessage",
        )
        data = next(data for text, data in confirm.buttons if "Записаться" in text)
        # Two taps, two updates, one to each instance at the same moment.
        practice.delivery.pinned = None
        async with aiohttp.ClientSession() as http:
            taps, queries = [], []
            for _ in range(2):
                queries.append(api.push_callback(USER_ID, confirm.message_id or 0, str(data)))
                taps.append(await api.next_update())
            statuses = await asyncio.gather(
                *(post(http, url, tap) for url, tap in zip(practice.urls, taps, strict=True))
            )
        assert statuses == [200, 200]

        def both_answered() -> list[Any] | None:
            answers = [
                call
                for call in api.calls
                if call.method == "answerCallbackQuery"
                and call.params.get("callback_query_id") in queries
            ]
            return answers if len(answers) == 2 else None

        answers = await a.until(api.wait_until(both_answered, timeout=STEP_TIMEOUT, what="two"))
        assert sum("уже записаны" in str(call.params.get("text")) for call in answers) == 1
        assert await bookings(practice.database_url) == 1
        assert sent_to_person(api, "Вы записаны") == 1


async def test_an_instance_killed_mid_questionnaire_the_other_continues(tmp_path: Path) -> None:
    async with two_instances(tmp_path) as practice:
        api, a, b = practice.api, practice.a, practice.b
        practice.delivery.pinned = 0
        await type_text(api, a, "/start", expect=lambda sent: "Вы согласны" in (sent.text or ""))
        await press(api, a, "Согласен")
        await type_text(api, a, "30", expect=lambda sent: "Да" in str(sent.buttons))
        a.process.send_signal(signal.SIGKILL)
        await a.process.wait()
        practice.delivery.pinned = 1
        # The next answer reaches the other instance: the same conversation, next step.
        step = await press(api, b, "Да", expect=lambda sent: bool(sent.buttons))
        assert any("Индивидуальная" in text for text, _ in step.buttons), step.describe()
