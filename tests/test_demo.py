from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

import pytest
from PIL import Image
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import PROJECT_ROOT
from bot.rules.timezones import zone
from db.demo import DEMO_THERAPISTS, load_demo
from db.models import AvailabilityRule, Slot, SlotStatus, Therapist, TimeOff, Topic
from db.schedule import ensure_future_slots

NOW = datetime(2030, 3, 4, 9, 17, tzinfo=UTC)  # a Monday morning
HORIZON_DAYS = 14
DEMO = "demo-%"

Sessions = async_sessionmaker[AsyncSession]


async def demo_therapists(session: AsyncSession) -> list[Therapist]:
    query = select(Therapist).where(Therapist.slug.like(DEMO)).order_by(Therapist.slug)
    return list((await session.scalars(query)).all())


async def demo_slots(session: AsyncSession) -> dict[int, list[Slot]]:
    query = (
        select(Slot)
        .join(Therapist, Therapist.id == Slot.therapist_id)
        .where(Therapist.slug.like(DEMO))
        .order_by(Slot.therapist_id, Slot.starts_at)
    )
    result: dict[int, list[Slot]] = defaultdict(list)
    for slot in await session.scalars(query):
        result[slot.therapist_id].append(slot)
    return result


async def rules_of(session: AsyncSession) -> dict[int, list[AvailabilityRule]]:
    result: dict[int, list[AvailabilityRule]] = defaultdict(list)
    for rule in await session.scalars(select(AvailabilityRule)):
        result[rule.therapist_id].append(rule)
    return result


def inside_a_rule(slot: Slot, therapist: Therapist, rules: list[AvailabilityRule]) -> bool:
    tz = zone(therapist.timezone)
    local_start = slot.starts_at.astimezone(tz)
    local_end = slot.ends_at.astimezone(tz)
    midnight = datetime.combine(local_start.date(), time())
    start_minute = (local_start.replace(tzinfo=None) - midnight) / timedelta(minutes=1)
    end_minute = (local_end.replace(tzinfo=None) - midnight) / timedelta(minutes=1)
    return any(
        rule.weekday == local_start.weekday()
        and rule.start_minute <= start_minute
        and end_minute <= rule.end_minute
        for rule in rules
    )


def assert_slots_sound(
    therapists: list[Therapist],
    slots: dict[int, list[Slot]],
    rules: dict[int, list[AvailabilityRule]],
    *,
    now: datetime,
    horizon_days: int,
) -> None:
    for therapist in therapists:
        own = slots.get(therapist.id, [])
        if not therapist.active:
            assert not own, therapist.slug
            continue
        assert own, f"{therapist.slug} has no free slots"
        for slot in own:
            assert now <= slot.starts_at < now + timedelta(days=horizon_days)
            assert slot.ends_at - slot.starts_at == timedelta(minutes=therapist.session_minutes)
            assert inside_a_rule(slot, therapist, rules[therapist.id]), (slot.starts_at, therapist)
        for previous, following in pairwise(own):
            assert previous.ends_at <= following.starts_at


async def test_catalogue_is_varied(db_sessionmaker: Sessions) -> None:
    async with db_sessionmaker() as session:
        created = await load_demo(session, now=NOW, horizon_days=HORIZON_DAYS)
        therapists = await demo_therapists(session)
        rules = await rules_of(session)
        topic_codes = set((await session.scalars(select(Topic.code))).all())

    assert created == len(DEMO_THERAPISTS) == len(therapists) >= 10
    assert {t.gender for t in therapists} == {"female", "male"}
    formats = {(t.offers_individual, t.offers_couple) for t in therapists}
    assert formats == {(True, False), (False, True), (True, True)}
    assert all(2000 <= t.price <= 7000 for t in therapists)
    # Every budget tier of the questionnaire (2 500, 4 000, 6 000, any) adds someone.
    prices = sorted(t.price for t in therapists if t.active)
    for low, high in ((0, 2500), (2500, 4000), (4000, 6000), (6000, 10**6)):
        assert any(low < price <= high for price in prices), (low, high)
    assert {t.session_minutes for t in therapists} == {50, 80}
    zones = [t.timezone for t in therapists]
    assert zones.count("Europe/Moscow") > len(zones) / 2
    assert {"Asia/Yekaterinburg", "Europe/Kaliningrad", "Asia/Novosibirsk"} <= set(zones)
    assert sum(not t.active for t in therapists) == 1
    assert sum(t.photo_path is None for t in therapists) == 1

    for therapist in therapists:
        codes = {topic.code for topic in therapist.topics}
        assert codes and codes <= topic_codes
        assert therapist.education_ru and therapist.education_en
        assert therapist.name_ru and therapist.name_en
    long_ones = [t for t in therapists if len(t.about_ru) > 900 and len(t.about_en) > 900]
    assert len(long_ones) == 1
    for therapist in therapists:
        if therapist not in long_ones:
            assert 200 <= len(therapist.about_ru) <= 700, therapist.slug
            assert 200 <= len(therapist.about_en) <= 700, therapist.slug

    windows = [rule for therapist in therapists for rule in rules[therapist.id]]
    assert any(rule.end_minute >= 21 * 60 for rule in windows)  # evenings
    assert any(rule.start_minute <= 9 * 60 for rule in windows)  # mornings
    assert any(rule.weekday >= 5 for rule in windows)  # weekends


async def test_every_portrait_is_shipped(db_sessionmaker: Sessions) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=NOW, horizon_days=HORIZON_DAYS)
        therapists = await demo_therapists(session)
    paths = [t.photo_path for t in therapists if t.photo_path is not None]
    assert len(paths) == len(therapists) - 1
    for photo_path in paths:
        file = PROJECT_ROOT / photo_path
        assert file.is_file(), photo_path
        assert file.stat().st_size < 60 * 1024
        with Image.open(file) as image:
            assert image.format == "PNG"
            assert image.size == (512, 512)


async def test_slots_are_future_free_inside_windows_and_apart(
    db_sessionmaker: Sessions,
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=NOW, horizon_days=HORIZON_DAYS)
        therapists = await demo_therapists(session)
        slots = await demo_slots(session)
        rules = await rules_of(session)
    assert all(slot.status == SlotStatus.free for own in slots.values() for slot in own)
    assert_slots_sound(therapists, slots, rules, now=NOW, horizon_days=HORIZON_DAYS)


async def test_loading_twice_creates_no_duplicates(db_sessionmaker: Sessions) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=NOW, horizon_days=HORIZON_DAYS)
    async with db_sessionmaker() as session:
        before = {
            therapist_id: [slot.starts_at for slot in own]
            for therapist_id, own in (await demo_slots(session)).items()
        }
        rule_count = await session.scalar(select(func.count()).select_from(AvailabilityRule))

        assert await load_demo(session, now=NOW, horizon_days=HORIZON_DAYS) == 0
        assert len(await demo_therapists(session)) == len(DEMO_THERAPISTS)
        assert await session.scalar(select(func.count()).select_from(AvailabilityRule)) == (
            rule_count
        )
        again = {
            therapist_id: [slot.starts_at for slot in own]
            for therapist_id, own in (await demo_slots(session)).items()
        }
        assert again == before

    # Three days later only the three new days are added; what was there stays.
    later = NOW + timedelta(days=3)
    async with db_sessionmaker() as session:
        assert await load_demo(session, now=later, horizon_days=HORIZON_DAYS) == 0
        therapists = await demo_therapists(session)
        slots = await demo_slots(session)
        rules = await rules_of(session)
    for therapist_id, starts in before.items():
        now_starts = [slot.starts_at for slot in slots[therapist_id]]
        assert now_starts[: len(starts)] == starts
        assert all(
            NOW + timedelta(days=HORIZON_DAYS) <= start < later + timedelta(days=HORIZON_DAYS)
            for start in now_starts[len(starts) :]
        )
    assert any(len(slots[therapist_id]) > len(starts) for therapist_id, starts in before.items())
    assert_slots_sound(
        therapists,
        {
            therapist_id: [slot for slot in own if slot.starts_at >= later]
            for therapist_id, own in slots.items()
        },
        rules,
        now=later,
        horizon_days=HORIZON_DAYS,
    )


async def test_refill_respects_taken_times_and_days_off(db_sessionmaker: Sessions) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=NOW, horizon_days=HORIZON_DAYS)
        anna = (
            await session.scalars(select(Therapist).where(Therapist.slug == "demo-anna-smirnova"))
        ).one()
        original = [slot.starts_at for slot in (await demo_slots(session))[anna.id]]

        # The therapist blocks an hour across two generated slots and takes a week off.
        await session.execute(delete(Slot).where(Slot.therapist_id == anna.id))
        blocked_start = original[0] + timedelta(minutes=30)
        session.add(
            Slot(
                therapist_id=anna.id,
                starts_at=blocked_start,
                ends_at=blocked_start + timedelta(minutes=50),
                status=SlotStatus.blocked,
            )
        )
        local_day = original[-1].astimezone(zone(anna.timezone)).date()
        session.add(
            TimeOff(
                therapist_id=anna.id,
                starts_on=(local_day - timedelta(days=6)).isoformat(),
                ends_on=local_day.isoformat(),
            )
        )
        await session.flush()

        added = await ensure_future_slots(session, now=NOW, horizon_days=HORIZON_DAYS)
        await session.commit()
        refilled = (await demo_slots(session))[anna.id]

    free = [slot.starts_at for slot in refilled if slot.status == SlotStatus.free]
    assert added == len(free)
    assert original[0] not in free and original[1] not in free
    off_days = {local_day - timedelta(days=offset) for offset in range(7)}
    expected = [
        start
        for start in original[2:]
        if start.astimezone(zone(anna.timezone)).date() not in off_days
    ]
    assert free == expected
    assert [slot.starts_at for slot in refilled if slot.status == SlotStatus.blocked] == [
        blocked_start
    ]
    for previous, following in pairwise(refilled):
        assert previous.ends_at <= following.starts_at


async def test_missing_topic_catalogue_is_reported(db_sessionmaker: Sessions) -> None:
    async with db_sessionmaker() as session:
        await session.execute(delete(Topic).where(Topic.code == "eating"))
        with pytest.raises(RuntimeError, match="eating"):
            await load_demo(session, now=NOW)
        await session.rollback()
