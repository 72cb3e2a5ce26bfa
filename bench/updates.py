"""Cost per update: the bot's real process (`python run_bot.py`, SQLite, the demo
catalogue) paging through therapist cards, against a bare aiogram bot that only answers
callback queries (`bench/bare_bot.py`), both polling the same local fake Bot API
(`tests/fake_bot_api.py`, one server for each token) in one run, rounds alternating.

`BENCH_UPDATE_CLIENTS` people (default 40) each have a card on screen; in a round each
presses the card's ▶ or ◀ at once and the round ends when every press has been answered
(the bot also edits each card in place: the next therapist's photo, caption and times).
Between rounds the benchmark waits as long as the bot's flood guard lets a person send
one update, so it measures the work of an update, not the guard's waiting. Reports
updates a second for each and the ratio (the goal: the bot costs at most 3× the bare
bot)."""

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
WIDTHS = (13, 7, 7, 8, 11, 7)


def polling(api: FakeBotApi) -> bool:
    return any(call.method == "getUpdates" for call in api.calls)


def count(api: FakeBotApi, mark: int, *methods: str) -> int:
    return sum(call.method in methods for call in api.calls[mark:])


EDITS = ("editMessageMedia", "editMessageCaption", "editMessageText", "editMessageReplyMarkup")


async def run() -> list[dict[str, Any]]:
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    settings = Settings(_env_file=None)
    pause = settings.throttle_period_seconds / settings.throttle_rate
    url = f"sqlite+aiosqlite:///{DATA / 'bot.sqlite3'}"
    async with FakeBotApi() as api, FakeBotApi() as bare_api:
        env = bot_env(url, api.url)
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
                    order = [("bot", api), ("bare", bare_api)]
                    for label, fake in order if number % 2 else order[::-1]:
                        took_now = await burst(fake, group)
                        if number:
                            took[label] += took_now
                    for person, _, _ in group:
                        shown[person.user_id] = 1 - shown[person.user_id]
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
    print(row(("presses", "clients", "updates", "bot /s", "bare bot /s", "ratio"), WIDTHS))
    for figures in results:
        print(
            row(
                (
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
