"""Callback data fields with a fixed set of values are typed (an enum, a Literal, a bounded
number, a date): a forged value fails parsing, so no handler sees it, and the person gets
the stale-button answer."""

from __future__ import annotations

import logging
import typing
from typing import Any, get_args

import pytest
from aiogram.filters.callback_data import CallbackData
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.matching import RELAXATIONS
from db import admin_reports
from db.demo import load_demo
from db.models import Therapist
from handlers.admin.fields import FIELDS
from handlers.shared.flow import STEPS
from keyboards.admin import Audience, BroadcastAudience, TherapistField
from keyboards.cabinet import CHANGE_REASONS, CabinetAction, ChangeReason, MoveDay
from keyboards.catalog import CardDay, Relax, Relaxation
from keyboards.menu import LanguageChoice
from keyboards.questionnaire import Answer, EditAnswer, Step
from keyboards.series import SeriesPause, SeriesPauseConfirm
from keyboards.therapist import Outcome
from tests.conftest import ADMIN_ID, ManualClock
from tests.fake_telegram import Harness
from tests.flows import sign_up
from tests.test_forged_ids import ADMIN_STALE, STALE
from tests.test_messaging import link

Sessions = async_sessionmaker[AsyncSession]

FORGED: list[tuple[type[CallbackData], str]] = [
    (CabinetAction, "my:nowhere"),
    (ChangeReason, "ch:bored"),
    (Relax, "rx:price"),
    (LanguageChoice, "lang:de"),
    (CardDay, "cd:0:0:2026-13-01"),
    (CardDay, "cd:0:0:tomorrow"),
    (MoveDay, "mv:1:yesterday"),
    (SeriesPause, "sz:1:5"),
    (SeriesPauseConfirm, "sq:1:0"),
    (Answer, "qa:nonsense:1"),
    (EditAnswer, "qe:summary"),
    (Outcome, "to:1:cancelled"),
    (BroadcastAudience, "adba:everyone"),
]


def values(kind: Any) -> tuple[str, ...]:
    """A Literal's values, nested Literals flattened."""
    out: list[str] = []
    for arg in get_args(kind):
        out += values(arg) if typing.get_origin(arg) is typing.Literal else [arg]
    return tuple(out)


def test_the_typed_values_are_the_ones_the_code_offers() -> None:
    assert values(Step) == STEPS
    assert values(Relaxation) == RELAXATIONS
    assert values(Audience) == admin_reports.AUDIENCES
    assert values(TherapistField) == FIELDS  # checked by its handler
    assert tuple(str(reason) for reason in CHANGE_REASONS) == (
        "fit",
        "schedule",
        "price",
        "other",
        "skip",
    )


@pytest.mark.parametrize(("cls", "data"), FORGED, ids=[data for _, data in FORGED])
def test_parsing_refuses_a_forged_value(cls: type[CallbackData], data: str) -> None:
    with pytest.raises(ValueError):
        cls.unpack(data)


def test_typed_fields_keep_their_data() -> None:
    """The same short data as before the fields were typed."""
    from datetime import date

    assert CardDay.unpack("cd:3:1:2026-12-08").day == date(2026, 12, 8)
    assert CardDay(v=3, index=1, day=date(2026, 12, 8)).pack() == "cd:3:1:2026-12-08"
    assert CardDay(v=3, index=1, day=None).pack() == "cd:3:1:"
    assert CardDay.unpack("cd:3:1:").day is None
    assert SeriesPause.unpack("sz:7:2").pack() == "sz:7:2"
    assert ChangeReason.unpack("ch:price").pack() == "ch:price"
    assert CabinetAction.unpack("my:change").pack() == "my:change"


@pytest.fixture
async def catalogue(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


async def test_a_forged_value_gets_the_stale_button_answer(
    harness: Harness,
    db_sessionmaker: Sessions,
    catalogue: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    client = harness.user(7501, "Анна")
    await sign_up(client)
    for _, data in FORGED:
        if data.startswith(("ad", "to:")):
            continue
        answer = await client.tap(data)
        assert answer.text == STALE, data
    assert "Главное меню" in client.last.text

    async with db_sessionmaker() as session:
        therapist_id = (await session.scalars(select(Therapist.id).order_by(Therapist.id))).first()
    assert therapist_id is not None
    await link(db_sessionmaker, therapist_id, 7502)
    therapist = harness.user(7502, "Марго")
    await therapist.send("/schedule")
    answer = await therapist.tap("to:1:cancelled")
    assert answer.text == STALE

    admin = harness.user(ADMIN_ID, "Админ")
    await admin.send("/therapists")
    for data in ("adsv:1:2026-02-30", "adba:everyone"):  # the first checked by its handler
        answer = await admin.tap(data)
        assert answer.text == ADMIN_STALE, data
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
