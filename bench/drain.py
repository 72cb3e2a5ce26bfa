"""Draining a burst within Telegram's limits: 10 000 reminders due at once, then a
broadcast to 10 000 clients, through the outgoing path (`bot.notify.Outgoing`) against a
local Bot API that answers 429 above 30 messages a second or one a second per chat.
Reports the time (against the 10 000 / 30 s the limits allow), the 429s and any message
sent twice. `BENCH_DRAIN_MESSAGES` sets the size (default 10 000); the bot sends at
`SEND_RATE_PER_SECOND=29`, just under the limit (`BENCH_SEND_RATE` to change it), where a
practice that sends large bursts would set it."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram.methods import SendMessage
from sqlalchemy import func, insert, select

from bench.limited_api import LimitedBotApi
from bench.results import record, row
from bot.app import create_bot
from bot.config import Settings
from bot.i18n import Translator
from bot.notify import Outgoing
from bot.rules.reminders import CLIENT, kind_for
from bot.rules.timezones import Clock
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.models import Booking, Reminder, Therapist, User
from scheduler.reminders import send_due_reminders

DATA = Path(__file__).resolve().parent.parent / "data" / "bench"
LIMIT = 30  # Telegram's overall limit, messages a second
RATE = float(os.environ.get("BENCH_SEND_RATE", "29"))
WIDTHS = (10, 9, 10, 12, 8, 6, 10)


async def seed(url: str, count: int) -> list[int]:
    """`count` clients, each with a session in the next day whose reminder is due."""
    engine = create_engine(url)
    await upgrade(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    chats = [10_000_000 + n for n in range(count)]
    therapists = -(-count // 23)
    async with engine.begin() as connection:
        await connection.execute(
            insert(Therapist),
            [
                {
                    "id": n + 1,
                    "name_ru": f"Терапевт {n}",
                    "name_en": f"Therapist {n}",
                    "gender": "female",
                    "price": 3000,
                    "session_minutes": 50,
                    "timezone": "Europe/Moscow",
                    "created_at": now,
                }
                for n in range(therapists)
            ],
        )
        await connection.execute(
            insert(User),
            [
                {
                    "id": n + 1,
                    "telegram_id": chat,
                    "first_name": "Клиент",
                    "language": "ru",
                    "timezone": "Europe/Moscow",
                    "consent_at": now,
                    "created_at": now,
                }
                for n, chat in enumerate(chats)
            ],
        )
        bookings: list[dict[str, Any]] = []
        for n in range(count):
            starts = now + timedelta(minutes=10) + timedelta(hours=n % 23)
            bookings.append(
                {
                    "id": n + 1,
                    "client_id": n + 1,
                    "therapist_id": n // 23 + 1,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(minutes=50),
                    "status": "confirmed",
                    "format": "individual",
                    "price": 3000,
                    "created_at": now,
                    "confirmed_at": now,
                }
            )
        await connection.execute(insert(Booking), bookings)
        kind = kind_for(CLIENT, timedelta(hours=24))
        await connection.execute(
            insert(Reminder),
            [
                {
                    "booking_id": booking["id"],
                    "kind": kind,
                    "due_at": booking["starts_at"] - timedelta(hours=24),
                    "attempts": 0,
                }
                for booking in bookings
            ],
        )
    await engine.dispose()
    return chats


async def nobody_blocked(chat_id: int) -> None:
    raise AssertionError(f"chat {chat_id} blocked the bot in a benchmark")


async def run() -> list[dict[str, Any]]:
    count = int(os.environ.get("BENCH_DRAIN_MESSAGES", "10000"))
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "drain.sqlite3"
    for old in DATA.glob("drain.sqlite3*"):
        old.unlink()
    url = f"sqlite+aiosqlite:///{path}"
    chats = await seed(url, count)
    results = []
    print(
        row(("burst", "messages", "seconds", "limit allows", "over", "429s", "sent twice"), WIDTHS)
    )
    for burst in ("reminders", "broadcast"):
        api = LimitedBotApi(per_second=LIMIT)
        await api.start()
        settings = Settings(
            _env_file=None,
            bot_token="123456:BENCH",
            database_url=url,
            telegram_api_url=api.url,
            send_rate_per_second=RATE,
        )
        bot = create_bot(settings)
        outgoing = Outgoing(bot, settings, nobody_blocked)
        engine = create_engine(url)
        started = time.monotonic()
        try:
            if burst == "reminders":
                report = await send_due_reminders(
                    sessionmaker=create_sessionmaker(engine),
                    outgoing=outgoing,
                    translator=Translator(),
                    settings=settings,
                    clock=Clock(),
                )
                delivered = report.sent
                async with engine.connect() as connection:
                    left = await connection.scalar(
                        select(func.count()).select_from(Reminder).where(Reminder.sent_at.is_(None))
                    )
                assert left == 0, f"{left} reminders not sent"
            else:
                broadcast = await outgoing.broadcast(
                    chats, lambda chat: SendMessage(chat_id=chat, text="Новости практики")
                )
                delivered = broadcast.delivered
        finally:
            took = time.monotonic() - started
            await bot.session.close()
            await engine.dispose()
            await api.stop()
        allowed = count / LIMIT
        figures = {
            "burst": burst,
            "messages": count,
            "delivered": delivered,
            "seconds": round(took, 1),
            "limit_allows_seconds": round(allowed, 1),
            "over_percent": round(100 * (took - allowed) / allowed, 1),
            "too_many_requests": api.too_many,
            "sent_twice": api.sent_twice(),
        }
        results.append(figures)
        print(
            row(
                (
                    burst,
                    count,
                    f"{took:.1f}",
                    f"{allowed:.1f}",
                    f"{figures['over_percent']:+.1f} %",
                    api.too_many,
                    api.sent_twice(),
                ),
                WIDTHS,
            )
        )
    record("drain", results)
    return results


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
