"""Matched cards with photos and free times, and booking, as a client sees them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from fractions import Fraction

import pytest
from icalendar import Calendar
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.matching import slot_fits
from db import catalog
from db.demo import load_demo
from db.models import Booking, BookingStatus, Slot, SlotStatus, Therapist, User
from tests.conftest import make_harness, make_settings
from tests.fake_telegram import Harness, TgUser
from tests.flows import Profile, book_first_time, sign_up

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def demo(db_sessionmaker: Sessions, clock) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())


async def all_cards(client: TgUser) -> list[str]:
    """Page through every card once; the names, in order."""
    card = client.last
    names = [card.text.split("\n")[0]]
    total = (
        int(next(b for b in card.buttons if "/" in b).split("/")[1]) if "▶" in card.buttons else 1
    )
    for _ in range(total - 1):
        await client.press("▶", message=client.last_with_buttons)
        names.append(client.last_with_buttons.text.split("\n")[0])
    return names


PROFILES = [
    Profile(),
    Profile(format="Парная", topics=["Отношения", "Семья"], budget="Не важно"),
    Profile(gender="Женщина", days="Будни", time="Вечер", budget="до 4 000 ₽", topics=["Тревога"]),
    Profile(gender="Мужчина", days="Выходные", topics=["Выгорание", "Стресс", "Работа"]),
]


@pytest.mark.parametrize(
    "profile", PROFILES, ids=["any", "couple", "female-evening", "male-weekend"]
)
async def test_cards_satisfy_every_hard_filter_in_rank_order(
    harness: Harness, db_sessionmaker: Sessions, demo: None, clock, settings, profile: Profile
) -> None:
    client = harness.user(301, "Анна")
    await sign_up(client, profile)
    await client.press("Найти терапевта")
    assert client.last.photo or "Работает с" in client.last.text
    names = await all_cards(client)
    assert len(names) == len(set(names))
    rules = settings.rules()
    earliest, latest = rules.booking_window(clock.now())
    async with db_sessionmaker() as session:
        user = (await session.scalars(select(User))).one()
        from db.users import get_questionnaire

        questionnaire = await get_questionnaire(session, user)
        assert questionnaire is not None
        prefs = catalog.preferences_of(questionnaire, user)
        therapists = {t.name_ru: t for t in await session.scalars(select(Therapist))}
        slots = await catalog.free_slots(session, None, earliest, latest)
        ranks = []
        for name in names:
            therapist = therapists[name]
            assert therapist.active
            assert (
                therapist.offers_couple if prefs.format == "couple" else therapist.offers_individual
            )
            assert prefs.gender == "any" or therapist.gender == prefs.gender
            assert prefs.budget is None or therapist.price <= prefs.budget
            fitting = [s.starts_at for s in slots[therapist.id] if slot_fits(s.starts_at, prefs)]
            assert fitting, name
            codes = {topic.code for topic in therapist.topics}
            ranks.append((-Fraction(len(codes & prefs.topics), len(prefs.topics)), min(fitting)))
        assert ranks == sorted(ranks)
        # Nobody who passes is missing.
        passing = [
            t
            for t in therapists.values()
            if t.active
            and (t.offers_couple if prefs.format == "couple" else t.offers_individual)
            and (prefs.gender == "any" or t.gender == prefs.gender)
            and (prefs.budget is None or t.price <= prefs.budget)
            and any(slot_fits(s.starts_at, prefs) for s in slots[t.id])
        ]
        assert sorted(t.name_ru for t in passing) == sorted(names)


async def test_book_in_two_taps_with_calendar_file(
    harness: Harness, db_sessionmaker: Sessions, demo: None
) -> None:
    client = harness.user(302, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    confirm = await book_first_time(client)
    assert "Проверьте запись" in confirm.text and "Бесплатная отмена" in confirm.text
    assert "24 ч" in confirm.text
    await client.press("Записаться", message=confirm)
    assert "Вы записаны" in confirm.text
    # The calendar file comes right after, then the offer of check-ins (`test_checkins`).
    document, offer = client.shown[-2:]
    assert document.document == "session.ics" and document.document_bytes
    assert "Короткие опросы между сессиями" in offer.text
    event = Calendar.from_ical(document.document_bytes).walk("VEVENT")[0]
    async with db_sessionmaker() as session:
        booking = (await session.scalars(select(Booking))).one()
        assert booking.status == BookingStatus.confirmed
        slot = await session.get(Slot, booking.slot_id)
        assert slot is not None and slot.status == SlotStatus.booked
        therapist = await session.get(Therapist, booking.therapist_id)
        assert therapist is not None
    start = event.decoded("dtstart")
    assert start == booking.starts_at and str(start.tzinfo) == "Europe/Moscow"
    assert event.decoded("dtend") - start == timedelta(minutes=therapist.session_minutes)
    assert therapist.name_ru in str(event.get("summary"))
    assert start.strftime("%H:%M") in confirm.text


async def test_race_loser_is_told_and_sees_fresh_times(
    harness: Harness, db_sessionmaker: Sessions, demo: None
) -> None:
    anna, boris = harness.user(303, "Анна"), harness.user(304, "Борис")
    for client in (anna, boris):
        await sign_up(client)
        await client.press("Найти терапевта")
    confirm_anna = await book_first_time(anna)
    confirm_boris = await book_first_time(boris)
    assert confirm_anna.text == confirm_boris.text
    await anna.press("Записаться", message=confirm_anna)
    answer = await boris.press("Записаться", message=confirm_boris)
    assert answer.text and "только что заняли" in answer.text
    assert "только что заняли" in boris.shown[-2].text
    assert boris.last.photo is not None
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Booking.id))) == 1


async def test_double_tap_confirm_books_once(
    harness: Harness, db_sessionmaker: Sessions, demo: None
) -> None:
    client = harness.user(305, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    confirm = await book_first_time(client)
    data = confirm.button("Записаться").callback_data
    answers = await asyncio.gather(client.tap(data, confirm), client.tap(data, confirm))
    assert sum(1 for a in answers if a.text and "уже записаны" in a.text) == 1
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Booking.id))) == 1


async def test_fifty_clients_confirm_the_same_slot_in_chat(
    db_sessionmaker: Sessions, settings, clock, translator
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
        slot_id = await session.scalar(
            select(Slot.id).where(Slot.status == SlotStatus.free).order_by(Slot.starts_at.desc())
        )
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    clients = [harness.user(5000 + n, f"Клиент{n}") for n in range(50)]
    for client in clients:
        await sign_up(client)
    answers = await asyncio.gather(*(client.tap(f"bk:{slot_id}") for client in clients))
    taken = [a for a in answers if a.text and "только что заняли" in a.text]
    assert len(taken) == 49
    booked = [c for c in clients if any("Вы записаны" in m.text for m in c.shown)]
    assert len(booked) == 1
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Booking.id))) == 1


async def test_old_card_after_questionnaire_edit(harness: Harness, demo: None) -> None:
    client = harness.user(306, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    card = client.last
    await client.send("/settings")
    await client.press("Изменить анкету")
    await client.press("Бюджет")
    await client.press("до 6 000 ₽")
    await client.press("Всё верно")
    await client.press("Найти терапевта")
    answer = await client.press("▶", message=card)
    assert answer.text and "изменились" in answer.text


async def test_empty_catalogue_is_not_a_dead_end(
    harness: Harness, db_sessionmaker: Sessions
) -> None:
    client = harness.user(307, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    assert "нет специалистов" in client.last.text
    assert "Найти терапевта" in client.last.buttons[0]


async def test_relaxation_offers_one_tap_way_out(
    harness: Harness, db_sessionmaker: Sessions, demo: None
) -> None:
    client = harness.user(308, "Анна")
    await sign_up(client, Profile(gender="Мужчина", format="Парная", budget="до 2 500 ₽"))
    await client.press("Найти терапевта")
    text = client.last.text
    assert "Никого не нашлось" in text or "никто" in text
    assert client.last.buttons
    await client.press(client.last.buttons[0])
    assert "расширенными" in " ".join(client.texts_since(0))


async def test_card_without_photo_is_a_text_card(
    harness: Harness, db_sessionmaker: Sessions, demo: None
) -> None:
    async with db_sessionmaker() as session:
        await session.execute(update(Therapist).values(photo_path=None, photo_file_id=None))
        await session.commit()
    client = harness.user(309, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    assert client.last.photo is None and "Работает с" in client.last.text


async def test_photos_are_uploaded_once(harness: Harness, demo: None) -> None:
    client = harness.user(310, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    names = await all_cards(client)
    uploads = harness.telegram.uploads
    assert 0 < uploads <= len(names)
    await all_cards(client)
    assert harness.telegram.uploads == uploads


async def test_forged_and_stale_slot_buttons(
    harness: Harness, db_sessionmaker: Sessions, demo: None, clock
) -> None:
    client = harness.user(311, "Анна")
    await sign_up(client)
    await client.press("Найти терапевта")
    answer = await client.tap("sp:999999")
    assert answer.text and "недоступно" in answer.text
    answer = await client.tap("sp:abc")
    assert answer.text
    async with db_sessionmaker() as session:
        soon = await session.scalar(
            select(Slot.id).where(Slot.starts_at < clock.now() + timedelta(hours=12))
        )
        therapist_id = await session.scalar(select(Therapist.id).where(Therapist.active.is_(True)))
        await session.execute(
            update(Therapist).where(Therapist.id == therapist_id).values(active=False)
        )
        inactive_slot = await session.scalar(
            select(Slot.id).where(Slot.therapist_id == therapist_id)
        )
        await session.commit()
    if soon is not None:
        answer = await client.tap(f"sp:{soon}")
        assert answer.text
    answer = await client.tap(f"bk:{inactive_slot}")
    assert answer.text and "недоступно" in answer.text


async def test_therapist_and_group_are_told(
    db_sessionmaker: Sessions, database_url: str, clock, translator
) -> None:
    settings = make_settings(database_url, therapist_chat_id=-100500)
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
        await session.execute(update(Therapist).values(telegram_id=None))
        await session.execute(update(Therapist).where(Therapist.id == 1).values(telegram_id=777))
        await session.execute(delete(Slot).where(Slot.therapist_id != 1))
        await session.commit()
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    client = harness.user(312, "Вика", username="vika_secret")
    await sign_up(client, Profile(topics=["Тревога"]))
    await client.press("Найти терапевта")
    confirm = await book_first_time(client)
    await client.press("Записаться", message=confirm)
    therapist_chat = harness.telegram.chats[777][-1].text
    group_chat = harness.telegram.chats[-100500][-1].text
    for text in (therapist_chat, group_chat):
        assert "Новая запись" in text and "Вика" in text
        assert "vika_secret" not in text and "312" not in text
        assert "30" not in text  # the age stays private
    # Topics are health-related: the therapist sees them, the practice's group does not.
    assert "Тревога" in therapist_chat and "Тревога" not in group_chat
