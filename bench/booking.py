"""Booking under contention: 200 clients tap «Записаться» at once on 20 free times of one
therapist (ten on each), through the production dispatcher polling a local fake Bot API
(`tests/fake_bot_api.py`, in this process), on SQLite and (with TEST_DATABASE_URL)
PostgreSQL. Reports the time until every tap is answered and taps answered a second, how
soon the 20 bookings were made (and bookings a second over that time), and checks that
exactly 20 bookings were made (one per time, none twice for a client); the other 180 are
told the time is taken and see fresh times."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import databases
from bench.chat import ROOT, until
from bench.people import add_clients
from bench.results import record, row
from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.inbox import Inbox, poll
from bot.middlewares import create_outgoing
from bot.rules.timezones import Clock
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.models import ACTIVE_BOOKING_STATUSES, Booking, Slot, SlotStatus, Therapist
from keyboards.catalog import BookSlot
from tests.fake_bot_api import FakeBotApi

DATA = ROOT / "data" / "bench" / "booking"
CLIENTS = 200
SLOTS = 20
TELEGRAM_FROM = 5_000_000
WIDTHS = (10, 7, 5, 12, 7, 10, 11, 6)


async def seed(engine: AsyncEngine) -> list[int]:
    """One therapist with SLOTS free hours from tomorrow, and CLIENTS clients."""
    await upgrade(engine)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first = now + timedelta(days=1)
    async with engine.begin() as connection:
        await connection.execute(
            insert(Therapist),
            [
                {
                    "id": 1,
                    "name_ru": "Вера",
                    "name_en": "Vera",
                    "gender": "female",
                    "price": 3000,
                    "session_minutes": 50,
                    "timezone": "Europe/Moscow",
                    "created_at": now,
                }
            ],
        )
        await connection.execute(
            insert(Slot),
            [
                {
                    "therapist_id": 1,
                    "starts_at": first + timedelta(hours=hour),
                    "ends_at": first + timedelta(hours=hour, minutes=50),
                    "status": SlotStatus.free,
                }
                for hour in range(SLOTS)
            ],
        )
        slot_ids = list(await connection.scalars(select(Slot.id).order_by(Slot.starts_at)))
    await add_clients(engine, CLIENTS, first_id=1, telegram_from=TELEGRAM_FROM)
    return slot_ids


def quiet(api: FakeBotApi, seconds: float) -> bool:
    return not api.calls or time.time() - api.calls[-1].at > seconds


async def fresh_postgres(url: str, name: str) -> str:
    async with databases.server(url) as admin:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    return databases.on_database(url, name)


async def contend(url: str, label: str) -> dict[str, Any]:
    engine = create_engine(url)
    slot_ids = await seed(engine)
    async with FakeBotApi() as api:
        settings = Settings(
            _env_file=None, bot_token="123456:BENCH", database_url=url, telegram_api_url=api.url
        )
        sessionmaker = create_sessionmaker(engine)
        clock = Clock()
        bot = create_bot(settings)
        outgoing = create_outgoing(bot, settings, sessionmaker, clock)
        dispatcher = create_dispatcher(settings, sessionmaker, clock=clock, outgoing=outgoing)
        # As run_bot.py runs it: polling into the inbox, handled from there.
        updates_inbox = Inbox(dispatcher, bot, sessionmaker, settings)
        updates_inbox.start()
        stop = asyncio.Event()
        polling = asyncio.create_task(
            poll(bot, updates_inbox, stop, allowed_updates=dispatcher.resolve_used_update_types())
        )
        try:
            await until(lambda: any(call.method == "getUpdates" for call in api.calls), "polling")
            mark = len(api.calls)
            started = time.perf_counter()
            wall = time.time()
            for number in range(CLIENTS):
                api.push_callback(
                    TELEGRAM_FROM + number,
                    1,
                    BookSlot(slot_id=slot_ids[number % SLOTS]).pack(),
                )
            await until(
                lambda: (
                    sum(call.method == "answerCallbackQuery" for call in api.calls[mark:])
                    >= CLIENTS
                ),
                "an answer to every tap",
                every=0.001,
            )
            took = time.perf_counter() - started
            # A booked tap is answered without a word; a refused one with the reason.
            booked_at = sorted(
                call.at
                for call in api.calls[mark:]
                if call.method == "answerCallbackQuery" and not call.params.get("text")
            )
            # What the taps still do after their answers (edits, calendar files, notices).
            await until(lambda: quiet(api, 0.5), "the bot to finish")
        finally:
            stop.set()
            await polling
            await updates_inbox.stop(grace=10)
            await bot.session.close()
    async with engine.connect() as connection:
        active = Booking.status.in_(ACTIVE_BOOKING_STATUSES)
        bookings = int(
            await connection.scalar(select(func.count()).select_from(Booking).where(active)) or 0
        )
        times = int(
            await connection.scalar(
                select(func.count(func.distinct(Booking.slot_id))).where(active)
            )
            or 0
        )
        clients = int(
            await connection.scalar(
                select(func.count(func.distinct(Booking.client_id))).where(active)
            )
            or 0
        )
    await engine.dispose()
    if not bookings == times == clients == SLOTS:
        raise AssertionError(
            f"{bookings} bookings on {times} times by {clients} clients; expected {SLOTS} each"
        )
    return {
        "database": label,
        "clients": CLIENTS,
        "slots": SLOTS,
        "seconds": round(took, 2),
        "taps_per_second": round(CLIENTS / took, 1),
        "booked_within_seconds": round(booked_at[-1] - wall, 2) if booked_at else None,
        "bookings_per_second": round(bookings / (booked_at[-1] - wall), 1) if booked_at else 0,
        "bookings": bookings,
    }


async def run() -> list[dict[str, Any]]:
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    targets = [(f"sqlite+aiosqlite:///{DATA / 'booking.sqlite3'}", "SQLite")]
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        targets.append((await fresh_postgres(url, "bench_booking"), "PostgreSQL"))
    print(
        row(
            (
                "database",
                "clients",
                "times",
                "all answered",
                "taps /s",
                "all booked",
                "bookings /s",
                "booked",
            ),
            WIDTHS,
        )
    )
    results = []
    for target, label in targets:
        figures = await contend(target, label)
        results.append(figures)
        print(
            row(
                (
                    label,
                    CLIENTS,
                    SLOTS,
                    f"{figures['seconds']} s",
                    figures["taps_per_second"],
                    f"{figures['booked_within_seconds']} s",
                    figures["bookings_per_second"],
                    figures["bookings"],
                ),
                WIDTHS,
            )
        )
    record("booking", results)
    return results


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
