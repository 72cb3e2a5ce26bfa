"""Memory: the resident size of the bot's real process (`python run_bot.py`, SQLite)
idle with 100 000 clients and 10 000 therapists in its database, then while 5 000
different clients write to it (20 000 updates: /help, /my, /settings, /help from each,
a few hundred people at a time), against a local fake Bot API. Reports the size idle,
after the first 1 000 people, after all 5 000 (their first update each) and after the
20 000 updates, and what each new person added; and, for scale, the size of a bare
aiogram bot (`bench/bare_bot.py`) idle (the goal: nothing kept per person, so
about zero)."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path
from typing import Any

from bench.chat import ROOT, bot_env, process, until
from bench.matching import sqlite_catalogue
from bench.people import add_clients
from bench.results import record, row
from db.engine import create_engine
from tests.fake_bot_api import FakeBotApi

DATA = ROOT / "data" / "bench" / "memory"
CLIENTS = int(os.environ.get("BENCH_MEMORY_CLIENTS", "100000"))
WRITERS = int(os.environ.get("BENCH_MEMORY_WRITERS", "5000"))
AT_ONCE = 250
WARM = max(AT_ONCE, WRITERS // 5 // AT_ONCE * AT_ONCE)  # people who warm the process up
TELEGRAM_FROM = 30_000_000
COMMANDS = ("/help", "/my", "/settings", "/help")
WIDTHS = (26, 9, 12)


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def database() -> str:
    """The matching benchmark's catalogue of 10 000 therapists (made when missing), with
    CLIENTS clients added, in a file of its own."""
    engine, _ = await sqlite_catalogue(10_000)
    source = engine.url.database
    await engine.dispose()
    assert source is not None
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    path = DATA / "bot.sqlite3"
    shutil.copy(source, path)
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    await add_clients(engine, CLIENTS, first_id=1, telegram_from=TELEGRAM_FROM)
    await engine.dispose()
    return url


async def run() -> list[dict[str, Any]]:
    url = await database()
    sizes: list[tuple[str, int, int]] = []  # (moment, people so far, KiB)
    async with (
        FakeBotApi() as api,
        process(bot_env(url, api.url, LOG_LEVEL="WARNING"), DATA) as bot,
    ):
        await until(
            lambda: any(call.method == "getUpdates" for call in api.calls),
            "polling",
            limit=180,
        )
        await asyncio.sleep(10)  # the jobs that run at start are done
        sizes.append(("idle", 0, resident_kib(bot.pid)))
        started = time.perf_counter()
        for turn, command in enumerate(COMMANDS):
            for begin in range(0, WRITERS, AT_ONCE):
                people = range(TELEGRAM_FROM + begin, TELEGRAM_FROM + begin + AT_ONCE)
                mark = len(api.sent)
                for person in people:
                    api.push_message(person, command)
                waiting = set(people)

                def answered(mark: int = mark, waiting: set[int] = waiting) -> bool:
                    for sent in api.sent[mark:]:
                        waiting.discard(sent.chat_id)
                    return not waiting

                await until(answered, f"answers to {command}", limit=300)
                if turn == 0 and begin + AT_ONCE == WARM:
                    sizes.append((f"after {WARM} people", WARM, resident_kib(bot.pid)))
            if turn == 0:
                sizes.append((f"after {WRITERS} people", WRITERS, resident_kib(bot.pid)))
        took = time.perf_counter() - started
        updates = WRITERS * len(COMMANDS)
        sizes.append((f"after {updates} updates", WRITERS, resident_kib(bot.pid)))
        if bot.returncode is not None:
            raise AssertionError(f"the bot exited with {bot.returncode}")
    async with (
        FakeBotApi() as bare_api,
        process(bot_env(url, bare_api.url), DATA, str(ROOT / "bench" / "bare_bot.py")) as bare,
    ):
        await until(lambda: any(call.method == "getUpdates" for call in bare_api.calls), "polling")
        await asyncio.sleep(3)
        sizes.append(("a bare aiogram bot, idle", 0, resident_kib(bare.pid)))
    log = (DATA / "run_bot.log").read_text(encoding="utf-8", errors="replace")
    if "Traceback" in log:
        raise AssertionError(f"the bot failed:\n{log}")
    warm = next(kib for moment, _, kib in sizes if moment.startswith(f"after {WARM} "))
    first = next(kib for moment, _, kib in sizes if moment == f"after {WRITERS} people")
    per_person = (first - warm) * 1024 / (WRITERS - WARM)
    print(row(("moment", "RSS MiB", "per person"), WIDTHS))
    results: list[dict[str, Any]] = []
    for moment, writers, kib in sizes:
        results.append({"moment": moment, "people": writers, "rss_mib": round(kib / 1024, 1)})
        print(row((moment, f"{kib / 1024:.1f}", ""), WIDTHS))
    print(row(("each new person added", "", f"{per_person:.0f} B"), WIDTHS))
    results.append(
        {
            "moment": "each new person added",
            "bytes_per_person": round(per_person),
            "clients_in_database": CLIENTS,
            "updates": updates,
            "updates_per_second": round(updates / took, 1),
        }
    )
    record("memory", results)
    return results


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
