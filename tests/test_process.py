"""The real `python run_bot.py` process against a fake Bot API server: migrations, polling,
the conversation from /start to a booked session, a reminder before it, and a clean
shutdown on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import icalendar
import pytest

from bot.config import Settings
from db.engine import create_engine, create_sessionmaker
from db.models import Slot, Therapist
from tests.fake_bot_api import FakeBotApi, Sent

RUN_BOT = Path(__file__).resolve().parent.parent / "run_bot.py"
USER_ID = 700001
THERAPIST_ID = 700002
MEETING_LINK = "https://meet.example.org/vera"
# When the reminder test's reminders fall due, counted from just before it books: enough
# to book on a busy machine, short enough to wait for.
REMINDER_LEAD = timedelta(seconds=20)
T = TypeVar("T")

# Generous: a cold start imports everything and migrates a new database on a busy machine.
STARTUP_TIMEOUT = 120.0
STEP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

# A button to press: a label the button's text contains, or a test of that text.
Button = str | Callable[[str], bool]


def bot_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The current environment without any of the bot's settings, plus `values`, so that
    neither the caller's shell nor a `.env` (the process runs in tmp_path) can change
    the result."""
    env = {
        key: value for key, value in os.environ.items() if key.lower() not in Settings.model_fields
    }
    env.update(
        BOT_TOKEN="123456:TEST",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        LOG_LEVEL="INFO",
    )
    env.update(values)
    return env


class BotProcess:
    def __init__(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def until(self, step: Awaitable[T]) -> T:
        """Await a step of the conversation; fail with the bot's log if the step fails or
        the process exits first."""
        waiting = asyncio.ensure_future(step)
        exited = asyncio.ensure_future(self.process.wait())
        await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
        exited.cancel()
        if not waiting.done():
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            pytest.fail(f"the bot exited with code {self.process.returncode}\n{self.log}")
        try:
            return waiting.result()
        except AssertionError as error:
            pytest.fail(f"{error}\n\nbot log:\n{self.log}")

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


@asynccontextmanager
async def run_bot(env: dict[str, str], workdir: Path) -> AsyncIterator[BotProcess]:
    log_path = workdir / "bot.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(RUN_BOT),
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    bot = BotProcess(process, log_path)
    try:
        yield bot
    finally:
        await bot.stop()


async def load_demo(env: dict[str, str], workdir: Path) -> None:
    """`python run_bot.py demo`: migrate the database and fill the catalogue."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(RUN_BOT),
        "demo",
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), STARTUP_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"`run_bot.py demo` did not finish within {STARTUP_TIMEOUT:g} s")
    log = output.decode("utf-8", errors="replace")
    assert process.returncode == 0, log
    assert "Traceback" not in log, log


def on_screen(api: FakeBotApi) -> list[Sent]:
    """The person's chat as it is now: the latest record of each message not deleted."""
    latest: dict[int, Sent] = {}
    for sent in api.sent:
        if (
            sent.chat_id == USER_ID
            and sent.message_id is not None
            and (USER_ID, sent.message_id) in api.messages
        ):
            latest[sent.message_id] = sent
    return [latest[message_id] for message_id in sorted(latest)]


def is_day(text: str) -> bool:
    """A day button on a card, like "Пн 5 мая"."""
    return re.fullmatch(r"\w+ \d{1,2} \w+", text) is not None


def is_time(text: str) -> bool:
    return re.fullmatch(r"\d{2}:\d{2}", text) is not None


async def press(
    api: FakeBotApi,
    bot: BotProcess,
    button: Button,
    *,
    expect: Callable[[Sent], bool] | None = None,
) -> Sent:
    """Press `button` in the last message that has it now and return the bot's next
    message or edit in the chat (the first that passes `expect`, when given)."""
    name = button if isinstance(button, str) else button.__name__

    def fits(text: str) -> bool:
        return button in text if isinstance(button, str) else button(text)

    def find() -> tuple[Sent, str] | None:
        for message in reversed(on_screen(api)):
            labels = [(text, data) for text, data in message.buttons if data and fits(text)]
            # The exact label before a longer one that contains it ("Да" before "Да, Анна").
            labels.sort(key=lambda label: label[0] != button)
            if labels:
                return message, str(labels[0][1])
        return None

    message, data = await bot.until(
        api.wait_until(find, timeout=STEP_TIMEOUT, what=f"button {name!r} in the chat")
    )
    mark = len(api.sent)
    api.push_callback(USER_ID, message.message_id or 0, data)
    return await bot.until(
        api.wait_for(
            lambda sent: sent.chat_id == USER_ID and (expect is None or expect(sent)),
            timeout=STEP_TIMEOUT,
            since=mark,
        )
    )


async def type_text(
    api: FakeBotApi,
    bot: BotProcess,
    text: str,
    *,
    expect: Callable[[Sent], bool] | None = None,
) -> Sent:
    """The person writes `text`; the bot's next message or edit in the chat (the first
    that passes `expect`, when given)."""
    mark = len(api.sent)
    api.push_message(USER_ID, text)
    return await bot.until(
        api.wait_for(
            lambda sent: sent.chat_id == USER_ID and (expect is None or expect(sent)),
            timeout=STEP_TIMEOUT,
            since=mark,
        )
    )


async def sign_up(api: FakeBotApi, bot: BotProcess) -> None:
    """From /start through the summary (the matched cards follow): any day, any time, any
    therapist, any budget."""
    await type_text(api, bot, "/start", expect=lambda sent: "Вы согласны" in (sent.text or ""))
    await press(api, bot, "Согласен")
    await type_text(api, bot, "30")
    await press(api, bot, "Да")
    await press(api, bot, "Индивидуальная")
    await press(api, bot, "Тревога")
    for answer in ("Готово", "Не важно", "Любые дни", "Любое время", "Не важно"):
        await press(api, bot, answer)
    await press(api, bot, "Всё верно")


async def test_start_consent_and_first_question(tmp_path: Path) -> None:
    async with FakeBotApi() as api:
        env = bot_env(tmp_path, TELEGRAM_API_URL=api.url)
        async with run_bot(env, tmp_path) as bot:
            await bot.until(api.wait_for_call("getUpdates", timeout=STARTUP_TIMEOUT))

            api.push_message(USER_ID, "/start")
            consent = await bot.until(
                api.wait_for(
                    lambda sent: sent.chat_id == USER_ID and "Вы согласны" in (sent.text or ""),
                    timeout=STEP_TIMEOUT,
                )
            )

            mark = len(api.sent)
            api.push_callback(USER_ID, consent.message_id or 0, consent.button("Согласен"))
            await bot.until(
                api.wait_for(
                    lambda sent: sent.chat_id == USER_ID and "Сколько вам лет" in (sent.text or ""),
                    timeout=STEP_TIMEOUT,
                    since=mark,
                )
            )

    log = bot.log
    assert bot.process.returncode == 0, f"no clean exit on SIGTERM\n{log}"
    assert "Traceback" not in log, log


async def test_sign_up_find_a_therapist_and_book_with_the_demo_catalogue(
    tmp_path: Path,
) -> None:
    async with FakeBotApi() as api:
        env = bot_env(tmp_path, TELEGRAM_API_URL=api.url)
        await load_demo(env, tmp_path)
        async with run_bot(env, tmp_path) as bot:
            await bot.until(api.wait_for_call("getUpdates", timeout=STARTUP_TIMEOUT))

            await sign_up(api, bot)
            # The matched cards come right after the summary.
            card = await bot.until(
                api.wait_for(lambda sent: sent.method == "sendPhoto", timeout=STEP_TIMEOUT)
            )
            assert str(card.params["photo"]).startswith("attach://"), card.params
            assert card.file_bytes, "the card's photo was not uploaded"
            assert any(is_day(text) for text, _ in card.buttons), card.describe()

            await press(
                api,
                bot,
                is_day,
                expect=lambda sent: (
                    sent.message_id == card.message_id
                    and sent.method.startswith("edit")
                    and any(is_time(text) for text, _ in sent.buttons)
                ),
            )
            confirm = await press(
                api, bot, is_time, expect=lambda sent: sent.method == "sendMessage"
            )
            assert any("Записаться" in text for text, _ in confirm.buttons), confirm.describe()

            mark = len(api.sent)
            await press(
                api, bot, "Записаться", expect=lambda sent: "Вы записаны" in (sent.text or "")
            )
            ics = await bot.until(
                api.wait_for(
                    lambda sent: sent.chat_id == USER_ID and sent.method == "sendDocument",
                    timeout=STEP_TIMEOUT,
                    since=mark,
                )
            )

    assert ics.file_name == "session.ics", ics.describe()
    assert ics.file_bytes is not None
    calendar = icalendar.Calendar.from_ical(ics.file_bytes)
    events = calendar.walk("VEVENT")
    assert len(events) == 1, ics.file_bytes
    assert events[0].get("DTSTART") is not None, ics.file_bytes

    log = bot.log
    assert bot.process.returncode == 0, f"no clean exit on SIGTERM\n{log}"
    assert "Traceback" not in log, log


async def add_therapist_with_slot(database_url: str, starts_at: datetime) -> None:
    """One therapist with a meeting link and one free slot, written into the running bot's
    database (it is migrated by then)."""
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            therapist = Therapist(
                name_ru="Вера Лебедева",
                name_en="Vera Lebedeva",
                gender="female",
                price=3000,
                session_minutes=50,
                timezone="Europe/Moscow",
                telegram_id=THERAPIST_ID,
                meeting_link=MEETING_LINK,
                created_at=datetime.now(UTC),
            )
            session.add(therapist)
            await session.flush()
            session.add(
                Slot(
                    therapist_id=therapist.id,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=50),
                    status="free",
                )
            )
            await session.commit()
    finally:
        await engine.dispose()


async def test_a_reminder_arrives_before_a_session_booked_minutes_ahead(tmp_path: Path) -> None:
    offset = timedelta(minutes=2)
    async with FakeBotApi() as api:
        env = bot_env(
            tmp_path,
            TELEGRAM_API_URL=api.url,
            MIN_BOOKING_NOTICE_HOURS="0",
            REMINDERS_BEFORE="2m",
            THERAPIST_REMINDERS_BEFORE="2m",
            REMINDER_POLL_SECONDS="1",
        )
        async with run_bot(env, tmp_path) as bot:
            await bot.until(api.wait_for_call("getUpdates", timeout=STARTUP_TIMEOUT))
            await sign_up(api, bot)
            # The reminders fall due REMINDER_LEAD after now: time enough to book first.
            starts_at = datetime.now(UTC).replace(microsecond=0) + offset + REMINDER_LEAD
            await add_therapist_with_slot(env["DATABASE_URL"], starts_at)

            await type_text(
                api, bot, "/start", expect=lambda sent: "Главное меню" in (sent.text or "")
            )
            await press(api, bot, "Найти терапевта")
            await press(
                api, bot, is_day, expect=lambda sent: any(is_time(t) for t, _ in sent.buttons)
            )
            await press(api, bot, is_time, expect=lambda sent: sent.method == "sendMessage")
            mark = len(api.sent)
            await press(
                api, bot, "Записаться", expect=lambda sent: "Вы записаны" in (sent.text or "")
            )
            assert datetime.now(UTC) < starts_at - offset, "booked too late for the reminder"

            reminder = await bot.until(
                api.wait_for(
                    lambda sent: (
                        sent.chat_id == USER_ID and "Напоминание о сессии" in (sent.text or "")
                    ),
                    timeout=STEP_TIMEOUT,
                    since=mark,
                )
            )
            told = await bot.until(
                api.wait_for(
                    lambda sent: (
                        sent.chat_id == THERAPIST_ID and "Скоро сессия" in (sent.text or "")
                    ),
                    timeout=STEP_TIMEOUT,
                    since=mark,
                )
            )
            # The only reminder is both the first (buttons) and the last (the link).
            assert MEETING_LINK in (reminder.text or ""), reminder.describe()
            assert [text for text, _ in reminder.buttons] == [
                "✅ Буду",
                "🔁 Перенести",
                "✖ Отменить",
            ]
            await press(
                api, bot, "Буду", expect=lambda sent: sent.method == "editMessageReplyMarkup"
            )
            # Polled every second, each was still sent once.
            await asyncio.sleep(2)

    assert "Europe/Moscow" in (told.text or ""), told.describe()
    reminders = [
        sent
        for sent in api.sent
        if "Напоминание о сессии" in (sent.text or "") and sent.method == "sendMessage"
    ]
    assert len(reminders) == 1, api.report()
    log = bot.log
    assert bot.process.returncode == 0, f"no clean exit on SIGTERM\n{log}"
    assert "Traceback" not in log, log


async def test_one_persons_flood_does_not_hold_up_anybody_else(tmp_path: Path) -> None:
    """Throttled updates wait without taking one of the places updates share: another
    person's /help is answered while the flood is still being worked through."""
    flooder, other = USER_ID + 10, USER_ID + 11
    async with FakeBotApi() as api:
        env = bot_env(
            tmp_path, TELEGRAM_API_URL=api.url, THROTTLE_RATE="3", THROTTLE_PERIOD_SECONDS="1"
        )
        async with run_bot(env, tmp_path) as bot:
            await bot.until(api.wait_for_call("getUpdates", timeout=STARTUP_TIMEOUT))
            for _ in range(40):
                api.push_message(flooder, "/help")
            api.push_message(other, "/help")
            await bot.until(api.wait_for(lambda sent: sent.chat_id == other, timeout=STEP_TIMEOUT))
            # Were the flood to hold the places, 16 of it (41 - 25) would go first.
            answered = sum(1 for sent in api.sent if sent.chat_id == flooder)
            assert answered < 12, f"{answered} of the flood were answered first"
            # Nothing the flooder sent is lost: all 40 are answered in the end.
            await bot.until(
                api.wait_until(
                    lambda: sum(1 for sent in api.sent if sent.chat_id == flooder) >= 40 or None,
                    timeout=STEP_TIMEOUT,
                    what="every flooded /help answered",
                )
            )
    assert "Traceback" not in bot.log, bot.log


def test_exits_with_a_hint_when_the_token_is_missing(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(RUN_BOT)],
        cwd=tmp_path,
        env=bot_env(tmp_path, BOT_TOKEN=""),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
        check=False,
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert "BOT_TOKEN" in lines[0] and "@BotFather" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
