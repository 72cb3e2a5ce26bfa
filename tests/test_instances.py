"""Two real bot processes in webhook mode on one PostgreSQL database and one Redis, with
Telegram played by the local fake Bot API: each update is POSTed to one instance's
webhook (round robin, or as a test says), and to the other when one does not answer 200,
as Telegram retries. Skipped without TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.rules.reminders import CLIENT, kind_for
from db.engine import create_engine, create_sessionmaker
from db.models import Booking, Reminder, Therapist, User
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
from tests.test_web import free_port

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql") or not REDIS_URL,
    reason="two instances need PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL)",
)
SECRET = "two-instances-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


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
    urls: list[str]  # the webhooks
    sites: list[str]  # where each instance's /readyz and /metrics are

    @property
    def logs(self) -> str:
        return self.a.log + self.b.log


@contextlib.asynccontextmanager
async def two_instances(
    tmp_path: Path, database_url: str | None = None, **settings: str
) -> AsyncIterator[Practice]:
    """Two instances on `database_url` (a fresh database when not given), migrated and
    with the demo catalogue, both ready; `settings` go to both."""
    async with contextlib.AsyncExitStack() as stack:
        if database_url is None:
            database_url = await stack.enter_async_context(fresh_database())
        api = await stack.enter_async_context(FakeBotApi())
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
                **settings,
            )
            for name, port in zip("ab", ports, strict=True)
        ]
        for name in "ab":
            (tmp_path / name).mkdir()
        await load_demo(envs[0], tmp_path / "a")
        sites = [f"http://127.0.0.1:{port}" for port in ports]
        urls = [f"{site}/webhook" for site in sites]
        a = await stack.enter_async_context(run_bot(envs[0], tmp_path / "a"))
        b = await stack.enter_async_context(run_bot(envs[1], tmp_path / "b"))
        async with aiohttp.ClientSession() as http:
            for bot, site in ((a, sites[0]), (b, sites[1])):
                await bot.until(ready(http, f"{site}/readyz"))
        delivery = Delivery(api, urls)
        running = asyncio.create_task(delivery.run())
        try:
            yield Practice(api, a, b, delivery, database_url, urls, sites)
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


def start_again(update_id: int) -> dict[str, Any]:
    """The person's /start as Telegram delivers it once more, with its first update id."""
    return {
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
        again = start_again(update_id)
        # Telegram delivers it again, to both at once (a late answer, a restart).
        async with aiohttp.ClientSession() as http:
            statuses = await asyncio.gather(*(post(http, url, again) for url in practice.urls))
        assert statuses == [200, 200]
        skipped = f"update {update_id} is in the inbox already: skipped"
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


# -- metrics ---------------------------------------------------------------------------


async def scrape(http: aiohttp.ClientSession, site: str) -> dict[tuple[str, frozenset[Any]], float]:
    """An instance's /metrics as {(sample name, labels): value}."""
    async with http.get(f"{site}/metrics") as answer:
        assert answer.status == 200
        text = await answer.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(samples: dict[tuple[str, frozenset[Any]], float], name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(
        value
        for (sample, sample_labels), value in samples.items()
        if sample == name and wanted <= sample_labels
    )


async def test_metrics_of_both_instances_count_what_the_run_did(tmp_path: Path) -> None:
    async with two_instances(tmp_path) as practice:
        api = practice.api
        await sign_up(api, practice.a)  # round robin: the steps alternate between the two
        update_id, _ = practice.delivery.delivered[0]
        first = start_again(update_id)
        async with aiohttp.ClientSession() as http:
            # The first update once more, to both: each skips it and counts it as repeated.
            assert [await post(http, url, first) for url in practice.urls] == [200, 200]
            delivered = len(practice.delivery.delivered)

            async def counted() -> tuple[list[dict[Any, float]], float] | None:
                samples = [await scrape(http, site) for site in practice.sites]
                handled = sum(
                    total(each, "bot_updates_total", outcome="handled") for each in samples
                )
                again = sum(
                    total(each, "bot_updates_total", outcome="repeated") for each in samples
                )
                return (samples, handled) if handled == delivered and again == 2 else None

            async with asyncio.timeout(STEP_TIMEOUT):
                while True:
                    found = await counted()
                    if found is not None:
                        break
                    await asyncio.sleep(0.2)
        samples, handled = found
        sends = sum(1 for call in api.calls if call.method == "sendMessage")
        # Every update was counted once, by the instance that handled it: usually the one
        # it was delivered to, or the one that had the person's previous update in hand
        # (the inbox gives it the person's next one as it finishes).
        per_instance = [total(each, "bot_updates_total", outcome="handled") for each in samples]
        assert sum(per_instance) == delivered and max(per_instance) < delivered, per_instance
        assert handled == delivered
        latency = sum(total(each, "bot_handler_duration_seconds_count") for each in samples)
        assert latency == delivered  # a repeated update reaches no handler
        requests = sum(
            total(each, "bot_api_requests_total", method="sendMessage", result="ok")
            for each in samples
        )
        assert requests == sends
        # Read from the one database: both show the demo catalogue's bookings alike.
        assert total(samples[0], "bot_bookings", status="confirmed") == total(
            samples[1], "bot_bookings", status="confirmed"
        )
        assert all(total(each, "bot_database_up") == 1 for each in samples)


# -- readiness while the database is down ----------------------------------------------


@dataclass
class OwnPostgres:
    """A PostgreSQL server of the test's own (Debian's binaries), to stop and start again
    without touching the suite's shared one."""

    bin: Path
    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    async def run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        process = await asyncio.create_subprocess_exec(
            *command, cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, error = await process.communicate()
        assert process.returncode == 0, f"{program}: {error.decode(errors='replace')}"

    async def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "log")
        await self.run(
            "pg_ctl", "-D", str(self.root / "data"), "-o", options, "-l", log, "-w", "start"
        )

    async def stop(self) -> None:
        await self.run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")


def postgres_bin() -> Path | None:
    """The newest of Debian's PostgreSQL versions installed."""
    found = [
        pg_ctl.parent
        for pg_ctl in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")
        if pg_ctl.parent.parent.name.isdigit()
    ]
    return max(found, key=lambda path: int(path.parent.name)) if found else None


@contextlib.asynccontextmanager
async def own_postgres() -> AsyncIterator[OwnPostgres]:
    binaries = postgres_bin()
    if binaries is None:
        pytest.skip("no PostgreSQL binaries under /usr/lib/postgresql to start a server")
    root = Path(tempfile.mkdtemp(prefix="bot-own-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    server = OwnPostgres(binaries, root, free_port())
    try:
        await server.run("initdb", "-D", str(root / "data"), "-U", "postgres", "-A", "trust")
        await server.start()
        yield server
    finally:
        with contextlib.suppress(AssertionError):
            await server.stop()
        shutil.rmtree(root, ignore_errors=True)


async def readiness(http: aiohttp.ClientSession, site: str) -> tuple[int, str]:
    async with http.get(f"{site}/readyz") as answer:
        return answer.status, await answer.text()


async def until_ready_is(
    http: aiohttp.ClientSession, practice: Practice, status: int
) -> list[tuple[int, str]]:
    """Polls both instances' /readyz until each answers `status`."""
    async with asyncio.timeout(STEP_TIMEOUT):
        while True:
            answers = [await readiness(http, site) for site in practice.sites]
            if all(code == status for code, _ in answers):
                return answers
            await asyncio.sleep(0.2)


async def test_readyz_is_503_while_the_database_is_stopped_and_200_when_it_is_back(
    tmp_path: Path,
) -> None:
    async with own_postgres() as server, two_instances(tmp_path, server.url) as practice:
        async with aiohttp.ClientSession() as http:
            assert [code for code, _ in await until_ready_is(http, practice, 200)] == [200, 200]
            await server.stop()
            down = await practice.a.until(until_ready_is(http, practice, 503))
            assert all("database" in text for _, text in down), down
            # Alive all the while: a load balancer takes them out, nobody restarts them.
            for site in practice.sites:
                async with http.get(f"{site}/healthz") as answer:
                    assert answer.status == 200
            await server.start()
            await practice.a.until(until_ready_is(http, practice, 200))
        assert practice.a.process.returncode is None and practice.b.process.returncode is None
        # And they work again: a new person is greeted, by either instance.
        await type_text(
            practice.api,
            practice.b,
            "/start",
            expect=lambda sent: "Вы согласны" in (sent.text or ""),
        )


# -- a broadcast and reminders together ------------------------------------------------

RATE = 4  # SEND_RATE_PER_SECOND of both instances: the shared overall limit
CLIENTS = [USER_ID + 100 + n for n in range(12)]
NEWS = "Новости практики: открыта запись на январь"
# Redis keeps the window on its clock, the test reads arrivals on its own, and a loaded
# machine delays a send after its turn (see tests/test_pace.py).
SLACK = 0.25


async def clients_with_due_reminders(database_url: str, *, reminders: bool) -> None:
    """CLIENTS, each with a session tomorrow; with `reminders`, its day-before reminder
    falls due now (written while both instances run)."""
    engine = create_engine(database_url)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        async with create_sessionmaker(engine)() as session:
            if not reminders:
                for chat_id in CLIENTS:
                    client = User(
                        telegram_id=chat_id,
                        first_name="Клиент",
                        language="ru",
                        timezone="Europe/Moscow",
                        consent_at=now,
                        created_at=now,
                    )
                    # A therapist each: the sessions are at one time.
                    therapist = Therapist(
                        name_ru="Ирина Соколова",
                        name_en="Irina Sokolova",
                        gender="female",
                        price=3000,
                        session_minutes=50,
                        timezone="Europe/Moscow",
                        created_at=now,
                    )
                    session.add_all([client, therapist])
                    await session.flush()
                    starts = now + timedelta(hours=24) - timedelta(seconds=30)
                    session.add(
                        Booking(
                            client_id=client.id,
                            therapist_id=therapist.id,
                            starts_at=starts,
                            ends_at=starts + timedelta(minutes=50),
                            status="confirmed",
                            format="individual",
                            price=3000,
                            created_at=now,
                            confirmed_at=now,
                        )
                    )
            else:
                kind = kind_for(CLIENT, timedelta(hours=24))
                for booking in await session.scalars(
                    select(Booking)
                    .join(User, User.id == Booking.client_id)
                    .where(User.telegram_id.in_(CLIENTS))
                ):
                    session.add(
                        Reminder(
                            booking_id=booking.id,
                            kind=kind,
                            due_at=booking.starts_at - timedelta(hours=24),
                        )
                    )
            await session.commit()
    finally:
        await engine.dispose()


def sent_reminders(log: str) -> int:
    return sum(int(count) for count in re.findall(r"reminders: (\d+) sent", log))


async def test_a_broadcast_and_both_instances_reminders_keep_the_limits_together(
    tmp_path: Path,
) -> None:
    async with two_instances(
        tmp_path,
        ADMIN_IDS=str(USER_ID),
        SEND_RATE_PER_SECOND=str(RATE),
        SEND_RATE_PER_CHAT_SECONDS="1",
        REMINDER_POLL_SECONDS="1",
    ) as practice:
        api, a = practice.api, practice.a
        await clients_with_due_reminders(practice.database_url, reminders=False)
        practice.delivery.pinned = 0  # the admin's dialog: instance a
        await type_text(api, a, "/broadcast")
        await type_text(api, a, NEWS, expect=lambda sent: "Кому отправить" in (sent.text or ""))
        await press(api, a, "Всем клиентам", expect=lambda sent: "Получателей" in (sent.text or ""))
        mark = len(api.sent)
        # The reminders fall due now: both instances' reminder jobs (polled every second)
        # take them while the broadcast goes out from a.
        await clients_with_due_reminders(practice.database_url, reminders=True)
        await press(api, a, "Отправить")
        done = await a.until(
            api.wait_for(
                lambda sent: "Рассылка завершена" in (sent.text or ""),
                timeout=STEP_TIMEOUT,
                since=mark,
            )
        )
        await api.wait_until(
            lambda: True if sent_reminders(practice.logs) == len(CLIENTS) else None,
            timeout=STEP_TIMEOUT,
            what="every reminder sent",
        )
        logs = [practice.a.log, practice.b.log]

    # Every message delivered, once: each client has the news and their reminder.
    assert f"Доставлено: {len(CLIENTS)}" in (done.text or ""), done.describe()
    paced = [sent for sent in api.sent[mark:] if sent.chat_id in CLIENTS]
    for chat_id in CLIENTS:
        texts = [sent.text or "" for sent in paced if sent.chat_id == chat_id]
        assert sum(NEWS in text for text in texts) == 1, (chat_id, texts)
        assert sum("Напоминание о сессии" in text for text in texts) == 1, (chat_id, texts)
    assert len(paced) == 2 * len(CLIENTS), [sent.describe() for sent in paced]
    # Both instances sent reminders.
    assert all(sent_reminders(log) > 0 for log in logs), [sent_reminders(log) for log in logs]
    # Together never above the overall rate in any second, never two to a chat in a second.
    moments = sorted(sent.at for sent in paced)
    for i, start in enumerate(moments):
        within_a_second = [at for at in moments[i:] if at - start < 1 - SLACK]
        assert len(within_a_second) <= RATE, (start, within_a_second)
    for chat_id in CLIENTS:
        arrivals = sorted(sent.at for sent in paced if sent.chat_id == chat_id)
        gaps = [later - earlier for earlier, later in pairwise(arrivals)]
        assert min(gaps) >= 1 - SLACK, (chat_id, gaps)
