"""The inbox with real `run_bot.py` processes and the local fake Bot API: nothing Telegram
handed over is lost when a process is stopped or killed, nothing is handled twice, one
person's updates keep their order across instances, and instances starting together all
come up. The polling and single-webhook tests run on SQLite; the ones with several
instances need PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL), as CI starts
them."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.sandbox import personas
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.models import InboxUpdate, Payment
from tests.fake_bot_api import FakeBotApi, Sent
from tests.test_instances import (
    DATABASE_URL,
    REDIS_URL,
    SECRET,
    fresh_database,
    post,
    ready,
    two_instances,
)
from tests.test_process import (
    STARTUP_TIMEOUT,
    STEP_TIMEOUT,
    USER_ID,
    BotProcess,
    bot_env,
    is_day,
    is_time,
    press,
    run_bot,
    sign_up,
)
from tests.test_web import free_port

needs_instances = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql") or not REDIS_URL,
    reason="several instances need PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL)",
)
HELP = "Что я умею"


def helps(api: FakeBotApi, person: int) -> int:
    return sum(1 for sent in api.sent if sent.chat_id == person and HELP in (sent.text or ""))


async def stopped(bot: BotProcess) -> str:
    """SIGTERM; the process's log once it has exited (cleanly, or the test fails)."""
    bot.process.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(bot.process.wait(), STEP_TIMEOUT)
    log = bot.log
    assert code == 0, f"exit code {code} on SIGTERM\n{log}"
    assert "Traceback" not in log, log
    return log


async def test_polling_stopped_mid_work_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    """20 messages from one person (handled one at a time, in order), Telegram slow to
    take the answers: SIGTERM after a few. The one in hand finishes, the process exits 0,
    and the next start answers the rest: 20 answers, none twice."""
    async with FakeBotApi() as api:
        api.slow["sendmessage"] = 0.3
        env = bot_env(tmp_path, TELEGRAM_API_URL=api.url)
        async with run_bot(env, tmp_path) as first:
            await first.until(api.wait_for_call("getUpdates", timeout=STARTUP_TIMEOUT))
            for _ in range(20):
                api.push_message(USER_ID, "/help")
            await first.until(
                api.wait_until(
                    lambda: True if helps(api, USER_ID) >= 5 else None,
                    timeout=STEP_TIMEOUT,
                    what="five answers",
                )
            )
            log = await stopped(first)
        before = helps(api, USER_ID)
        assert 5 <= before < 20, f"{before} answered before the restart\n{log}"
        assert "handed back" not in log  # the one in hand finished within the grace period
        (tmp_path / "bot.log").rename(tmp_path / "first.log")
        async with run_bot(env, tmp_path) as second:
            await second.until(
                api.wait_until(
                    lambda: True if helps(api, USER_ID) >= 20 else None,
                    timeout=STEP_TIMEOUT,
                    what="all twenty answers",
                )
            )
            await asyncio.sleep(1.0)  # nothing more comes
            await stopped(second)
    assert helps(api, USER_ID) == 20


async def deliver_until_taken(
    http: aiohttp.ClientSession, url: str, update: dict[str, Any], attempts: int = 600
) -> None:
    """Telegram's side of a webhook: the same update again until it is answered 200 (a
    stopped instance refuses connections; the restarted one takes it)."""
    for _ in range(attempts):
        if await post(http, url, update) == 200:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"update {update['update_id']} was never taken")


async def test_a_webhook_stopped_mid_work_loses_nothing_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhook"
    async with FakeBotApi() as api, aiohttp.ClientSession() as http:
        api.slow["sendmessage"] = 0.3
        env = bot_env(
            tmp_path,
            TELEGRAM_API_URL=api.url,
            WEBHOOK_URL="https://bot.example.org",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_HOST="127.0.0.1",
            WEBHOOK_PORT=str(port),
        )
        for _ in range(20):
            api.push_message(USER_ID, "/help")
        updates = [await api.next_update() for _ in range(20)]

        async def deliver_all() -> None:
            for update in updates:
                await deliver_until_taken(http, url, update)

        async with run_bot(env, tmp_path) as first:
            await first.until(ready(http, f"http://127.0.0.1:{port}/readyz"))
            delivering = asyncio.create_task(deliver_all())
            await first.until(
                api.wait_until(
                    lambda: True if helps(api, USER_ID) >= 5 else None,
                    timeout=STEP_TIMEOUT,
                    what="five answers",
                )
            )
            await stopped(first)
        before = helps(api, USER_ID)
        assert 5 <= before < 20, before
        (tmp_path / "bot.log").rename(tmp_path / "first.log")
        async with run_bot(env, tmp_path) as second:
            await second.until(delivering)
            await second.until(
                api.wait_until(
                    lambda: True if helps(api, USER_ID) >= 20 else None,
                    timeout=STEP_TIMEOUT,
                    what="all twenty answers",
                )
            )
            await asyncio.sleep(1.0)
            await stopped(second)
    assert helps(api, USER_ID) == 20


# -- several instances on PostgreSQL ---------------------------------------------------


async def count_rows(database_url: str, model: type[Any], *where: Any) -> int:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            query = select(func.count()).select_from(model)
            return int(await session.scalar(query.where(*where)) or 0)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def table_locked_for_writes(database_url: str, table: str) -> AsyncIterator[None]:
    """Writers to `table` wait (readers do not) until the block ends."""
    url = make_url(database_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    try:
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        try:
            yield
        finally:
            await transaction.rollback()
    finally:
        await connection.close()


async def waiting_for_lock(database_url: str, table: str) -> int:
    url = make_url(database_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    try:
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = $1::regclass",
                table,
            )
        )
    finally:
        await connection.close()


@needs_instances
async def test_an_instance_killed_while_it_records_a_payment_is_taken_over(
    tmp_path: Path,
) -> None:
    """Stars on. The instance handling `successful_payment` is killed while it writes the
    payment; after the lease the other instance handles the update: the payment is
    recorded once and the client told once."""
    async with two_instances(tmp_path, PAYMENT_CURRENCY="XTR", INBOX_LEASE_SECONDS="3") as practice:
        api, a, b = practice.api, practice.a, practice.b
        await sign_up(api, a)
        await press(api, a, is_day, expect=lambda sent: any(is_time(t) for t, _ in sent.buttons))
        await press(api, a, is_time, expect=lambda sent: sent.method == "sendMessage")
        invoice = await press(
            api, a, "Записаться", expect=lambda sent: sent.method == "sendInvoice"
        )
        practice.delivery.pinned = 0
        async with table_locked_for_writes(practice.database_url, "payments"):
            api.push_checkout(USER_ID, USER_ID, invoice.message_id or 0)

            for _ in range(int(STEP_TIMEOUT * 10)):
                if await waiting_for_lock(practice.database_url, "payments"):
                    break  # the payment's INSERT waits inside its handler
                await asyncio.sleep(0.1)
            else:
                pytest.fail(f"the payment was never being written\n{a.log}")
            a.process.send_signal(signal.SIGKILL)
            await a.process.wait()
        practice.delivery.pinned = 1
        confirmed = await b.until(
            api.wait_for(
                lambda sent: sent.chat_id == USER_ID and "Оплата получена" in (sent.text or ""),
                timeout=STEP_TIMEOUT,
            )
        )
        assert "запись подтверждена" in (confirmed.text or "")
        await asyncio.sleep(1.0)
        paid = sum(
            1
            for sent in api.sent
            if sent.chat_id == USER_ID
            and ("Оплата получена" in (sent.text or "") or "уже учтена" in (sent.text or ""))
        )
        assert paid == 1
        assert await count_rows(practice.database_url, Payment) == 1
        payment_rows = await count_rows(
            practice.database_url,
            InboxUpdate,
            InboxUpdate.kind == "message",
            InboxUpdate.attempts == 2,
            InboxUpdate.outcome == "done",
        )
        assert payment_rows == 1  # taken by the killed instance, then by the other


def greeting(update_id: int, person: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": person, "type": "private", "first_name": "Анна"},
            "from": {"id": person, "is_bot": False, "first_name": "Анна"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


@needs_instances
async def test_updates_delivered_four_times_to_two_instances_are_handled_once(
    tmp_path: Path,
) -> None:
    async with two_instances(tmp_path) as practice:
        api = practice.api
        people = range(710_001, 710_031)
        async with aiohttp.ClientSession() as http:
            for number, person in enumerate(people):
                update = greeting(950_000 + number, person)
                urls = [*practice.urls, *practice.urls]
                statuses = await asyncio.gather(*(post(http, url, update) for url in urls))
                assert statuses == [200, 200, 200, 200]

        def greeted() -> dict[int, int]:
            return {
                person: sum(
                    1
                    for sent in api.sent
                    if sent.chat_id == person and "Здравствуйте" in (sent.text or "")
                )
                for person in people
            }

        await practice.a.until(
            api.wait_until(
                lambda: True if all(greeted().values()) else None,
                timeout=STEP_TIMEOUT,
                what="every person greeted",
            )
        )
        await asyncio.sleep(1.0)
        assert set(greeted().values()) == {1}
        skipped = practice.logs.count("is in the inbox already: skipped")
        assert skipped == 30 * 3, skipped
        assert (
            await count_rows(practice.database_url, InboxUpdate, InboxUpdate.update_id >= 950_000)
            == 30
        )


async def seed_personas(database_url: str) -> None:
    """A therapist linked to a Telegram account and a client with a session booked with
    them (the sandbox's people), in a fresh database."""
    from bot.config import Settings

    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        settings = Settings(_env_file=None, database_url=database_url)
        await personas.seed(
            create_sessionmaker(engine),
            now=datetime.now(UTC),
            rules=settings.rules(),
            horizon_days=settings.booking_horizon_days,
            language="ru",
            timezone="Europe/Moscow",
        )
    finally:
        await engine.dispose()


def relayed_numbers(api: FakeBotApi) -> list[int]:
    return [
        int(found.group(1))
        for sent in api.sent
        if sent.chat_id == personas.THERAPIST_ID
        and (found := re.search(r"сообщение (\d+)", sent.text or "")) is not None
    ]


async def in_chat(api: FakeBotApi, bot: BotProcess, person: int, label: str, since: int) -> Sent:
    return await bot.until(
        api.wait_for(
            lambda sent: sent.chat_id == person and any(label in text for text, _ in sent.buttons),
            timeout=STEP_TIMEOUT,
            since=since,
        )
    )


@needs_instances
async def test_quick_messages_reach_the_therapist_in_order_across_two_instances(
    tmp_path: Path,
) -> None:
    client = personas.DEMO_CLIENT_ID
    async with fresh_database() as database_url:
        await seed_personas(database_url)
        async with two_instances(tmp_path, database_url) as practice:
            api, a = practice.api, practice.a
            mark = len(api.sent)
            api.push_message(client, "/my")
            cabinet = await in_chat(api, a, client, "Написать терапевту", mark)
            mark = len(api.sent)
            api.push_callback(
                client, cabinet.message_id or 0, cabinet.button("✉️ Написать терапевту")
            )
            await a.until(
                api.wait_for(lambda sent: sent.chat_id == client, timeout=STEP_TIMEOUT, since=mark)
            )
            sent_so_far = 0
            for _ in range(3):  # three runs of twelve
                for _ in range(12):
                    sent_so_far += 1
                    api.push_message(client, f"сообщение {sent_so_far:02d}")
                await a.until(
                    api.wait_until(
                        lambda count=sent_so_far: (
                            True if len(relayed_numbers(api)) >= count else None
                        ),
                        timeout=STEP_TIMEOUT,
                        what="the messages at the therapist",
                    )
                )
            targets = {target for _, target in practice.delivery.delivered}
    assert relayed_numbers(api) == list(range(1, 37))
    assert targets == {0, 1}  # both instances took their share


@needs_instances
async def test_three_instances_started_together_on_an_empty_database_all_come_up(
    tmp_path: Path,
) -> None:
    async with fresh_database() as database_url, FakeBotApi() as api:
        ports = [free_port() for _ in range(3)]
        async with contextlib.AsyncExitStack() as stack:
            bots = []
            for number, port in enumerate(ports):
                workdir = tmp_path / str(number)
                workdir.mkdir()
                env = bot_env(
                    workdir,
                    TELEGRAM_API_URL=api.url,
                    DATABASE_URL=database_url,
                    METRICS_PORT=str(port),
                    METRICS_HOST="127.0.0.1",
                )
                bots.append(await stack.enter_async_context(run_bot(env, workdir)))
            async with aiohttp.ClientSession() as http:
                for bot, port in zip(bots, ports, strict=True):
                    await bot.until(ready(http, f"http://127.0.0.1:{port}/readyz"))
            for bot in bots:
                assert bot.process.returncode is None, bot.log
                assert "Traceback" not in bot.log, bot.log
