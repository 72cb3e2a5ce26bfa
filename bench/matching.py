"""«Найти терапевта» at the size of a platform: the search's first page plus the first
card's data (the therapist and their fitting free times), and paging to the next page,
with 100, 1 000 and 10 000 therapists × 14 days of slots, on SQLite and (with
TEST_DATABASE_URL) PostgreSQL. Median and p95 over many clients' preferences."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench import databases
from bench.catalogue import clients, count_free, fill
from bench.results import median_p95, record, row
from bot.rules.matching import Preferences, slot_fits
from db import catalog
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.models import Therapist, Topic

SIZES = (100, 1_000, 10_000)
CLIENTS = 40
REPEATS = 3
DATA = Path(__file__).resolve().parent.parent / "data" / "bench"
WIDTHS = (10, 7, 10, 12, 12, 12, 12)


async def first_card(
    session: AsyncSession,
    therapist_id: int,
    prefs: Preferences,
    earliest: datetime,
    latest: datetime,
) -> int:
    """What a card reads: the therapist, and their free times that fit."""
    therapist = await session.get(Therapist, therapist_id)
    assert therapist is not None
    slots = await catalog.free_slots(session, [therapist_id], earliest, latest)
    return sum(slot_fits(slot.starts_at, prefs) for slot in slots.get(therapist_id, []))


async def measure(engine: AsyncEngine, people: list[Preferences]) -> dict[str, list[float]]:
    sessions = create_sessionmaker(engine)
    now = datetime.now(UTC)
    earliest, latest = now + timedelta(hours=2), now + timedelta(days=14)
    timings: dict[str, list[float]] = {"find": [], "page": []}
    for repeat in range(REPEATS + 1):
        for prefs in people:
            started = time.perf_counter()
            async with sessions() as session:
                page = await catalog.search(session, prefs, earliest, latest)
                if page.ranked:
                    await first_card(session, page.ranked[0].therapist_id, prefs, earliest, latest)
            found = time.perf_counter() - started
            if page.complete or not page.ranked:
                paged = None
            else:
                started = time.perf_counter()
                async with sessions() as session:
                    shown = [each.therapist_id for each in page.ranked]
                    following = await catalog.search(
                        session,
                        prefs,
                        earliest,
                        latest,
                        after=catalog.Cursor.after(page.ranked[-1]),
                        shown=shown,
                    )
                    if following.ranked:
                        await first_card(
                            session, following.ranked[0].therapist_id, prefs, earliest, latest
                        )
                paged = time.perf_counter() - started
            if repeat:  # the first round warms the caches
                timings["find"].append(found * 1000)
                if paged is not None:
                    timings["page"].append(paged * 1000)
    return timings


async def sqlite_catalogue(size: int) -> tuple[AsyncEngine, str]:
    DATA.mkdir(parents=True, exist_ok=True)
    today = datetime.now(UTC).date()
    path = DATA / f"catalogue-{size}-{today:%Y%m%d}.sqlite3"
    for old in DATA.glob(f"catalogue-{size}-*.sqlite3*"):
        if not old.name.startswith(path.name):
            old.unlink()
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await prepare(engine, size)
    return engine, "SQLite"


async def postgres_catalogue(url: str, size: int) -> tuple[AsyncEngine, str]:
    name = f"bench_catalogue_{size}_{datetime.now(UTC):%Y%m%d}"
    async with databases.server(url) as admin:
        names = {
            record["datname"] for record in await admin.fetch("SELECT datname FROM pg_database")
        }
        for old in names:
            if old.startswith(f"bench_catalogue_{size}_") and old != name:
                await admin.execute(f'DROP DATABASE "{old}" WITH (FORCE)')
        if name not in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
    engine = create_engine(databases.on_database(url, name))
    await prepare(engine, size)
    return engine, "PostgreSQL"


async def prepare(engine: AsyncEngine, size: int) -> None:
    await upgrade(engine)
    async with engine.connect() as connection:
        present = int(await connection.scalar(select(func.count()).select_from(Therapist)) or 0)
    if present != size:
        started = time.perf_counter()
        free = await fill(engine, size, datetime.now(UTC).date())
        took = time.perf_counter() - started
        print(f"  (wrote {size} therapists, {free} free slots in {took:.0f} s)")
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            # The bulk load rewrote each therapist's rows dozens of times (the triggers that
            # keep the topic bits and the free hours), a few transactions apart; a catalogue
            # that grew over months has them compact. Then what autovacuum does, at once.
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM FULL therapists, therapist_free_hours"))
            await connection.execute(text("VACUUM ANALYZE"))


async def run() -> list[dict[str, Any]]:
    print(
        row(
            (
                "database",
                "size",
                "free slots",
                "find median",
                "find p95",
                "page median",
                "page p95",
            ),
            WIDTHS,
        )
    )
    results = []
    backends = ["sqlite"]
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        backends.append("postgresql")
    for backend in backends:
        for size in SIZES:
            engine, label = (
                await sqlite_catalogue(size)
                if backend == "sqlite"
                else await postgres_catalogue(url, size)
            )
            try:
                async with engine.connect() as connection:
                    codes = list(await connection.scalars(select(Topic.code)))
                free = await count_free(engine)
                timings = await measure(engine, clients(codes, CLIENTS))
            finally:
                await engine.dispose()
            find = median_p95(timings["find"])
            page = median_p95(timings["page"]) if timings["page"] else (0.0, 0.0)
            figures = {
                "database": label,
                "therapists": size,
                "free_slots": free,
                "find_median_ms": round(find[0], 2),
                "find_p95_ms": round(find[1], 2),
                "page_median_ms": round(page[0], 2),
                "page_p95_ms": round(page[1], 2),
            }
            results.append(figures)
            print(
                row((label, size, free, *(f"{value:.1f} ms" for value in (*find, *page))), WIDTHS)
            )
    record("matching", results)
    return results


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
