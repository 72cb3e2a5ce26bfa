"""Therapists in their own chat: linking, cards, schedule, working hours, outcomes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.timezones import zone
from db import admin_catalog
from db.demo import load_demo
from db.models import (
    AvailabilityRule,
    Booking,
    BookingStatus,
    Slot,
    SlotStatus,
    Therapist,
    TherapistInvite,
    User,
)
from tests.conftest import ADMIN_ID, ManualClock, make_harness, make_settings
from tests.fake_telegram import Harness, TgUser
from tests.flows import book_session, sign_up

Sessions = async_sessionmaker[AsyncSession]
THERAPIST_ID = 700001
GROUP_CHAT = -100777


@pytest.fixture
async def practice(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> Harness:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    settings = make_settings(database_url, therapist_chat_id=GROUP_CHAT)
    return make_harness(settings, db_sessionmaker, clock, translator)


async def invite(sessions: Sessions, therapist_id: int, clock: ManualClock) -> str:
    async with sessions() as session:
        created = await admin_catalog.create_invite(
            session, therapist_id, actor=ADMIN_ID, now=clock.now()
        )
        assert created is not None
        return created.code


async def link(harness: Harness, sessions: Sessions, clock, therapist_id: int = 1) -> TgUser:
    therapist = harness.user(THERAPIST_ID, "Анна", username="anna_therapist")
    await therapist.send(f"/start {await invite(sessions, therapist_id, clock)}")
    assert "привязан к профилю" in therapist.last.text
    return therapist


async def booked_with_the_first(
    harness: Harness, sessions: Sessions, clock: ManualClock, client_id: int
) -> tuple[TgUser, TgUser, Booking]:
    """The first therapist linked, and a client booked with them (only they have time)."""
    async with sessions() as session:
        await session.execute(update(Slot).where(Slot.therapist_id != 1).values(status="blocked"))
        await session.commit()
    therapist = await link(harness, sessions, clock)
    client = harness.user(client_id, "Вика")
    await book_session(client)
    async with sessions() as session:
        booking = (await session.scalars(select(Booking))).one()
    return therapist, client, booking


async def test_invite_links_once(practice: Harness, db_sessionmaker: Sessions, clock) -> None:
    code = await invite(db_sessionmaker, 1, clock)
    therapist = practice.user(THERAPIST_ID, "Анна")
    await therapist.send(f"/start {code}")
    assert "Анна Смирнова" in therapist.last.text and "/schedule" in therapist.last.text
    scoped = [c for c in practice.telegram.commands if getattr(c.scope, "chat_id", None)]
    assert {c.language_code for c in scoped} == {None, "ru", "en"}
    assert [c.command for c in scoped[0].commands] == [
        "schedule",
        "availability",
        "clients",
        "calendar",
        "confirmations",
        "groups",
        "mystats",
        "language",
        "help",
    ]
    async with db_sessionmaker() as session:
        stored = await session.get(Therapist, 1)
        assert stored.telegram_id == THERAPIST_ID
    # The code is spent: nobody else can use it.
    intruder = practice.user(700002, "Ира")
    await intruder.send(f"/start {code}")
    assert "недействительна" in intruder.last.text
    async with db_sessionmaker() as session:
        assert (await session.get(Therapist, 1)).telegram_id == THERAPIST_ID


async def test_expired_and_unknown_codes(practice: Harness, db_sessionmaker, clock) -> None:
    code = await invite(db_sessionmaker, 2, clock)
    clock.advance(days=8)
    therapist = practice.user(THERAPIST_ID, "Анна")
    await therapist.send(f"/start {code}")
    assert "недействительна" in therapist.last.text
    await therapist.send("/start Zq3_x-9aB0cDeFgHiJkLmN")
    assert "недействительна" in therapist.last.text
    async with db_sessionmaker() as session:
        assert (await session.get(Therapist, 2)).telegram_id is None


async def test_one_account_cannot_hold_two_profiles(
    practice: Harness, db_sessionmaker: Sessions, clock
) -> None:
    therapist = await link(practice, db_sessionmaker, clock, therapist_id=1)
    second = await invite(db_sessionmaker, 2, clock)
    await therapist.send(f"/start {second}")
    assert "уже привязан" in therapist.last.text
    async with db_sessionmaker() as session:
        assert (await session.get(Therapist, 2)).telegram_id is None
        unused = await session.get(TherapistInvite, second)
        assert unused.used_at is None


async def test_booking_card_reaches_the_linked_therapist(
    practice: Harness, db_sessionmaker: Sessions, clock
) -> None:
    async with db_sessionmaker() as session:
        # Only the first therapist has free time, so the booking lands with them.
        await session.execute(update(Slot).where(Slot.therapist_id != 1).values(status="blocked"))
        await session.commit()
    therapist = await link(practice, db_sessionmaker, clock)
    client = practice.user(501, "Вика", username="vika_private")
    await book_session(client)
    card = therapist.last
    assert "Новая запись" in card.text and "Вика" in card.text and "Тревога" in card.text
    assert any("Написать клиенту" in b for b in card.buttons)
    group = practice.telegram.chats[GROUP_CHAT][-1].text
    assert "Вика" in group and "Тревога" not in group
    for text in (card.text, group):
        assert "vika_private" not in text and "501" not in text


async def test_schedule_outcomes_and_history(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    therapist, client, booking = await booked_with_the_first(practice, db_sessionmaker, clock, 502)
    await therapist.send("/schedule")
    local = booking.starts_at.astimezone(zone("Europe/Moscow"))
    assert f"{local:%H:%M} — Вика" in therapist.last.text
    await therapist.press("Вика")
    card = therapist.last
    assert "Сессия" in card.text and not any("Состоялась" in b for b in card.buttons)
    answer = await therapist.tap(f"to:{booking.id}:completed", card)
    assert answer.text and "после начала" in answer.text
    clock.current = booking.starts_at + timedelta(minutes=60)
    await therapist.press("Вика", message=therapist.shown[-2])
    await therapist.press("Состоялась")
    async with db_sessionmaker() as session:
        assert (await session.get(Booking, booking.id)).status == BookingStatus.completed
    # The client's history shows it.
    await client.send("/my")
    await client.press("История")
    assert "состоялась" in client.last.text
    # Another therapist cannot touch it.
    stranger = practice.user(THERAPIST_ID + 1, "Пётр")
    await stranger.send(f"/start {await invite(db_sessionmaker, 3, clock)}")
    answer = await stranger.tap(f"to:{booking.id}:no_show", card)
    assert answer.text and "недоступна" in answer.text
    answer = await stranger.tap(f"tb:{booking.id}", card)
    assert answer.text and "недоступна" in answer.text
    async with db_sessionmaker() as session:
        assert (await session.get(Booking, booking.id)).status == BookingStatus.completed


async def test_a_therapist_cancels_a_session_and_the_client_is_told(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    therapist, client, booking = await booked_with_the_first(practice, db_sessionmaker, clock, 503)
    # Someone else's therapist account cannot cancel it.
    stranger = practice.user(THERAPIST_ID + 1, "Пётр")
    await stranger.send(f"/start {await invite(db_sessionmaker, 3, clock)}")
    await therapist.send("/schedule")
    await therapist.press("Вика")
    card = therapist.last
    answer = await stranger.tap(f"tc:{booking.id}:1", card)
    assert answer.show_alert and "недоступна" in (answer.text or "")
    await therapist.press("✖ Отменить сессию", message=card)
    assert "Отменить сессию" in card.text and "оплата вернётся полностью" in card.text
    mark = client.mark()
    await therapist.press("✖ Да, отменить сессию", message=card)
    async with db_sessionmaker() as session:
        stored = await session.get(Booking, booking.id)
        slot = await session.get(Slot, booking.slot_id)
    assert stored.status == BookingStatus.cancelled and stored.cancelled_by == "therapist"
    assert slot.status == SlotStatus.free
    told, calendar_caption = client.texts_since(mark)  # the notice, then the .ics
    assert "не сможет её провести" in told and "Приносим извинения" in told
    assert "убрать отменённую сессию" in calendar_caption
    notice = client.harness.telegram.chats[client.id][-2]
    assert any("Выбрать время" in b for b in notice.buttons)
    assert any("Отмена сессии" in m.text for m in practice.telegram.chats[GROUP_CHAT])
    # A second tap on the same confirmation changes nothing.
    answer = await therapist.tap(f"tc:{booking.id}:1", card)
    assert answer.show_alert and "уже нельзя отменить" in (answer.text or "")
    assert client.texts_since(mark) == [told, calendar_caption]


async def test_clients_and_admin_commands_are_for_their_roles(
    practice: Harness, db_sessionmaker: Sessions, clock
) -> None:
    client = practice.user(503, "Вика")
    await sign_up(client)
    for command in ("/schedule", "/availability", "/clients"):
        await client.send(command)
        assert "не понял" in client.last.text
    therapist = await link(practice, db_sessionmaker, clock)
    await therapist.send("/clients")
    assert "Клиентов пока нет" in therapist.last.text
    answer = await client.tap("av:remove:1")
    assert answer.text
    async with db_sessionmaker() as session:
        assert await session.get(AvailabilityRule, 1) is not None


async def test_working_hours_and_days_off(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    async with db_sessionmaker() as session:
        await session.execute(update(Slot).where(Slot.therapist_id != 1).values(status="blocked"))
        await session.commit()
    therapist = await link(practice, db_sessionmaker, clock)
    client = practice.user(504, "Вика")
    await book_session(client)
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
    await therapist.send("/availability")
    screen = therapist.last
    assert "Рабочие часы" in screen.text and "Окна по дням недели" in screen.text

    # A new window on Sunday.
    await therapist.press("Добавить окно", message=screen)
    await therapist.press("Вс", message=screen)
    await therapist.send("полдень")
    assert "Не получилось" in therapist.last.text
    await therapist.send("12:00-15:00")
    assert "Свободное время обновлено" in therapist.shown[-2].text
    async with db_sessionmaker() as session:
        sunday = await session.scalar(
            select(func.count(AvailabilityRule.id)).where(
                AvailabilityRule.therapist_id == 1, AvailabilityRule.weekday == 6
            )
        )
        assert sunday == 1

    # The booked day becomes a day off: its free slots go, the session stays and is listed.
    day = booking.starts_at.astimezone(zone("Europe/Moscow")).date()
    await therapist.press("Выходной или отпуск", message=therapist.last)
    await therapist.send("вчера")
    assert "Не получилось" in therapist.last.text
    await therapist.send(day.isoformat())
    report = therapist.shown[-2].text
    assert "вне рабочего времени" in report and "Вика" in report
    async with db_sessionmaker() as session:
        stored = await session.get(Booking, booking.id)
        assert stored.status == BookingStatus.confirmed
        free_that_day = [
            s
            for s in await session.scalars(
                select(Slot).where(Slot.therapist_id == 1, Slot.status == SlotStatus.free)
            )
            if s.starts_at.astimezone(zone("Europe/Moscow")).date() == day
        ]
        assert free_that_day == []

    # Longer sessions regenerate the free slots with the new length.
    await therapist.press("Длительность", message=therapist.last)
    await therapist.press("80", message=therapist.last)
    async with db_sessionmaker() as session:
        lengths = {
            (s.ends_at - s.starts_at)
            for s in await session.scalars(
                select(Slot).where(Slot.therapist_id == 1, Slot.status == SlotStatus.free)
            )
        }
        assert lengths == {timedelta(minutes=80)}


def test_parsers() -> None:
    from handlers.therapist import parse_time_off, parse_window

    assert parse_window("10:00-18:00", 0) is not None
    assert parse_window("9.30 – 13.00", 2) is not None
    for bad in ("18:00-10:00", "25:00-26:00", "10:60-11:00", "утро", "10:00-24:30"):
        assert parse_window(bad, 0) is None, bad
    today = date(2026, 12, 7)
    assert parse_time_off("2026-12-31", today) == (date(2026, 12, 31), date(2026, 12, 31))
    assert parse_time_off("2026-12-24 2027-01-05", today) == (date(2026, 12, 24), date(2027, 1, 5))
    for bad in ("2026-12-01", "2027-01-05 2026-12-24", "2026-12-24 2028-01-05", "завтра"):
        assert parse_time_off(bad, today) is None, bad


async def test_a_therapist_reads_notices_in_their_own_language(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    async with db_sessionmaker() as session:
        await session.execute(update(Slot).where(Slot.therapist_id != 1).values(status="blocked"))
        await session.commit()
    therapist = practice.user(THERAPIST_ID, "Anna", language_code="en")
    await therapist.send(f"/start {await invite(db_sessionmaker, 1, clock)}")
    assert "linked to your specialist profile" in therapist.last.text
    async with db_sessionmaker() as session:
        assert (await session.get(Therapist, 1)).language == "en"

    await book_session(practice.user(7101, "Вика"))
    assert "New booking" in therapist.last.text and "Вика" in therapist.last.text
    # The practice's group keeps the default language.
    assert "Новая запись" in practice.telegram.chats[GROUP_CHAT][-1].text

    await therapist.send("/language")
    await therapist.press("Русский")
    assert therapist.last.text == "Готово, язык: русский."  # no consent screen for a therapist
    await book_session(practice.user(7102, "Оля"))
    assert "Новая запись" in therapist.last.text and "Оля" in therapist.last.text
    async with db_sessionmaker() as session:
        assert (await session.get(Therapist, 1)).language == "ru"
        assert (
            await session.scalar(
                select(func.count(User.id)).where(User.telegram_id == THERAPIST_ID)
            )
            == 0
        )
