"""A slot's state has one writer (`db.slot_states`) and a table of the moves it may make:
the allowed ones move exactly the slots still in the expected state, the others are
refused as a mistake in the code, and nothing else in the code writes `Slot.status`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import slot_states
from db.models import Slot, SlotStatus, Therapist

ROOT = Path(__file__).resolve().parent.parent
Sessions = async_sessionmaker[AsyncSession]


def test_nothing_but_the_slot_module_writes_a_slots_state() -> None:
    writers = re.compile(r"update\(\s*Slot\b|Slot\.__table__\.update|\.status\s*=\s*SlotStatus")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("bot", "db", "handlers", "keyboards", "scheduler")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts and path.name != "slot_states.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if writers.search(line)
    ]
    assert found == []


def test_the_moves_a_slot_may_make() -> None:
    assert slot_states.MOVES[SlotStatus.free] == {
        SlotStatus.held,
        SlotStatus.booked,
        SlotStatus.offered,
        SlotStatus.requested,
        SlotStatus.blocked,
        SlotStatus.group,
    }
    assert slot_states.MOVES[SlotStatus.held] == {SlotStatus.booked, SlotStatus.free}
    for state in (SlotStatus.booked, SlotStatus.offered, SlotStatus.requested, SlotStatus.group):
        assert slot_states.MOVES[state] == {SlotStatus.free}
    assert set(slot_states.MOVES) == set(SlotStatus)


async def add_slots(sessions: Sessions, states: list[SlotStatus]) -> list[int]:
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)
    async with sessions() as session:
        therapist = Therapist(
            name_ru="Вера",
            name_en="Vera",
            gender="female",
            price=3000,
            session_minutes=50,
            timezone="Europe/Moscow",
            created_at=start,
        )
        session.add(therapist)
        await session.flush()
        ids = list(
            await session.scalars(
                insert(Slot).returning(Slot.id),
                [
                    {
                        "therapist_id": therapist.id,
                        "starts_at": start + timedelta(hours=number),
                        "ends_at": start + timedelta(hours=number, minutes=50),
                        "status": state,
                    }
                    for number, state in enumerate(states)
                ],
            )
        )
        await session.commit()
        return ids


async def states_of(sessions: Sessions, ids: list[int]) -> list[SlotStatus]:
    async with sessions() as session:
        found = dict((await session.execute(select(Slot.id, Slot.status))).all())
        return [SlotStatus(found[slot_id]) for slot_id in ids]


async def test_each_allowed_move_changes_only_slots_in_the_state_expected(
    db_sessionmaker: Sessions,
) -> None:
    states = list(SlotStatus)
    moves = [(before, after) for before in states for after in slot_states.MOVES[before]]
    for before, after in moves:
        ids = await add_slots(db_sessionmaker, states)
        async with db_sessionmaker() as session:
            moved = await slot_states.change(session, [*ids, None], from_=before, to=after)
            await session.commit()
        assert moved == 1, (before, after)
        expected = [after if state == before else state for state in states]
        assert await states_of(db_sessionmaker, ids) == expected, (before, after)


async def test_a_move_the_table_does_not_allow_is_refused_before_any_write(
    db_sessionmaker: Sessions,
) -> None:
    [slot_id] = await add_slots(db_sessionmaker, [SlotStatus.booked])
    refused = [
        (before, after)
        for before, after in product(SlotStatus, SlotStatus)
        if after not in slot_states.MOVES[before]
    ]
    assert (SlotStatus.booked, SlotStatus.held) in refused
    assert (SlotStatus.offered, SlotStatus.booked) in refused
    async with db_sessionmaker() as session:
        for before, after in refused:
            with pytest.raises(slot_states.NotAMove):
                await slot_states.change(session, [slot_id], from_=before, to=after)
    assert await states_of(db_sessionmaker, [slot_id]) == [SlotStatus.booked]


async def test_taking_a_slot_twice_gives_it_once_and_release_frees_only_what_it_names(
    db_sessionmaker: Sessions,
) -> None:
    first, second = await add_slots(db_sessionmaker, [SlotStatus.free, SlotStatus.offered])
    async with db_sessionmaker() as session:
        assert await slot_states.take(session, first, SlotStatus.held)
        assert not await slot_states.take(session, first, SlotStatus.booked)
        # Held, not offered: not freed by a release of offered times.
        assert await slot_states.release(session, first, second, from_=SlotStatus.offered) == 1
        await session.commit()
    assert await states_of(db_sessionmaker, [first, second]) == [SlotStatus.held, SlotStatus.free]
