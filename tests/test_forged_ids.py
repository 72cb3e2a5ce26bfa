"""Forged buttons with numbers no button ever carries (huge, negative): parsing refuses
them, so no handler and no database driver sees them, and the stale-button fallback
answers politely."""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import keyboards
from db.demo import load_demo
from db.models import AuditEntry, Base, Therapist
from keyboards.ids import DB_ID_MAX
from keyboards.therapist import Hours, SessionCard
from tests.conftest import ADMIN_ID, ManualClock
from tests.fake_telegram import Harness, TgUser
from tests.flows import sign_up
from tests.test_messaging import link

Sessions = async_sessionmaker[AsyncSession]

HUGE = "9" * 60
TOO_BIG = str(2**63)  # past SQLite's integer
PAST_INT4 = str(DB_ID_MAX + 1)  # past PostgreSQL's integer
NEGATIVE = "-1"
BAD_NUMBERS = (HUGE, TOO_BIG, PAST_INT4, NEGATIVE)
STALE = "Эта кнопка устарела. Вот актуальный шаг."
ADMIN_STALE = "Эта кнопка устарела: её экран уже закрыт. Начните заново командой."

# Every client button with a number in it; {n} is the forged number.
CLIENT_BUTTONS = (
    # catalogue
    "cp:{n}:0",
    "cp:0:{n}",
    "cd:{n}:0:",
    "cd:0:{n}:",
    "cm:{n}",
    "sp:{n}",
    "bk:{n}",
    # cabinet
    "mb:{n}",
    "mv:{n}:",
    "mp:{n}:1",
    "mp:1:{n}",
    "mc:{n}:1:0",
    "mc:1:{n}:0",
    "mc:1:1:{n}",
    "ca:{n}",
    "cc:{n}",
    "mh:{n}",
    "pay:{n}",
    # reminders and rating
    "ra:{n}",
    "rt:{n}:5",
    "rt:1:{n}",
    "rn:{n}",
    # messaging and settings
    "wt:{n}",
    "rc:{n}",
    "tz:{n}",
)
THERAPIST_BUTTONS = (
    "tb:{n}",
    "to:{n}:completed",
    "tc:{n}:0",
    "tc:{n}:1",
    "av:remove:{n}",
    "av:unoff:{n}",
    "av:add:{n}",
    "wc:{n}",
)
ADMIN_BUTTONS = (
    "adtp:{n}",
    "adto:{n}",
    "adte:{n}:name",
    "adta:{n}:1",
    "adti:{n}",
    "adtb:{n}",
    "adsv:{n}:",
    "adsa:{n}",
    "adsb:{n}:1",
    "adbc:{n}",
    "adby:{n}",
    "adtx:open:{n}",
    "adrd:{n}:1",
)


@pytest.fixture
async def catalogue(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


async def snapshot(sessions: Sessions, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every row of every table but the conversation state (the fallback shows the
    current step again, which notes the screen's message id) and the inbox of updates."""
    rows: dict[str, Any] = {}
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in {"fsm_records", "inbox"} or table.name in skip:
                continue
            key = ", ".join(column.name for column in table.primary_key.columns) or "1"
            result = await session.execute(text(f"SELECT * FROM {table.name} ORDER BY {key}"))
            rows[table.name] = [tuple(row) for row in result]
    return rows


def forged(buttons: tuple[str, ...]) -> list[str]:
    data = []
    for pattern in buttons:
        for number in BAD_NUMBERS:
            if pattern.startswith("av:") and number == NEGATIVE:
                number = "-2"  # -1 is the working-hours screen's "nothing chosen yet"
            data.append(pattern.format(n=number))
    return data


async def tap_all(
    person: TgUser, buttons: tuple[str, ...], caplog: pytest.LogCaptureFixture
) -> dict[str, str | None]:
    """Taps every button with every bad number; each must be answered without an error."""
    caplog.set_level(logging.ERROR)
    caplog.clear()
    answers = {}
    for data in forged(buttons):
        answers[data] = (await person.tap(data)).text
        errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert not errors, f"{data}: {errors[0].getMessage()}"
    return answers


def not_answered_with(expected: str, answers: dict[str, str | None]) -> dict[str, str | None]:
    return {data: answer for data, answer in answers.items() if answer != expected}


def test_every_number_in_callback_data_is_bounded() -> None:
    """A new button class with a bare int would let a forged number through again."""
    for info in pkgutil.iter_modules(keyboards.__path__):
        module = importlib.import_module(f"keyboards.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, CallbackData) or cls is CallbackData:
                continue
            for name, field in cls.model_fields.items():
                if field.annotation is not int:
                    continue
                bounds = {type(item).__name__: item for item in field.metadata}
                assert "Ge" in bounds and "Le" in bounds, f"{cls.__name__}.{name} is unbounded"
                assert bounds["Le"].le <= 2**63 - 1, f"{cls.__name__}.{name}"


@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_parsing_refuses_numbers_out_of_range(number: str) -> None:
    with pytest.raises(ValueError):
        SessionCard.unpack(f"tb:{number}")
    assert SessionCard.unpack(f"tb:{DB_ID_MAX}").booking_id == DB_ID_MAX
    assert Hours.unpack("av:add:-1").value == -1  # "no value": the weekday list
    with pytest.raises(ValueError):
        Hours.unpack(f"av:add:{number if number != NEGATIVE else '-2'}")


async def test_forged_client_buttons_are_answered_as_stale(
    harness: Harness,
    db_sessionmaker: Sessions,
    catalogue: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = harness.user(7301, "Анна")
    await sign_up(client)
    before = await snapshot(db_sessionmaker)
    answers = await tap_all(client, CLIENT_BUTTONS, caplog)
    assert not_answered_with(STALE, answers) == {}
    assert await snapshot(db_sessionmaker) == before
    assert "Главное меню" in client.last.text


async def test_forged_therapist_buttons_are_answered_as_stale(
    harness: Harness,
    db_sessionmaker: Sessions,
    catalogue: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with db_sessionmaker() as session:
        therapist_id = (await session.scalars(select(Therapist.id).order_by(Therapist.id))).first()
    assert therapist_id is not None
    await link(db_sessionmaker, therapist_id, 7302)
    therapist = harness.user(7302, "Марго")
    await therapist.send("/schedule")
    before = await snapshot(db_sessionmaker)
    answers = await tap_all(therapist, THERAPIST_BUTTONS, caplog)
    assert not_answered_with(STALE, answers) == {}
    assert await snapshot(db_sessionmaker) == before


async def test_forged_admin_buttons_are_answered_as_stale(
    harness: Harness,
    db_sessionmaker: Sessions,
    catalogue: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin = harness.user(ADMIN_ID, "Админ")
    await admin.send("/therapists")
    before = await snapshot(db_sessionmaker)
    answers = await tap_all(admin, ADMIN_BUTTONS, caplog)
    assert not_answered_with(ADMIN_STALE, answers) == {}
    assert await snapshot(db_sessionmaker) == before


async def test_forged_admin_buttons_from_a_non_admin_are_answered_as_stale(
    harness: Harness,
    db_sessionmaker: Sessions,
    catalogue: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = harness.user(7303, "Борис")
    await sign_up(client)
    before = await snapshot(db_sessionmaker, skip=frozenset({"audit_log"}))
    answers = await tap_all(client, ADMIN_BUTTONS, caplog)
    assert not_answered_with(STALE, answers) == {}
    assert await snapshot(db_sessionmaker, skip=frozenset({"audit_log"})) == before
    # The attempts are noted (by prefix only), as for any admin button a non-admin taps.
    async with db_sessionmaker() as session:
        attempts = list(await session.scalars(select(AuditEntry)))
    assert len(attempts) == len(ADMIN_BUTTONS) * len(BAD_NUMBERS)
    assert {entry.action for entry in attempts} == {"denied"}
    assert all(HUGE not in repr(entry.details) for entry in attempts)
