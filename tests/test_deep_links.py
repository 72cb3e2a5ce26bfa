"""`/start <payload>`: an invite code links a therapist; any other payload (a referral or
ad tag) starts the usual onboarding and is counted, anonymously, as where people come
from, which admins see in /stats."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import admin_catalog
from db.demo import load_demo
from db.models import FunnelEvent, Therapist
from handlers.therapist import INVITE_CODE
from tests.conftest import ADMIN_ID, ManualClock
from tests.fake_telegram import Harness, TgUser
from tests.flows import Profile, answer_questionnaire

Sessions = async_sessionmaker[AsyncSession]
THERAPIST_ID = 700001
INVALID = "недействительна"


@pytest.fixture
async def demo(db_sessionmaker: Sessions, clock: ManualClock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


async def funnel(sessions: Sessions) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(select(FunnelEvent.kind).order_by(FunnelEvent.id)))


async def sources(sessions: Sessions) -> list[str]:
    return [kind for kind in await funnel(sessions) if kind.startswith("source:")]


async def invite(sessions: Sessions, therapist_id: int, clock: ManualClock) -> str:
    async with sessions() as session:
        created = await admin_catalog.create_invite(
            session, therapist_id, actor=ADMIN_ID, now=clock.now()
        )
        assert created is not None
        return created.code


async def first_screens(person: TgUser, text: str) -> list[str]:
    mark = person.mark()
    await person.send(text)
    return person.texts_since(mark)


async def test_an_ad_link_starts_onboarding_and_counts_its_source(
    harness: Harness, db_sessionmaker: Sessions, demo: None
) -> None:
    plain = await first_screens(harness.user(800001, "Ян"), "/start")
    newcomer = harness.user(800002, "Ника")
    assert await first_screens(newcomer, "/start ad_vk_dec") == plain
    assert "Согласен(на)" in newcomer.last.buttons
    assert await funnel(db_sessionmaker) == ["start", "start", "source:ad_vk_dec"]

    # And on through the usual sign-up to the main menu.
    await newcomer.press("Согласен")
    await answer_questionnaire(newcomer, Profile())
    await newcomer.press("Всё верно")
    assert any("анкета сохранена" in text for text in newcomer.texts_since(0))

    # Someone with a profile who opens the link again is where /start takes them, and is
    # not counted as arriving again.
    await newcomer.send("/start ad_vk_dec")
    assert "Главное меню" in newcomer.last.text
    assert await sources(db_sessionmaker) == ["source:ad_vk_dec"]
    # The funnel stays anonymous: nothing in it names the person.
    assert all(str(newcomer.user.id) not in kind for kind in await funnel(db_sessionmaker))


async def test_admins_see_the_top_sources_of_30_days(
    harness: Harness, db_sessionmaker: Sessions, demo: None, clock: ManualClock
) -> None:
    await harness.user(800010, "Старый").send("/start ad_old")
    clock.advance(days=31)
    for person_id, payload in ((800011, "ad_vk_dec"), (800012, "ref_42"), (800013, "ad_vk_dec")):
        await harness.user(person_id, "Гость").send(f"/start {payload}")
    await harness.user(800014, "Гость").send("/start")

    admin = harness.user(ADMIN_ID, "Админ")
    await admin.send("/stats")
    lines = admin.shown[-4].text.splitlines()
    title = "Откуда пришли за 30 дней (метка ссылки /start, доля от /start)"
    at = lines.index(title)
    assert lines[at + 1 : at + 3] == ["ad_vk_dec: 2 (50%)", "ref_42: 1 (25%)"]
    assert "ad_old" not in admin.shown[-4].text

    english = harness.user(ADMIN_ID, "Admin", language_code="en")
    await english.send("/stats")
    assert "Where people came from over 30 days" in english.shown[-4].text


async def test_a_real_invite_code_still_links_a_therapist(
    harness: Harness, db_sessionmaker: Sessions, demo: None, clock: ManualClock
) -> None:
    code = await invite(db_sessionmaker, 1, clock)
    assert INVITE_CODE.fullmatch(code)
    therapist = harness.user(THERAPIST_ID, "Анна")
    await therapist.send(f"/start {code}")
    assert "привязан к профилю" in therapist.last.text
    async with db_sessionmaker() as session:
        linked = await session.get(Therapist, 1)
        assert linked is not None and linked.telegram_id == THERAPIST_ID
    # An invite code is as good as a password: it never goes into the funnel.
    assert await funnel(db_sessionmaker) == []


async def test_used_expired_or_unknown_invite_codes_are_not_valid(
    harness: Harness, db_sessionmaker: Sessions, demo: None, clock: ManualClock
) -> None:
    used = await invite(db_sessionmaker, 1, clock)
    await harness.user(THERAPIST_ID, "Анна").send(f"/start {used}")
    expired = await invite(db_sessionmaker, 2, clock)
    clock.advance(days=8)
    unknown = "Zq3_x-9aB0cDeFgHiJkLmN"
    assert INVITE_CODE.fullmatch(unknown)

    for code in (used, expired, unknown):
        person = harness.user(800020, "Ира")
        screens = await first_screens(person, f"/start {code}")
        assert len(screens) == 1 and INVALID in screens[0], code
    assert await funnel(db_sessionmaker) == []
    async with db_sessionmaker() as session:
        second = await session.get(Therapist, 2)
        assert second is not None and second.telegram_id is None


@pytest.mark.parametrize(
    ("payload", "stored"),
    [
        ("<b>x</b>", None),
        ("🎉🎉🎉", None),
        ("ad vk <i>", None),
        ("a" * 200, "source:" + "a" * 25),
        ("ad_" + "я" * 197, None),
        ("x" * 21, "source:" + "x" * 21),  # one short of an invite code's length
    ],
    ids=["html", "emoji", "spaces", "long", "long-cyrillic", "almost-a-code"],
)
async def test_odd_payloads_are_stored_safely_or_ignored(
    harness: Harness, db_sessionmaker: Sessions, demo: None, payload: str, stored: str | None
) -> None:
    plain = await first_screens(harness.user(800030, "Ян"), "/start")
    person = harness.user(800031, "Гость")
    assert await first_screens(person, f"/start {payload}") == plain
    assert await sources(db_sessionmaker) == ([stored] if stored else [])
    assert all(len(kind) <= 32 for kind in await funnel(db_sessionmaker))

    await person.press("Согласен")
    assert "Вопрос 1 из 8" in person.last.text

    admin = harness.user(ADMIN_ID, "Админ")
    await admin.send("/stats")
    report = admin.shown[-4].text
    assert "Откуда пришли за 30 дней" in report
    if stored:
        assert f"{stored.removeprefix('source:')}: 1 (50%)" in report
    else:
        assert "Никто не пришёл по ссылке с меткой." in report
