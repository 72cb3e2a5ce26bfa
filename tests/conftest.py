"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL too when
TEST_DATABASE_URL is set), a clock the test moves by hand, and the production dispatcher
wired to a fake Telegram."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.i18n import Translator
from bot.notify import Outgoing
from bot.rules.timezones import Clock
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from handlers.shared.notices import Notices
from scheduler.outbox import OutboxJob
from tests.fake_telegram import OPENED, FakeTelegram, Harness

# Under pytest-xdist, worker N (gwN) takes a PostgreSQL database of its own (bot_test_gwN
# beside bot_test) and Redis databases 16N to 16N+15, so that workers never share state.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS_DATABASES_PER_WORKER = 16


def _for_this_worker() -> None:
    if WORKER == 0:
        return
    if url := os.environ.get("TEST_DATABASE_URL"):
        parsed = make_url(url)
        own = parsed.set(database=f"{parsed.database}_gw{WORKER}")
        os.environ["TEST_DATABASE_URL"] = own.render_as_string(hide_password=False)
    if url := os.environ.get("TEST_REDIS_URL"):
        parts = urlsplit(url)
        base = WORKER * REDIS_DATABASES_PER_WORKER
        os.environ["TEST_REDIS_URL"] = urlunsplit(parts._replace(path=f"/{base}"))


_for_this_worker()
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
ADMIN_ID = 900001


class ManualClock(Clock):
    """A clock that stands still until the test moves it."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


async def _create_database(url: str) -> None:
    """Create this worker's database beside the one TEST_DATABASE_URL named, if missing."""
    parsed = make_url(url)
    server = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        found = await server.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", parsed.database
        )
        if not found:
            await server.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await server.close()


async def _reset_postgres(url: str) -> None:
    await _create_database(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_snapshot() -> Iterator[str | None]:
    """Migrate once; each test then starts from the migrated state (tables emptied,
    seeded rows put back)."""
    if PG_URL is None:
        yield None
        return
    asyncio.run(_reset_postgres(PG_URL))
    yield PG_URL


async def _empty_postgres(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        # A connection an earlier test left open must not hold the locks TRUNCATE needs.
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        await connection.execute(text("SET LOCAL lock_timeout = '20s'"))
        tables = (
            await connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename NOT IN ('alembic_version')"
                )
            )
        ).scalars()
        names = ", ".join(f'"{name}"' for name in tables)
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        # Seeded by migration 0002: put the topic catalogue back.
        from importlib import import_module

        seed = import_module("db.migrations.versions.0002_topic_catalogue")
        for position, (code, ru, en) in enumerate(seed.TOPICS):
            await connection.execute(
                text(
                    "INSERT INTO topics (code, name_ru, name_en, position, hidden) "
                    "VALUES (:code, :ru, :en, :position, false)"
                ),
                {"code": code, "ru": ru, "en": en, "position": position},
            )


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_snapshot: str | None,
) -> str:
    if request.param == "postgresql":
        assert postgres_snapshot is not None
        return postgres_snapshot
    path = tmp_path / "bot.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        await _empty_postgres(engine)
    yield engine
    leaked = engine.pool.checkedout()  # type: ignore[attr-defined]
    await engine.dispose()
    assert leaked == 0, f"{leaked} database connections were still in use after the test"


@pytest.fixture
def db_sessionmaker(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(db_engine)


@pytest.fixture
def clock() -> ManualClock:
    # A Monday morning in Moscow.
    return ManualClock(datetime(2026, 12, 7, 6, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": "123456:TEST-TOKEN",
        "database_url": database_url,
        "admin_ids": str(ADMIN_ID),
        "default_language": "ru",
        "default_timezone": "Europe/Moscow",
        # Tests send many updates at once; throttling is tested on its own.
        "throttle_rate": 10_000,
        "throttle_period_seconds": 1,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(autouse=True)
def times_as_entities() -> Iterator[None]:
    """Every conversation test checks each text the bot sent: a clock time in it is a
    `date_time` entity, and no label, alert or invoice carries a `tg-time` tag."""
    OPENED.clear()
    yield
    for telegram in OPENED:
        telegram.verify()
    OPENED.clear()


@pytest.fixture(scope="session")
def translator() -> Translator:
    return Translator()


def make_harness(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    translator: Translator,
) -> Harness:
    """The production dispatcher and bot, talking to a fresh fake Telegram."""
    telegram = FakeTelegram()
    return Harness(
        dispatcher=create_dispatcher(settings, sessionmaker, clock=clock, translator=translator),
        bot=create_bot(settings, session=telegram),
        telegram=telegram,
    )


def outbox_job(
    harness: Harness,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    translator: Translator,
    outgoing: Outgoing | None = None,
) -> OutboxJob:
    """The outbox job of a harness's bot, as the scheduler builds it."""

    async def nobody_blocked(chat_id: int) -> None:
        return None

    return OutboxJob(
        sessionmaker,
        harness.bot,
        outgoing or Outgoing(harness.bot, settings, nobody_blocked),
        Notices(translator, settings),
        settings,
        clock,
    )


@pytest.fixture
async def harness(
    settings: Settings,
    db_sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    translator: Translator,
) -> AsyncIterator[Harness]:
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    yield harness
    await harness.bot.session.close()
