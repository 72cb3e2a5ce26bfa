"""Driving the bot's real process from a benchmark: the process itself (`python
run_bot.py` on its own database, against a local fake Bot API), and people who talk to it
there, several at once, each in their own private chat."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from bot.config import Settings
from tests.fake_bot_api import FakeBotApi, Sent

ROOT = Path(__file__).resolve().parent.parent
RUN_BOT = ROOT / "run_bot.py"
STEP_TIMEOUT = 60.0
STARTUP_TIMEOUT = 120.0


def bot_env(database_url: str, api_url: str, **values: str) -> dict[str, str]:
    """This environment without any of the bot's settings (no `.env` is read either: the
    process runs in its own directory), plus the database, the fake Bot API and `values`."""
    env = {
        key: value for key, value in os.environ.items() if key.lower() not in Settings.model_fields
    }
    env.update(
        BOT_TOKEN="123456:BENCH",
        DATABASE_URL=database_url,
        TELEGRAM_API_URL=api_url,
        LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
    )
    env.update(values)
    return env


async def run_command(env: dict[str, str], workdir: Path, *args: str) -> str:
    """`python run_bot.py <args>` to the end; its output (raises when it fails)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(RUN_BOT),
        *args,
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), STARTUP_TIMEOUT)
    text = output.decode("utf-8", errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"run_bot.py {' '.join(args)} failed:\n{text}")
    return text


@contextlib.asynccontextmanager
async def process(
    env: dict[str, str], workdir: Path, *command: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A process (`python run_bot.py` unless `command` says otherwise) running until the
    block ends; its output goes to `workdir/<name>.log`."""
    argv = list(command) or [str(RUN_BOT)]
    log_path = workdir / f"{Path(argv[-1]).stem}.log"
    with log_path.open("wb") as log:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            *argv,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield child
    finally:
        if child.returncode is None:
            child.terminate()
            try:
                await asyncio.wait_for(child.wait(), 10)
            except TimeoutError:
                child.kill()
                await child.wait()


async def until(
    check: Callable[[], bool], what: str, *, every: float = 0.02, limit: float = STEP_TIMEOUT
) -> None:
    """Wait for `check` to hold, looking `every` seconds (often, where the wait is timed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not check():
        if loop.time() > deadline:
            raise TimeoutError(f"no {what} within {limit:g} s")
        await asyncio.sleep(every)


class Person:
    """Someone writing to the bot in their private chat."""

    def __init__(self, api: FakeBotApi, user_id: int) -> None:
        self.api = api
        self.user_id = user_id

    def screen(self) -> list[Sent]:
        """Their chat as it is now: the latest record of each message not deleted."""
        latest: dict[int, Sent] = {}
        for sent in self.api.sent:
            if (
                sent.chat_id == self.user_id
                and sent.message_id is not None
                and (self.user_id, sent.message_id) in self.api.messages
            ):
                latest[sent.message_id] = sent
        return [latest[message_id] for message_id in sorted(latest)]

    async def _reply(self, mark: int, expect: Callable[[Sent], bool] | None) -> Sent:
        found: list[Sent] = []

        def arrived() -> bool:
            for sent in self.api.sent[mark:]:
                if sent.chat_id == self.user_id and (expect is None or expect(sent)):
                    found.append(sent)
                    return True
            return False

        await until(arrived, f"answer to {self.user_id}")
        return found[0]

    async def say(self, text: str, expect: Callable[[Sent], bool] | None = None) -> Sent:
        mark = len(self.api.sent)
        self.api.push_message(self.user_id, text)
        return await self._reply(mark, expect)

    async def tap(self, label: str, expect: Callable[[Sent], bool] | None = None) -> Sent:
        """Press the button whose text contains `label` (the exact label first) in the
        latest message that has one."""
        choice: list[tuple[int, str]] = []

        def shown() -> bool:
            for message in reversed(self.screen()):
                labels = [(text, data) for text, data in message.buttons if data and label in text]
                labels.sort(key=lambda each: each[0] != label)
                if labels and message.message_id is not None:
                    choice.append((message.message_id, str(labels[0][1])))
                    return True
            return False

        await until(shown, f"button {label!r} for {self.user_id}")
        mark = len(self.api.sent)
        self.api.push_callback(self.user_id, *choice[0])
        return await self._reply(mark, expect)

    async def sign_up(self) -> Sent:
        """From /start through the questionnaire (any day, time, therapist and budget) to
        the first matched card, which it returns."""
        await self.say("/start", lambda sent: "Вы согласны" in (sent.text or ""))
        await self.tap("Согласен")
        await self.say("30")
        for answer in ("Да", "Индивидуальная", "Тревога", "Готово", "Не важно", "Любые дни"):
            await self.tap(answer)
        await self.tap("Любое время")
        await self.tap("Не важно")
        return await self.tap("Всё верно", lambda sent: sent.method == "sendPhoto")
