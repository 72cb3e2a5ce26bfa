"""The catalogue's search in the database (`db.catalog.search`) against the specification
(`bot.rules.matching.find_matches` and `diagnose`), with hypothesis generating catalogues:
on SQLite and, with TEST_DATABASE_URL, on PostgreSQL; paged a few at a time, with small
groups ranked by their aggregate and large ones read in time order (each forced here,
and both in one search)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update

from bot.rules.matching import (
    Candidate,
    Preferences,
    diagnose,
    diagnose_by,
    diagnosis_questions,
    find_matches,
    fitting_spans,
    slot_fits,
    week_hour,
    week_hour_mask,
)
from bot.rules.outcomes import Ranking
from db import catalog
from db.engine import create_engine, create_sessionmaker
from db.models import (
    Base,
    Slot,
    SlotStatus,
    Therapist,
    TherapistFreeHours,
    TherapistTopic,
    Topic,
)
from tests.test_matching import EARLIEST, LATEST, candidates, preferences, rankings

SEARCH_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
NOW = EARLIEST


@pytest.fixture(params=["aggregate", "time order", "both"])
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param != "aggregate":
        # "both": groups of one by their aggregate, larger ones in time order, merged.
        monkeypatch.setattr(catalog, "SMALL_TIER", 0 if request.param == "time order" else 1)
        monkeypatch.setattr(catalog, "SCAN_CHUNK", 2)  # several reads per span
    yield str(request.param)


async def _fill(url: str, people: list[Candidate], taken: set[datetime]) -> None:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            # Whatever earlier tests left (this test does not take the emptied database of
            # the `db_engine` fixture), but the topic catalogue.
            for table in reversed(Base.metadata.sorted_tables):
                if table.name != "topics":
                    await session.execute(delete(table))
            topics = {
                code: id_ for id_, code in await session.execute(select(Topic.id, Topic.code))
            }
            for person in people:
                session.add(
                    Therapist(
                        id=person.therapist_id,
                        name_ru="Т",
                        name_en="T",
                        gender=person.gender,
                        offers_individual=person.offers_individual,
                        offers_couple=person.offers_couple,
                        price=person.price,
                        session_minutes=30,
                        timezone="UTC",
                        active=person.active,
                        created_at=NOW,
                        rate_standing=person.standing,
                        answers_quickly=person.quick,
                    )
                )
            await session.flush()
            for person in people:
                session.add_all(
                    TherapistTopic(therapist_id=person.therapist_id, topic_id=topics[code])
                    for code in person.topics
                )
                for start in sorted(set(person.free_slots)):
                    session.add(
                        Slot(
                            therapist_id=person.therapist_id,
                            starts_at=start,
                            ends_at=start + timedelta(minutes=30),
                            status=SlotStatus.free,
                        )
                    )
            await session.flush()
            # Some free slots are taken afterwards: their hours stay in the summary.
            for start in taken:
                await session.execute(
                    update(Slot).where(Slot.starts_at == start).values(status=SlotStatus.booked)
                )
            await session.commit()
    finally:
        await engine.dispose()


def _without(people: list[Candidate], taken: set[datetime]) -> list[Candidate]:
    return [
        Candidate(**{**person.__dict__, "free_slots": tuple(set(person.free_slots) - taken)})
        for person in people
    ]


async def _page_through(
    url: str, prefs: Preferences, exclude: set[int], size: int, ranking: Ranking
) -> Any:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            pages = []
            shown: list[int] = []
            after = None
            while True:
                page = await catalog.search(
                    session,
                    prefs,
                    EARLIEST,
                    LATEST,
                    exclude=exclude,
                    after=after,
                    shown=shown,
                    size=size,
                    ranking=ranking,
                )
                pages.append(page)
                shown += [ranked.therapist_id for ranked in page.ranked]
                if page.complete or not page.ranked:
                    break
                after = catalog.Cursor.after(page.ranked[-1])
            answers = {
                question: await catalog.anyone(session, question, EARLIEST, LATEST, exclude)
                for question in diagnosis_questions(prefs)
            }
            return pages, answers
    finally:
        await engine.dispose()


@SEARCH_SETTINGS
@given(
    prefs=preferences,
    people=candidates(),
    size=st.integers(min_value=1, max_value=4),
    ranking=rankings,
    data=st.data(),
)
def test_the_search_ranks_exactly_as_specified(
    database_url: str,
    strategy: str,
    prefs: Preferences,
    people: list[Candidate],
    size: int,
    ranking: Ranking,
    data: st.DataObject,
) -> None:
    every_slot = sorted({start for person in people for start in person.free_slots})
    taken = (
        set(data.draw(st.lists(st.sampled_from(every_slot), max_size=3))) if every_slot else set()
    )
    exclude = set(
        data.draw(st.lists(st.sampled_from([p.therapist_id for p in people]), max_size=1))
    )
    asyncio.run(_fill(database_url, people, taken))
    pages, answers = asyncio.run(_page_through(database_url, prefs, exclude, size, ranking))

    pool = [person for person in _without(people, taken) if person.therapist_id not in exclude]
    expected = find_matches(prefs, pool, earliest=EARLIEST, latest=LATEST, ranking=ranking)
    ranked = [each for page in pages for each in page.ranked]
    # The same therapists, in the same order, each once, with the same first fitting slot.
    assert [each.therapist_id for each in ranked] == [match.therapist_id for match in expected]
    assert [each.first_fit for each in ranked] == [match.first_slot for match in expected]
    assert [each.matched for each in ranked] == [match.topics_matched for match in expected]
    assert all(len(page.ranked) <= size for page in pages)
    # The total counts everyone ranked, and at most those whose hours the summary keeps.
    assert all(page.total >= len(expected) for page in pages)
    if not expected:
        assert diagnose_by(prefs, answers.__getitem__) == diagnose(
            prefs, pool, earliest=EARLIEST, latest=LATEST
        )


async def _refresh_and_read(url: str, now: datetime) -> dict[int, tuple[int, int, int]]:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            await catalog.refresh_free_hours(session, now)
            rows = await session.execute(select(TherapistFreeHours))
            return {row.therapist_id: (row.w0, row.w1, row.w2) for row in rows.scalars()}
    finally:
        await engine.dispose()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(people=candidates(), data=st.data())
def test_the_free_hours_are_those_of_free_slots_ahead_after_a_refresh(
    database_url: str, people: list[Candidate], data: st.DataObject
) -> None:
    every_slot = sorted({start for person in people for start in person.free_slots})
    taken = (
        set(data.draw(st.lists(st.sampled_from(every_slot), max_size=3))) if every_slot else set()
    )
    asyncio.run(_fill(database_url, people, taken))
    words = asyncio.run(_refresh_and_read(database_url, NOW))
    for person in _without(people, taken):
        ahead = [start for start in person.free_slots if start >= NOW]
        expected = week_hour_mask((start, start + timedelta(minutes=1)) for start in ahead)
        assert words.get(person.therapist_id, (0, 0, 0)) == expected, person


# -- the spans and the mask (pure) -------------------------------------------------------

CLOCK_CHANGES = ("Europe/Berlin", "America/Santiago", "Asia/Gaza", "Australia/Lord_Howe")


@settings(max_examples=300, deadline=None)
@given(
    zone_name=st.sampled_from(CLOCK_CHANGES),
    days=st.sampled_from(["weekdays", "weekends", "any"]),
    time_of_day=st.sampled_from(["morning", "afternoon", "evening", "any"]),
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
    ),
    offset_minutes=st.integers(min_value=0, max_value=14 * 24 * 60),
)
def test_every_fitting_moment_lies_in_a_span_and_its_hour_in_the_mask(
    zone_name: str, days: str, time_of_day: str, start: datetime, offset_minutes: int
) -> None:
    prefs = Preferences(
        format="individual",
        topics=frozenset(),
        gender="any",
        days=days,
        time_of_day=time_of_day,
        budget=None,
        timezone=zone_name,
    )
    latest = start + timedelta(days=14)
    moment = start + timedelta(minutes=offset_minutes)
    spans = fitting_spans(prefs, start, latest)
    assert all(a < b for a, b in spans)
    assert all(first[1] < second[0] for first, second in pairwise(spans))
    if moment < latest and slot_fits(moment, prefs):
        assert any(a <= moment < b for a, b in spans)
        hour = week_hour(moment)
        assert week_hour_mask(spans)[hour // 56] >> (hour % 56) & 1


# -- the summary's writes ----------------------------------------------------------------


async def _summary_version(session: Any) -> str:
    """Something that changes whenever the therapist's summary row is written: where the
    row's version lies on PostgreSQL (each write makes a new one), the count of rows the
    connection changed, less the slots, on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        query = "SELECT ctid::text FROM therapist_free_hours WHERE therapist_id = 1"
        return str(await session.scalar(text(query)))
    slots = int(await session.scalar(select(func.count()).select_from(Slot)))
    return str(int(await session.scalar(text("SELECT total_changes()"))) - slots)


async def test_a_free_slot_writes_the_summary_only_when_its_hour_is_new(
    db_sessionmaker: Any,
) -> None:
    start = datetime(2026, 12, 7, 9, tzinfo=UTC)  # a Monday, 09:00 UTC
    async with db_sessionmaker() as session:
        session.add(
            Therapist(
                id=1,
                name_ru="Т",
                name_en="T",
                gender="female",
                price=3000,
                session_minutes=50,
                timezone="UTC",
                created_at=NOW,
            )
        )
        await session.flush()

        def slot(at: datetime) -> Slot:
            return Slot(
                therapist_id=1,
                starts_at=at,
                ends_at=at + timedelta(minutes=50),
                status=SlotStatus.free,
            )

        session.add(slot(start))
        await session.flush()
        before = await _summary_version(session)
        session.add(slot(start + timedelta(days=7)))  # the same hour of the week
        await session.flush()
        assert await _summary_version(session) == before
        session.add(slot(start + timedelta(hours=1)))  # a new hour
        await session.flush()
        assert await _summary_version(session) != before
        words = await session.get(TherapistFreeHours, 1, populate_existing=True)
        assert words is not None
        assert (words.w0, words.w1, words.w2) == week_hour_mask(
            (at, at + timedelta(minutes=1)) for at in (start, start + timedelta(hours=1))
        )
        await session.commit()
