"""The real `python run_bot.py` process against a fake Bot API server: migrations, polling,
the first steps of the conversation, and a clean shutdown on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from bot.config import Settings
from tests.fake_bot_api import FakeBotApi

RUN_BOT = Path(__file__).resolve().parent.parent / "run_bot.py"
USER_ID = 700001
T = TypeVar("T")

# Generous: a cold start imports everything and migrates a new database on a busy machine.
STARTUP_TIMEOUT = 120.0
STEP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


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
                    lambda sent: (
                        sent.chat_id == USER_ID and "Как к вам обращаться" in (sent.text or "")
                    ),
                    timeout=STEP_TIMEOUT,
                    since=mark,
                )
            )

    log = bot.log
    assert bot.process.returncode == 0, f"no clean exit on SIGTERM\n{log}"
    assert "Traceback" not in log, log


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
