"""Several instances on one Redis (REDIS_URL): conversation state is shared, and an
erasure leaves no key of the person behind. Without
TEST_REDIS_URL the Redis tests are skipped; the start-up warning is tested always."""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.i18n import Translator
from bot.instances import SINGLE_INSTANCE, redis_check, single_instance_warning
from bot.web import Readiness
from db.models import FsmRecord
from tests.conftest import REDIS_DATABASES_PER_WORKER, ManualClock, make_settings
from tests.fake_telegram import FakeTelegram, Harness
from tests.flows import sign_up, to_questions

Sessions = async_sessionmaker[AsyncSession]
REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(
    REDIS_URL is None, reason="TEST_REDIS_URL is not set: no Redis server to test against"
)
# Each test takes a Redis database of its own (the 15 after the one TEST_REDIS_URL names,
# which is this pytest worker's block) and empties it before and after.
_BASE = int(urlsplit(REDIS_URL).path.lstrip("/") or 0) if REDIS_URL else 0
_DATABASES = itertools.cycle(range(_BASE + 1, _BASE + REDIS_DATABASES_PER_WORKER))


def redis_db_url(url: str, number: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number}"))


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    assert REDIS_URL is not None
    client = Redis.from_url(redis_db_url(REDIS_URL, next(_DATABASES)))
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


def redis_harness(
    settings: Settings,
    sessions: Sessions,
    clock: ManualClock,
    translator: Translator,
    redis: Redis,
) -> Harness:
    telegram = FakeTelegram()
    return Harness(
        dispatcher=create_dispatcher(
            settings, sessions, clock=clock, translator=translator, redis=redis
        ),
        bot=create_bot(settings, session=telegram),
        telegram=telegram,
    )


async def keys_of(redis: Redis, user_id: int) -> list[str]:
    keys = [key.decode() async for key in redis.scan_iter(match="fsm:*")]
    return sorted(key for key in keys if key.split(":")[-3] == str(user_id))


@needs_redis
async def test_the_questionnaire_goes_on_at_another_instance(
    settings: Settings,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
    redis: Redis,
) -> None:
    harness = redis_harness(settings, db_sessionmaker, clock, translator, redis)
    try:
        tanya = harness.user(603, "Таня")
        await to_questions(tanya)
        await tanya.send("27")
        await tanya.press("Нет")
        assert "Вопрос 3" in tanya.last.text
        format_screen = tanya.last
        # Dispatcher B: another instance on the same Redis and database.
        harness.dispatcher = create_dispatcher(
            settings, db_sessionmaker, clock=clock, translator=translator, redis=redis
        )
        await tanya.press("Индивидуальная", message=format_screen)
        assert "Вопрос 4" in tanya.last.text
        await tanya.send("/start")
        assert "Вопрос 4" in tanya.last.text
        # The conversation is in Redis, none of it in the database.
        assert await keys_of(redis, 603)
        async with db_sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(FsmRecord)) == 0
    finally:
        await harness.bot.session.close()


@needs_redis
async def test_delete_me_leaves_no_key_of_the_person(
    settings: Settings,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
    redis: Redis,
) -> None:
    harness = redis_harness(settings, db_sessionmaker, clock, translator, redis)
    try:
        storage = harness.dispatcher.storage
        assert isinstance(storage, RedisStorage)
        anna = harness.user(604, "Анна")
        await sign_up(anna)
        # A conversation of hers in a group and in another destiny, and someone else's.
        bot_id = harness.bot.id
        await storage.set_data(StorageKey(bot_id, -100123, 604), {"draft": "x"})
        await storage.set_state(StorageKey(bot_id, 604, 604, destiny="other"), "Some:step")
        other = StorageKey(bot_id, 605, 605)
        await storage.set_data(other, {"name": "Боб"})
        assert len(await keys_of(redis, 604)) >= 2

        await anna.send("/delete_me")
        await anna.press("Да, удалить")
        assert "Ваши данные удалены" in anna.last.text
        assert await keys_of(redis, 604) == []
        assert await storage.get_data(other) == {"name": "Боб"}
    finally:
        await harness.bot.session.close()


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        ({"webhook_url": "https://bot.example.org"}, True),
        ({"webhook_url": "https://bot.example.org", "redis_url": "redis://redis:6379/0"}, False),
        ({}, False),
    ],
)
def test_webhook_on_postgresql_without_redis_warns(
    overrides: dict[str, str], *, warned: bool
) -> None:
    settings = make_settings("postgresql+asyncpg://bot@db/bot", **overrides)
    assert single_instance_warning(settings) == (SINGLE_INSTANCE if warned else None)


def test_webhook_on_sqlite_does_not_warn() -> None:
    settings = make_settings("sqlite+aiosqlite:///bot.sqlite3", webhook_url="https://x.org")
    assert single_instance_warning(settings) is None


async def test_run_logs_the_warning_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`run` warns first thing (then stops here: the database is not reachable)."""
    import run_bot

    settings = make_settings(
        "postgresql+asyncpg://nobody@127.0.0.1:9/none", webhook_url="https://bot.example.org"
    )

    class Stop(Exception):
        pass

    def refuse(url: str) -> None:
        raise Stop

    monkeypatch.setattr("db.engine.create_engine", refuse)
    with caplog.at_level(logging.WARNING), pytest.raises(Stop):
        await run_bot.run(settings)
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert [record.getMessage() for record in warnings] == [SINGLE_INSTANCE]
    assert "outgoing messages" in SINGLE_INSTANCE


async def test_readiness_fails_when_redis_does_not_answer(db_engine: AsyncEngine) -> None:
    dead = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    try:
        problem = await Readiness(db_engine, [redis_check(dead)]).problem()
    finally:
        await dead.aclose()
    assert problem is not None and problem.startswith("redis: ")


@needs_redis
async def test_readiness_pings_redis(db_engine: AsyncEngine, redis: Redis) -> None:
    assert await Readiness(db_engine, [redis_check(redis)]).problem() is None
