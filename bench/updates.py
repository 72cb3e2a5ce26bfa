"""Cost per update: the bot's real process (`python run_bot.py`, SQLite, the demo
catalogue) paging through therapist cards, against a bare aiogram bot that only answers
callback queries (`bench/bare_bot.py`), both polling the same local fake Bot API
(`tests/fake_bot_api.py`, one server for each token) in one run, rounds alternating.

`BENCH_UPDATE_CLIENTS` people (default 40) each have a card on screen. A press is ▶ (or
◀ on the second card); it is done when it is answered (and, by the bot, the card edited
in place: the next therapist's photo, caption and times). Two ways: one press at a time
(`BENCH_UPDATES_ONE_AT_A_TIME` presses, default 300, by the people in turn: the cost of
one update, the goal's measure), and everyone at once (`BENCH_UPDATE_ROUNDS` rounds,
default 15: what the process does under load). Before each round of everyone, the
benchmark waits as long as the bot's flood guard lets a person send one update, so the
guard's waiting is not counted; one at a time, a person whose last press was less than
that pause ago waits for it first, uncounted too (the guard would hold the press back for
as long, and that is no cost of the update). With TEST_REDIS_URL set, the bot runs a
second time with REDIS_URL (conversation state and the outgoing limit in Redis, as in
production). Reports updates a second for each bot and the ratio (the goal: the bot costs
at most 3× the bare bot)."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from functools import partial
from typing import Any

from bench.chat import ROOT, Person, bot_env, process, run_command, until
from bench.results import record, row
from bot.config import Settings
from tests.fake_bot_api import FakeBotApi

DATA = ROOT / "data" / "bench" / "updates"
CLIENTS = int(os.environ.get("BENCH_UPDATE_CLIENTS", "40"))
ROUNDS = int(os.environ.get("BENCH_UPDATE_ROUNDS", "15"))
ONE_AT_A_TIME = int(os.environ.get("BENCH_UPDATES_ONE_AT_A_TIME", "300"))
WIDTHS = (14, 13, 7, 7, 8, 11, 7)


def polling(api: FakeBotApi) -> bool:
    return any(call.method == "getUpdates" for call in api.calls)


def count(api: FakeBotApi, mark: int, *methods: str) -> int:
    return sum(call.method in methods for call in api.calls[mark:])


EDITS = ("editMessageMedia", "editMessageCaption", "editMessageText", "editMessageReplyMarkup")


async def measure_setup(setup: str, extra: dict[str, str]) -> list[dict[str, Any]]:
    """Both bots, on a fresh demo catalogue; the bot with `extra` settings."""
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    settings = Settings(_env_file=None)
    pause = settings.throttle_period_seconds / settings.throttle_rate
    url = f"sqlite+aiosqlite:///{DATA / 'bot.sqlite3'}"
    async with FakeBotApi() as api, FakeBotApi() as bare_api:
        env = bot_env(url, api.url, **extra)
        await run_command(env, DATA, "demo")
        bare_env = bot_env(url, bare_api.url)
        async with (
            process(env, DATA) as bot,
            process(bare_env, DATA, str(ROOT / "bench" / "bare_bot.py")) as bare,
        ):
            for label, fake in (("bot", api), ("bare bot", bare_api)):
                await until(partial(polling, fake), f"{label} polling")
            people = [Person(api, 800_000 + number) for number in range(CLIENTS)]
            cards = await asyncio.gather(*(person.sign_up() for person in people))
            pages: list[tuple[Person, int, str]] = []
            for person, card in zip(people, cards, strict=True):
                forward = next(
                    (data for _, data in card.buttons if data and data.startswith("cp:")), None
                )
                if forward is None or card.message_id is None:
                    raise AssertionError(f"no ▶ on the first card: {card.describe()}")
                pages.append((person, card.message_id, forward.rsplit(":", 1)[0]))
                key = (person.user_id, card.message_id)
                bare_api.messages[key] = api.messages[key]

            shown = {person.user_id: 0 for person, _, _ in pages}  # the card each one sees
            pressed: dict[int, float] = {}  # when each one last pressed

            async def burst(fake: FakeBotApi, group: list[tuple[Person, int, str]]) -> float:
                """Each in `group` presses ▶ (or ◀ on the second card) at once; the time
                until every press is answered (and, by the bot, every card edited)."""
                mark = len(fake.calls)
                started = time.perf_counter()
                for person, message_id, prefix in group:
                    index = 1 - shown[person.user_id]
                    fake.push_callback(person.user_id, message_id, f"{prefix}:{index}")
                edits = len(group) if fake is api else 0
                await until(
                    lambda: (
                        count(fake, mark, "answerCallbackQuery") >= len(group)
                        and count(fake, mark, *EDITS) >= edits
                    ),
                    "answers",
                    every=0.0005,
                )
                return time.perf_counter() - started

            async def measure(size: int, rounds: int) -> dict[str, float]:
                took = {"bot": 0.0, "bare": 0.0}
                for number in range(rounds + 1):  # round 0 warms up
                    start = number * size % len(pages)
                    group = (pages * 2)[start : start + size]
                    if size > 1:
                        await asyncio.sleep(pause)
                    else:
                        # One at a time, the people take turns; a person who pressed
                        # less than the flood guard's pause ago waits (not counted).
                        person = group[0][0]
                        since = time.perf_counter() - pressed.get(person.user_id, -pause)
                        if since < pause:
                            await asyncio.sleep(pause - since)
                    order = [("bot", api), ("bare", bare_api)]
                    for label, fake in order if number % 2 else order[::-1]:
                        took_now = await burst(fake, group)
                        if number:
                            took[label] += took_now
                    for person, _, _ in group:
                        shown[person.user_id] = 1 - shown[person.user_id]
                        pressed[person.user_id] = time.perf_counter()
                return took

            results = []
            for mode, size, rounds in (
                ("one at a time", 1, ONE_AT_A_TIME),
                ("all at once", CLIENTS, ROUNDS),
            ):
                took = await measure(size, rounds)
                updates = size * rounds
                results.append(
                    {
                        "setup": setup,
                        "mode": mode,
                        "clients": size,
                        "updates": updates,
                        "bot_updates_per_second": round(updates / took["bot"], 1),
                        "bare_updates_per_second": round(updates / took["bare"], 1),
                        "ratio": round(took["bot"] / took["bare"], 2),
                    }
                )
            for child, label in ((bot, "bot"), (bare, "bare bot")):
                if child.returncode is not None:
                    raise AssertionError(f"the {label} exited with {child.returncode}")
    log = (DATA / "run_bot.log").read_text(encoding="utf-8", errors="replace")
    if "Traceback" in log:
        raise AssertionError(f"the bot failed:\n{log}")
    return results


async def run() -> list[dict[str, Any]]:
    setups: list[tuple[str, dict[str, str]]] = [("SQLite", {})]
    redis_url = os.environ.get("TEST_REDIS_URL", "")
    if redis_url:
        setups.append(("SQLite + Redis", {"REDIS_URL": redis_url}))
    results = []
    for setup, extra in setups:
        if extra:
            from redis.asyncio import Redis

            redis = Redis.from_url(redis_url)
            await redis.flushdb()
            await redis.aclose()
        results += await measure_setup(setup, extra)
    print(row(("setup", "presses", "clients", "updates", "bot /s", "bare bot /s", "ratio"), WIDTHS))
    for figures in results:
        print(
            row(
                (
                    figures["setup"],
                    figures["mode"],
                    figures["clients"],
                    figures["updates"],
                    figures["bot_updates_per_second"],
                    figures["bare_updates_per_second"],
                    f"{figures['ratio']}×",
                ),
                WIDTHS,
            )
        )
    record("updates", results)
    return results


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
