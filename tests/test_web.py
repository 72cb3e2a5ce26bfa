"""The HTTP side (`bot.web`), metrics (`bot.metrics`) and JSON logs (`bot.logs`).

The app is served on a local port and driven over HTTP: the webhook refuses requests
without the right secret token before the dispatcher sees them, /healthz, /readyz (on a
migrated, an unmigrated, an outdated and an unreachable database, on every backend) and
/metrics, whose counters follow what the test did. The real `run_bot.py` process runs in
webhook mode and in polling mode with METRICS_PORT against the fake Bot API, and refuses
to start without a good WEBHOOK_SECRET.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import logging
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tomllib
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import pytest
import yaml
from aiogram import Dispatcher, F
from aiogram.methods import SendMessage
from aiogram.types import Message
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

import run_bot as entry
from bot import metrics as bot_metrics
from bot.app import create_bot, create_dispatcher
from bot.calendar import FEED_ROUTE
from bot.config import Settings
from bot.i18n import Translator
from bot.inbox import Inbox
from bot.logs import (
    QUIET,
    JsonFormatter,
    UpdateContext,
    configure_logging,
    current_update,
    make_handler,
)
from bot.metrics import install_metrics
from bot.notify import Outgoing
from bot.web import WEBHOOK_PATH, Check, build_app
from db.engine import create_engine, create_sessionmaker
from db.migrate import alembic_config
from db.models import (
    Booking,
    FunnelEvent,
    InboxUpdate,
    Notice,
    Payment,
    Refund,
    Reminder,
    Therapist,
    User,
)
from tests.conftest import ManualClock, make_settings
from tests.fake_bot_api import FakeBotApi, Sent
from tests.fake_telegram import FakeTelegram
from tests.test_process import STARTUP_TIMEOUT, STEP_TIMEOUT, BotProcess, bot_env, run_bot

SECRET = "Sec_ret-token-42"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTHCHECK = Path(__file__).resolve().parent.parent / "deploy" / "healthcheck.py"
ANONYMOUS, FORGER, PERSON = 810001, 810002, 810003
SECRET_WORDS = "моё тайное слово 4711"
HEAD = ", ".join(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture(autouse=True)
def fresh_metrics() -> bot_metrics.Metrics:
    """Every test counts from zero."""
    return bot_metrics.reset()


@pytest.fixture
def web_settings(database_url: str) -> Settings:
    return make_settings(
        database_url, webhook_url="https://bot.example.org/", webhook_secret=SECRET
    )


# -- helpers ------------------------------------------------------------------------------


def message_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """An update as Telegram posts it: `user_id` writes `text` in their private chat."""
    person = {"id": user_id, "is_bot": False, "first_name": "Анна", "language_code": "ru"}
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_796_000_000,
        "chat": {"id": user_id, "type": "private", "first_name": "Анна"},
        "from": person,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": message}


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Prometheus text as {(sample name, labels): value}."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(exposition: str, name: str, **labels: str) -> float | None:
    return samples(exposition).get((name, frozenset(labels.items())))


def sends_to(telegram: FakeTelegram, chat_id: int) -> list[SendMessage]:
    return [
        call for call in telegram.calls if isinstance(call, SendMessage) and call.chat_id == chat_id
    ]


async def count(sessionmaker: Sessions, model: type[Any]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@dataclass
class Served:
    client: TestClient[web.Request, web.Application]
    telegram: FakeTelegram
    app: web.Application
    dispatcher: Dispatcher
    inbox: Inbox

    async def post_update(self, update: dict[str, Any], secret: str | None) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with self.client.post("/webhook", json=update, headers=headers) as response:
            return response.status

    async def handled(self) -> None:
        """Wait for the updates the webhook stored to be handled."""
        await self.inbox.drain()

    async def get(self, path: str) -> tuple[int, str]:
        async with self.client.get(path) as response:
            return response.status, await response.text()


@asynccontextmanager
async def serve(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
    *,
    extra_checks: Sequence[Check] = (),
    webhook: bool = True,
) -> AsyncIterator[Served]:
    """The production dispatcher, with metrics, behind the app `run_webhook` serves."""
    telegram = FakeTelegram()
    bot = create_bot(settings, session=telegram)
    dispatcher = create_dispatcher(settings, sessionmaker, clock=clock, translator=translator)
    install_metrics(dispatcher, bot)
    updates_inbox = Inbox(dispatcher, bot, sessionmaker, settings)
    app = build_app(
        dispatcher,
        bot,
        settings,
        engine,
        sessionmaker,
        extra_checks=extra_checks,
        updates_inbox=updates_inbox if webhook else None,
    )
    if webhook:
        # Only a webhook takes updates: without one nothing reads the inbox.
        updates_inbox.start()
    try:
        async with TestClient(TestServer(app)) as client:
            yield Served(client, telegram, app, dispatcher, updates_inbox)
    finally:
        await updates_inbox.stop(grace=5)


def no_sqlite_database(directory: Path) -> AsyncEngine:
    """An engine on a directory, which SQLite cannot open. A plain engine: the pragmas the
    bot's engine sets on each new connection would leave the failed one's thread behind."""
    return create_async_engine(f"sqlite+aiosqlite:///{directory}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the webhook's secret -----------------------------------------------------------------


async def test_webhook_refuses_requests_without_the_secret_and_handles_the_right_one(
    web_settings: Settings,
    db_engine: AsyncEngine,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
) -> None:
    async with serve(web_settings, db_engine, db_sessionmaker, clock, translator) as served:
        assert await served.post_update(message_update(1, ANONYMOUS, "/start"), None) == 401
        wrong = await served.post_update(message_update(2, FORGER, "/start"), SECRET + "x")
        assert wrong == 401
        prefix = await served.post_update(message_update(3, FORGER, "/start"), SECRET[:-1])
        assert prefix == 401
        await served.handled()
        # Nothing of them reached the dispatcher: no answer, no funnel count, no update.
        assert not [call for call in served.telegram.calls if isinstance(call, SendMessage)]
        assert await count(db_sessionmaker, FunnelEvent) == 0
        status, exposition = await served.get("/metrics")
        assert status == 200
        assert value(exposition, "bot_updates_total", type="message", outcome="handled") is None

        assert await served.post_update(message_update(4, PERSON, "/start"), SECRET) == 200
        await served.handled()

    answers = [call.text for call in sends_to(served.telegram, PERSON)]
    assert any("Вы согласны" in answer for answer in answers), answers
    assert sends_to(served.telegram, ANONYMOUS) == sends_to(served.telegram, FORGER) == []
    assert await count(db_sessionmaker, FunnelEvent) == 1
    assert await count(db_sessionmaker, User) == 0  # no consent yet: nothing about the person


async def test_a_secret_header_of_any_characters_is_refused_politely(
    web_settings: Settings,
    db_engine: AsyncEngine,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
) -> None:
    """Not ours, whatever its characters: 401, never a server error."""
    async with serve(web_settings, db_engine, db_sessionmaker, clock, translator) as served:
        for header in ("пароль", SECRET + "é", "\u00ff" * 3):
            assert await served.post_update(message_update(5, FORGER, "/start"), header) == 401
        # A body that is no update, with the right secret: 400.
        async with served.client.post(
            "/webhook", data=b"{not json", headers={SECRET_HEADER: SECRET}
        ) as answer:
            assert answer.status == 400
        await served.handled()
    assert sends_to(served.telegram, FORGER) == []
    assert await count(db_sessionmaker, InboxUpdate) == 0


async def test_no_webhook_without_a_secret(
    database_url: str, db_engine: AsyncEngine, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    settings = make_settings(database_url, webhook_url="https://bot.example.org")
    dispatcher = create_dispatcher(settings, db_sessionmaker, clock=clock)
    bot = create_bot(settings, session=FakeTelegram())
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        build_app(
            dispatcher,
            bot,
            settings,
            db_engine,
            db_sessionmaker,
            updates_inbox=Inbox(dispatcher, bot, db_sessionmaker, settings),
        )
    # Health and metrics alone (polling) need none, and have no webhook route.
    app = build_app(dispatcher, bot, settings, db_engine, db_sessionmaker)
    async with TestClient(TestServer(app)) as client, client.post("/webhook", json={}) as answer:
        assert answer.status in {404, 405}


def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **values: str) -> None:
    """Only `values` (and a token) as settings: no shell variable, no `.env` in the way."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    for name, setting in values.items():
        monkeypatch.setenv(name, setting)


def test_main_refuses_a_webhook_without_a_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_environment(monkeypatch, tmp_path, WEBHOOK_URL="https://bot.example.org")
    assert entry.main([]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [entry.NO_WEBHOOK_SECRET]
    assert "WEBHOOK_SECRET" in lines[0] and "WEBHOOK_URL" in lines[0]


@pytest.mark.parametrize(
    "secret",
    ["with a space", "x" * 300, "semi;colon", "ключ", "line\nbreak"],
    ids=["space", "300-chars", "semicolon", "cyrillic", "newline"],
)
def test_main_refuses_a_bad_secret_in_one_line(
    secret: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clean_environment(
        monkeypatch, tmp_path, WEBHOOK_URL="https://bot.example.org", WEBHOOK_SECRET=secret
    )
    assert entry.main([]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Configuration error: WEBHOOK_SECRET: must be 1-256 characters")
    assert secret not in err  # a secret is never echoed


def test_the_real_process_refuses_a_webhook_without_a_secret(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(Path(entry.__file__))],
        cwd=tmp_path,
        env=bot_env(tmp_path, WEBHOOK_URL="https://bot.example.org"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [entry.NO_WEBHOOK_SECRET]
    assert "Traceback" not in result.stderr + result.stdout


# -- health and readiness -----------------------------------------------------------------


async def test_healthz_and_readyz_on_a_migrated_database(
    web_settings: Settings,
    db_engine: AsyncEngine,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
) -> None:
    async with serve(web_settings, db_engine, db_sessionmaker, clock, translator) as served:
        assert await served.get("/healthz") == (200, "ok")
        assert await served.get("/readyz") == (200, "ready")


@asynccontextmanager
async def elsewhere(database_url: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An empty database next to the test's own: a new SQLite file, or on PostgreSQL an
    empty schema of the test database (dropped afterwards)."""
    if make_url(database_url).get_backend_name() == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
        try:
            yield engine
        finally:
            await engine.dispose()
        return
    schema = f"readyz_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(database_url, connect_args={"server_settings": {"search_path": schema}})
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def readiness_of(
    engine: AsyncEngine,
    settings: Settings,
    clock: ManualClock,
    translator: Translator,
    extra_checks: Sequence[Check] = (),
) -> tuple[int, str]:
    sessionmaker = create_sessionmaker(engine)
    # Health and metrics only: a webhook app would also start the dispatcher (which reads
    # the database for the command menu).
    async with serve(
        settings, engine, sessionmaker, clock, translator, extra_checks=extra_checks, webhook=False
    ) as served:
        return await served.get("/readyz")


async def test_readyz_is_503_on_an_unmigrated_database(
    database_url: str,
    web_settings: Settings,
    clock: ManualClock,
    translator: Translator,
    tmp_path: Path,
) -> None:
    async with elsewhere(database_url, tmp_path) as empty:
        status, reason = await readiness_of(empty, web_settings, clock, translator)
    assert status == 503
    assert reason.startswith("database not migrated"), reason


async def test_readyz_is_503_on_a_database_behind_the_code(
    database_url: str,
    web_settings: Settings,
    clock: ManualClock,
    translator: Translator,
    tmp_path: Path,
) -> None:
    async with elsewhere(database_url, tmp_path) as outdated:
        async with outdated.begin() as connection:
            await connection.execute(
                text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            )
            await connection.execute(text("INSERT INTO alembic_version VALUES ('0001')"))
        status, reason = await readiness_of(outdated, web_settings, clock, translator)
    assert status == 503
    assert reason == f"database at revision 0001, expected {HEAD}"


async def test_readyz_is_503_on_an_unreachable_database(
    database_url: str,
    web_settings: Settings,
    clock: ManualClock,
    translator: Translator,
    tmp_path: Path,
) -> None:
    if make_url(database_url).get_backend_name() == "sqlite":
        engine = no_sqlite_database(tmp_path)
    else:
        gone = make_url(database_url).set(port=free_port()).render_as_string(hide_password=False)
        engine = create_engine(gone)
    try:
        status, reason = await readiness_of(engine, web_settings, clock, translator)
    finally:
        await engine.dispose()
    assert status == 503
    assert reason.startswith("database unreachable"), reason


async def test_readyz_runs_the_extra_checks(
    web_settings: Settings,
    db_engine: AsyncEngine,
    clock: ManualClock,
    translator: Translator,
) -> None:
    calls: list[str] = []

    async def redis_ping() -> None:
        calls.append("redis_ping")
        raise ConnectionError("connection refused")

    async def fine() -> None:
        calls.append("fine")

    assert await readiness_of(db_engine, web_settings, clock, translator, [fine]) == (
        200,
        "ready",
    )
    status, reason = await readiness_of(
        db_engine, web_settings, clock, translator, [fine, redis_ping]
    )
    assert (status, reason) == (503, "redis_ping: ConnectionError")
    assert calls == ["fine", "fine", "redis_ping"]


# -- metrics ------------------------------------------------------------------------------


async def fill_the_books(sessionmaker: Sessions, now: datetime) -> None:
    """Two confirmed bookings and a cancelled one, two payments, three reminders (one due,
    one sent, one later), two notices (one delivered) and two refunds (one for the job,
    one handed to the admins)."""
    async with sessionmaker() as session:
        client = User(telegram_id=PERSON, language="ru", timezone="Europe/Moscow", created_at=now)
        therapist = Therapist(
            name_ru="Вера",
            name_en="Vera",
            gender="female",
            price=3000,
            session_minutes=50,
            timezone="Europe/Moscow",
            created_at=now,
        )
        session.add_all([client, therapist])
        await session.flush()
        bookings = []
        for day, status in enumerate(("confirmed", "confirmed", "cancelled"), start=1):
            starts = now + timedelta(days=day)
            bookings.append(
                Booking(
                    client_id=client.id,
                    therapist_id=therapist.id,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=50),
                    status=status,
                    format="individual",
                    price=3000,
                    created_at=now,
                )
            )
        session.add_all(bookings)
        await session.flush()
        first = bookings[0].id
        session.add_all(
            [
                Payment(
                    booking_id=first,
                    amount=300_000,
                    currency="RUB",
                    telegram_charge_id="charge-1",
                    status="paid",
                    created_at=now,
                ),
                Payment(
                    booking_id=bookings[2].id,
                    amount=300_000,
                    currency="RUB",
                    telegram_charge_id="charge-2",
                    status="refunded",
                    created_at=now,
                ),
                Reminder(booking_id=first, kind="client:24h", due_at=now - timedelta(minutes=1)),
                Reminder(
                    booking_id=first,
                    kind="client:1h",
                    due_at=now - timedelta(hours=1),
                    sent_at=now - timedelta(hours=1),
                ),
                Reminder(
                    booking_id=bookings[1].id, kind="client:24h", due_at=now + timedelta(hours=1)
                ),
                Notice(
                    recipient="therapist",
                    event="booked",
                    booking_id=first,
                    created_at=now,
                    due_at=now,
                ),
                Notice(
                    recipient="group",
                    event="booked",
                    booking_id=first,
                    created_at=now,
                    due_at=now,
                    finished_at=now,
                    outcome="sent",
                ),
                Refund(
                    amount=100,
                    currency="XTR",
                    telegram_charge_id="refund-1",
                    reason="cancelled",
                    status="pending",
                    created_at=now,
                    due_at=now,
                ),
                Refund(
                    amount=300_000,
                    currency="RUB",
                    telegram_charge_id="refund-2",
                    reason="cancelled",
                    status="manual",
                    created_at=now,
                    due_at=now,
                    finished_at=now,
                ),
            ]
        )
        await session.commit()


async def test_metrics_follow_the_updates_and_read_the_database(
    web_settings: Settings,
    db_engine: AsyncEngine,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
) -> None:
    await fill_the_books(db_sessionmaker, clock.now())
    async with serve(web_settings, db_engine, db_sessionmaker, clock, translator) as served:
        assert await served.post_update(message_update(7, PERSON + 1, "/start"), SECRET) == 200
        await served.handled()
        status, exposition = await served.get("/metrics")

    assert status == 200
    assert value(exposition, "bot_updates_total", type="message", outcome="handled") == 1
    assert value(exposition, "bot_updates_total", type="message", outcome="error") is None
    assert value(exposition, "bot_handler_duration_seconds_count", type="message") == 1
    sent = value(exposition, "bot_api_requests_total", method="sendMessage", result="ok")
    assert sent is not None and sent >= 1
    assert value(exposition, "bot_database_up") == 1
    assert value(exposition, "bot_bookings", status="confirmed") == 2
    assert value(exposition, "bot_bookings", status="cancelled") == 1
    assert value(exposition, "bot_bookings", status="completed") == 0
    assert value(exposition, "bot_payments", status="paid") == 1
    assert value(exposition, "bot_payments", status="refunded") == 1
    assert value(exposition, "bot_payments", status="refund_pending") == 0
    assert value(exposition, "bot_reminders_due") == 1
    assert value(exposition, "bot_outbox_pending", kind="notice") == 1
    assert value(exposition, "bot_outbox_pending", kind="refund") == 1
    assert value(exposition, "bot_inbox_updates", state="waiting") == 0
    assert value(exposition, "bot_inbox_updates", state="parked") == 0
    assert value(exposition, "bot_refunds_manual") == 1


async def test_a_failing_handler_and_an_unhandled_update_are_counted(
    web_settings: Settings,
    db_engine: AsyncEngine,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
) -> None:
    async with serve(web_settings, db_engine, db_sessionmaker, clock, translator) as served:
        dispatcher = served.dispatcher

        # The dispatcher's own handlers come before every router's.
        @dispatcher.message(F.text == "/boom")
        async def boom(message: Message) -> None:
            raise RuntimeError("a bug")

        assert await served.post_update(message_update(31, PERSON, "/boom"), SECRET) == 200
        edited = message_update(32, PERSON, "/start")
        edited["edited_message"] = edited.pop("message")
        assert await served.post_update(edited, SECRET) == 200
        await served.handled()
        status, exposition = await served.get("/metrics")

    assert status == 200
    assert value(exposition, "bot_updates_total", type="message", outcome="error") == 1
    assert value(exposition, "bot_updates_total", type="message", outcome="handled") is None
    assert value(exposition, "bot_updates_total", type="edited_message", outcome="unhandled") == 1
    # The error handler still told the person something went wrong.
    assert sends_to(served.telegram, PERSON)


async def test_metrics_without_the_database(
    web_settings: Settings, clock: ManualClock, translator: Translator, tmp_path: Path
) -> None:
    engine = no_sqlite_database(tmp_path)
    try:
        async with serve(
            web_settings, engine, create_sessionmaker(engine), clock, translator, webhook=False
        ) as served:
            status, exposition = await served.get("/metrics")
    finally:
        await engine.dispose()
    assert status == 200
    # The gauges could not be read: they are left out, and the scrape says so.
    assert value(exposition, "bot_database_up") == 0
    assert value(exposition, "bot_bookings", status="confirmed") is None
    assert value(exposition, "bot_reminders_due") is None


async def test_outgoing_counts_sends_by_result(
    web_settings: Settings, fresh_metrics: bot_metrics.Metrics
) -> None:
    telegram = FakeTelegram()
    bot = create_bot(web_settings, session=telegram)
    blocked: list[int] = []

    async def on_blocked(chat_id: int) -> None:
        blocked.append(chat_id)

    async def no_wait(seconds: float) -> None:
        return None

    outgoing = Outgoing(bot, web_settings, on_blocked, sleep=no_wait)
    telegram.blocked.add(2)
    telegram.retry_after[3].append(1)
    telegram.unwell.add(4)
    results = [(await outgoing.send_message(chat, "текст")).status for chat in (1, 2, 3, 4)]
    assert results == ["sent", "blocked", "sent", "failed"]

    def outgoing_count(result: str) -> float | None:
        return fresh_metrics.registry.get_sample_value(
            "bot_outgoing_messages_total", {"result": result}
        )

    assert outgoing_count("sent") == 2
    assert outgoing_count("429") == 1
    assert outgoing_count("403") == 1
    assert outgoing_count("failed") == 1
    assert blocked == [2]


# -- logs ---------------------------------------------------------------------------------


def test_json_logs_are_one_object_per_line() -> None:
    stream = io.StringIO()
    handler = make_handler("json")
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    log = logging.getLogger("tests.web.json")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    try:
        log.warning("outside any update")
        token = current_update.set(UpdateContext(update_id=42, handler="handlers.start.start"))
        try:
            log.info("inside %s", "an update", extra={"duration_ms": 12.5})
            try:
                raise ValueError("boom")
            except ValueError:
                log.exception("failed")
        finally:
            current_update.reset(token)
    finally:
        log.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3, lines
    outside, inside, failed = (json.loads(line) for line in lines)
    assert set(outside) == {"time", "level", "logger", "message"}
    assert outside["level"] == "WARNING" and outside["logger"] == "tests.web.json"
    assert datetime.fromisoformat(outside["time"]).tzinfo is not None
    assert inside["message"] == "inside an update"
    assert (inside["update_id"], inside["handler"], inside["duration_ms"]) == (
        42,
        "handlers.start.start",
        12.5,
    )
    assert failed["level"] == "ERROR" and "ValueError: boom" in failed["exception"]


def test_text_logs_put_the_update_after_the_line() -> None:
    formatter = make_handler("text").formatter
    assert formatter is not None
    record = logging.LogRecord("bot.updates", logging.INFO, "x.py", 1, "message handled", (), None)
    record.update_id, record.handler, record.duration_ms = 42, "handlers.start.start", 12.5
    line = formatter.format(record)
    assert line.endswith(
        "INFO bot.updates: message handled "
        "[update_id=42 handler=handlers.start.start duration_ms=12.5]"
    ), line
    plain = logging.LogRecord("bot.web", logging.INFO, "x.py", 1, "no update", (), None)
    assert formatter.format(plain).endswith("INFO bot.web: no update")


def test_drivers_stay_quiet_in_both_formats() -> None:
    for log_format in ("text", "json"):
        for name in QUIET:
            logging.getLogger(name).setLevel(logging.NOTSET)
        configure_logging("DEBUG", log_format)
        for name in QUIET:
            assert logging.getLogger(name).level == logging.WARNING, (log_format, name)


async def test_the_update_line_names_the_handler_and_never_the_text(
    web_settings: Settings,
    db_engine: AsyncEngine,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    translator: Translator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with serve(web_settings, db_engine, db_sessionmaker, clock, translator) as served:
        assert await served.post_update(message_update(21, PERSON, "/start"), SECRET) == 200
        await served.handled()
        update = message_update(22, PERSON, SECRET_WORDS)
        assert await served.post_update(update, SECRET) == 200
        await served.handled()
    lines = [record for record in caplog.records if record.name == "bot.updates"]
    assert [getattr(record, "update_id", None) for record in lines] == [21, 22]
    first = lines[0]
    assert first.getMessage() == "message handled"
    assert str(getattr(first, "handler", "")).startswith("handlers."), first.__dict__
    assert isinstance(getattr(first, "duration_ms", None), float)
    formatter = JsonFormatter()
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert json.loads(formatter.format(first))["update_id"] == 21
    assert SECRET_WORDS not in logged and "тайное" not in logged
    assert SECRET not in logged


# -- the real process ---------------------------------------------------------------------


async def http_get(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with session.get(url) as response:
        return response.status, await response.text()


def healthcheck(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK)],
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )


def asks_consent(chat_id: int) -> Callable[[Sent], bool]:
    return lambda sent: sent.chat_id == chat_id and "Вы согласны" in (sent.text or "")


async def stop(bot: BotProcess) -> None:
    bot.process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(bot.process.wait(), STEP_TIMEOUT)


async def test_the_real_process_in_webhook_mode(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with FakeBotApi() as api:
        env = bot_env(
            tmp_path,
            TELEGRAM_API_URL=api.url,
            WEBHOOK_URL="https://bot.example.org",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_HOST="127.0.0.1",
            WEBHOOK_PORT=str(port),
            LOG_FORMAT="json",
        )
        async with run_bot(env, tmp_path) as bot, aiohttp.ClientSession() as http:
            registered = await bot.until(api.wait_for_call("setWebhook", timeout=STARTUP_TIMEOUT))
            assert registered.params["url"] == "https://bot.example.org/webhook"
            assert registered.params["secret_token"] == SECRET

            for user_id, headers in (
                (ANONYMOUS, {}),
                (FORGER, {SECRET_HEADER: "not-the-secret"}),
                (PERSON, {SECRET_HEADER: SECRET}),
            ):
                update = message_update(100 + user_id % 10, user_id, "/start")
                async with http.post(f"{base}/webhook", json=update, headers=headers) as answer:
                    assert answer.status == (200 if user_id == PERSON else 401), user_id
            await bot.until(api.wait_for(asks_consent(PERSON), timeout=STEP_TIMEOUT))

            assert await http_get(http, f"{base}/healthz") == (200, "ok")
            assert await http_get(http, f"{base}/readyz") == (200, "ready")
            exposition = await bot.until(metrics_after_update(http, f"{base}/metrics"))
            assert value(exposition, "bot_updates_total", type="message", outcome="handled") == 1
            assert healthcheck(env).returncode == 0
            await stop(bot)

    assert bot.process.returncode == 0, bot.log
    assert [sent for sent in api.sent if sent.chat_id in {ANONYMOUS, FORGER}] == []
    records = [json.loads(line) for line in bot.log.splitlines() if line.strip()]
    update_lines = [record for record in records if record["logger"] == "bot.updates"]
    assert len(update_lines) == 1, bot.log
    assert update_lines[0]["update_id"] == 100 + PERSON % 10
    assert update_lines[0]["handler"].startswith("handlers.")
    assert update_lines[0]["duration_ms"] >= 0
    assert "Traceback" not in bot.log


async def test_the_real_process_in_polling_mode_with_a_metrics_port(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with FakeBotApi() as api:
        env = bot_env(
            tmp_path, TELEGRAM_API_URL=api.url, METRICS_HOST="127.0.0.1", METRICS_PORT=str(port)
        )
        async with run_bot(env, tmp_path) as bot, aiohttp.ClientSession() as http:
            await bot.until(api.wait_for_call("getUpdates", timeout=STARTUP_TIMEOUT))
            api.push_message(PERSON, "/start")
            await bot.until(api.wait_for(asks_consent(PERSON), timeout=STEP_TIMEOUT))
            exposition = await bot.until(metrics_after_update(http, f"{base}/metrics"))
            assert value(exposition, "bot_updates_total", type="message", outcome="handled") == 1
            assert await http_get(http, f"{base}/readyz") == (200, "ready")
            assert healthcheck(env).returncode == 0
            await stop(bot)
    assert bot.process.returncode == 0, bot.log
    assert "Traceback" not in bot.log


async def metrics_after_update(http: aiohttp.ClientSession, url: str) -> str:
    """/metrics once the update's count is in (it is taken as the handler returns, just
    after its answer was sent)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STEP_TIMEOUT
    while True:
        status, exposition = await http_get(http, url)
        assert status == 200
        if value(exposition, "bot_updates_total", type="message", outcome="handled"):
            return exposition
        assert loop.time() < deadline, exposition
        await asyncio.sleep(0.05)


def test_the_healthcheck_fails_without_a_server(tmp_path: Path) -> None:
    closed = healthcheck(
        {**os.environ, "WEBHOOK_URL": "https://bot.example.org", "WEBHOOK_PORT": str(free_port())}
    )
    assert closed.returncode == 1 and "/healthz" in closed.stderr
    nothing = healthcheck({"PATH": os.environ.get("PATH", ""), "METRICS_PORT": "0"})
    assert nothing.returncode == 1 and "METRICS_PORT" in nothing.stderr


# -- deploy files -------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    instructions = []
    for line in joined.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), " ".join(arguments.split())))
    return instructions


def test_the_image_installs_every_package_and_runs_as_a_user() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    copied = {args.split()[0].rstrip("/") for keyword, args in instructions if keyword == "COPY"}
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["packages"]["find"]["include"]
    for package in packages:
        assert package.rstrip("*") in copied, f"the image does not copy {package}"
    for path in copied - {"pyproject.toml", "README.md"}:
        assert (ROOT / path).exists(), path
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    # Everything after USER runs unprivileged, the bot included.
    last_user = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "USER")
    assert any(keyword == "CMD" for keyword, _ in instructions[last_user:])
    (check,) = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    assert '"deploy/healthcheck.py"' in check
    (command,) = [args for keyword, args in instructions if keyword == "CMD"]
    assert "python run_bot.py migrate && exec python run_bot.py" in command
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".git", ".venv", "data/"} <= ignored
    assert not {"README.md", "pyproject.toml", "deploy/healthcheck.py", "assets/"} & ignored


def image_environment() -> dict[str, str]:
    """What the image's ENV instructions set (`ENV KEY=value ...`)."""
    environment: dict[str, str] = {}
    for keyword, arguments in dockerfile_instructions():
        if keyword == "ENV":
            for pair in shlex.split(arguments):
                key, equals, value = pair.partition("=")
                assert equals, f"ENV {arguments}: write KEY=value"
                environment[key] = value
    return environment


def load_healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthcheck", HEALTHCHECK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def settings_in(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The bot's settings with exactly `environment` (nothing from .env or the test run)."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    return Settings(_env_file=None)


def test_the_image_serves_healthz_in_polling_mode_out_of_the_box(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`docker run -e BOT_TOKEN=… image`: polling, no METRICS_PORT of the user's. The bot
    serves /healthz where the image's health check asks, on the port the image exposes,
    on every interface of the container (so the exposed port reaches it)."""
    image = image_environment()
    polling = {**image, "BOT_TOKEN": "123456:abc"}
    settings = settings_in(polling, monkeypatch)
    assert not settings.webhook_url
    port = load_healthcheck().health_port(polling)
    assert port and settings.metrics_port == port
    assert settings.metrics_host == "0.0.0.0"
    exposed = [args for keyword, args in dockerfile_instructions() if keyword == "EXPOSE"]
    assert exposed == [str(port)]
    # A webhook serves /healthz on its own port; the image's METRICS_PORT changes nothing.
    webhook = {**polling, "WEBHOOK_URL": "https://bot.example.org", "WEBHOOK_PORT": "8443"}
    assert load_healthcheck().health_port(webhook) == 8443
    assert load_healthcheck().health_port({**image, "WEBHOOK_URL": "https://x.org"}) == port


async def test_the_images_health_check_asks_a_real_server_in_polling_mode() -> None:
    """healthcheck.py in the image's environment, polling, against a real /healthz: healthy
    while it answers 200, unhealthy on another status and once it is gone. (The image's
    port is moved to a free one: 8080 may be taken on the machine running the tests.)"""
    answer = {"status": 200}

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok", status=answer["status"])

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    environment = {**image_environment(), "PATH": os.environ.get("PATH", "")}
    assert environment.get("METRICS_PORT"), "the image sets METRICS_PORT"
    environment["METRICS_PORT"] = str(port)
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        healthy = await asyncio.to_thread(healthcheck, environment)
        assert healthy.returncode == 0, healthy.stderr
        answer["status"] = 503
        failing = await asyncio.to_thread(healthcheck, environment)
        assert failing.returncode == 1 and "HTTPError" in failing.stderr
    finally:
        await runner.cleanup()
    gone = await asyncio.to_thread(healthcheck, environment)
    assert gone.returncode == 1 and "/healthz" in gone.stderr


def test_compose_runs_two_webhook_instances_behind_caddy() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "bot1", "bot2", "caddy"} <= set(services)
    for name in ("bot1", "bot2"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert environment["WEBHOOK_URL"].startswith("https://")
        assert environment["WEBHOOK_SECRET"]
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["caddy"]["volumes"]


@dataclass
class Directive:
    """One line of a Caddyfile and, when it opens a block, the lines inside it."""

    words: list[str]
    block: list[Directive]


def caddyfile() -> list[Directive]:
    """deploy/Caddyfile as a tree, comments dropped and snippets (`import name`) expanded."""
    root: list[Directive] = []
    stack = [root]
    for line in (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8").splitlines():
        words = line.split("#")[0].split()
        if words == ["}"]:
            stack.pop()
        elif words:
            opens = words[-1] == "{"
            directive = Directive(words[:-1] if opens else words, [])
            stack[-1].append(directive)
            if opens:
                stack.append(directive.block)
    assert stack == [root], "unbalanced braces"
    snippets = {d.words[0][1:-1]: d.block for d in root if d.words[0].startswith("(")}

    def expand(block: list[Directive]) -> list[Directive]:
        out: list[Directive] = []
        for d in block:
            if d.words[0] == "import":
                out.extend(expand(snippets[d.words[1]]))
            else:
                out.append(Directive(d.words, expand(d.block)))
        return out

    return [d for d in expand(root) if not d.words[0].startswith("(")]


def caddy_path_matches(pattern: str, path: str) -> bool:
    """Caddy's `path` matcher: exact, `/prefix/*`, or one `*` inside a segment."""
    if pattern.endswith("*") and pattern.count("*") == 1:
        return path.startswith(pattern[:-1])
    regex = "[^/]*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, path) is not None


def caddy_route(site: list[Directive], method: str, path: str) -> list[Directive] | None:
    """What the site does with a request: the `handle` block taking it (those with a
    matcher before the bare one, as Caddy orders them), None when nothing does."""
    named = {d.words[0]: d.block for d in site if d.words[0].startswith("@")}

    def matches(matcher: list[str]) -> bool:
        if not matcher:
            return True
        if matcher[0].startswith("@"):
            conditions = {d.words[0]: d.words[1:] for d in named[matcher[0]]}
            assert set(conditions) <= {"method", "path"}, conditions
            return method in conditions.get("method", [method]) and any(
                caddy_path_matches(p, path) for p in conditions.get("path", ["*"])
            )
        return any(caddy_path_matches(p, path) for p in matcher)

    handles = [d for d in site if d.words[0] == "handle"]
    for handle in sorted(handles, key=lambda d: len(d.words) == 1):
        if matches(handle.words[1:]):
            return handle.block
    return None


def test_caddy_passes_the_webhook_and_the_calendar_feeds_to_both_instances() -> None:
    top = caddyfile()
    [site] = [d for d in top if d.words == ["{$DOMAIN}"]]
    assert len(top) == 1, "nothing but the one site"
    # Only handle blocks and their named matchers: no directive outside them answers.
    assert {d.words[0] for d in site.block if not d.words[0].startswith("@")} == {"handle"}

    def proxied(method: str, path: str) -> Directive | None:
        block = caddy_route(site.block, method, path)
        assert block is not None, f"{method} {path} falls through Caddy"
        if [d.words for d in block] == [["respond", "404"]]:
            return None
        [proxy] = block
        return proxy

    webhook = proxied("POST", WEBHOOK_PATH)
    assert webhook is not None and webhook.words == ["reverse_proxy", "bot1:8080", "bot2:8080"]
    settings = {d.words[0]: d.words[1:] for d in webhook.block}
    assert settings["health_uri"] == ["/readyz"] and settings["health_status"] == ["200"]
    assert settings["lb_policy"] == ["round_robin"]

    feed_prefix = FEED_ROUTE.partition("{")[0]
    feed = FEED_ROUTE.format(token="AbCdEfGhIjKlMnOpQrStUvWxYz012-_9")
    assert proxied("GET", feed) == webhook  # the same instances, balanced and gated alike
    for method, path in [
        ("POST", feed),
        ("DELETE", feed),
        ("GET", feed_prefix),
        ("GET", feed_prefix + "x/y.ics"),
        ("GET", feed_prefix + "secret.txt"),
        ("GET", "/"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/sandbox/events"),
        ("POST", "/webhook/other"),
    ]:
        assert proxied(method, path) is None, f"{method} {path} reaches the instances"
