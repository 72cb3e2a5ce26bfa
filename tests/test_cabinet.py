"""The client's cabinet: sessions, moving, cancelling, history, changing therapist."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_dispatcher
from db.demo import load_demo
from db.models import (
    Booking,
    BookingChange,
    BookingStatus,
    FunnelEvent,
    Slot,
    SlotStatus,
    Therapist,
    User,
)
from tests.conftest import ManualClock, make_harness, make_settings
from tests.fake_telegram import Harness, Shown, TgUser
from tests.flows import book_session

Sessions = async_sessionmaker[AsyncSession]
THERAPIST_CHAT = 777
GROUP_CHAT = -100500


@pytest.fixture
async def practice(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> Harness:
    """The demo catalogue with its first therapist linked, and a practice group chat."""
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
        await session.execute(
            update(Therapist).where(Therapist.id == 1).values(telegram_id=THERAPIST_CHAT)
        )
        await session.commit()
    settings = make_settings(database_url, therapist_chat_id=GROUP_CHAT)
    return make_harness(settings, db_sessionmaker, clock, translator)


async def the_booking(sessions: Sessions) -> Booking:
    async with sessions() as session:
        return (await session.scalars(select(Booking).order_by(Booking.id.desc()))).first()


async def open_cabinet(client: TgUser) -> Shown:
    await client.send("/my")
    return client.last


async def open_first_session(client: TgUser) -> Shown:
    cabinet = await open_cabinet(client)
    await client.press(cabinet.buttons[0], message=cabinet)
    return cabinet


async def test_cabinet_lists_upcoming_sessions(practice: Harness, db_sessionmaker) -> None:
    client = practice.user(401, "Анна")
    await book_session(client)
    cabinet = await open_cabinet(client)
    booking = await the_booking(db_sessionmaker)
    async with db_sessionmaker() as session:
        therapist = await session.get(Therapist, booking.therapist_id)
    assert cabinet.photo is not None
    assert "Мои сессии" in cabinet.text and therapist.name_ru in cabinet.text
    assert "подтверждена" in cabinet.text
    assert any("Сменить терапевта" in b for b in cabinet.buttons)
    assert any("История" in b for b in cabinet.buttons)
    # The same from the main menu.
    await client.send("/start")
    await client.press("Мои сессии")
    assert "Мои сессии" in client.last.text


async def test_empty_cabinet_offers_search(harness: Harness) -> None:
    from tests.flows import sign_up

    client = harness.user(402, "Анна")
    await sign_up(client)
    cabinet = await open_cabinet(client)
    assert "Предстоящих сессий нет" in cabinet.text
    assert "Найти терапевта" in cabinet.buttons[0]


async def test_reschedule_moves_booking_and_frees_old_slot(
    practice: Harness, db_sessionmaker: Sessions
) -> None:
    client = practice.user(403, "Анна")
    await book_session(client)
    before = await the_booking(db_sessionmaker)
    screen = await open_first_session(client)
    assert "Осталось переносов: 2" in screen.text
    await client.press("Перенести", message=screen)
    assert "Выберите новое время" in screen.text
    await client.press(screen.buttons[-2], message=screen)  # the last day offered
    await client.press(screen.buttons[0], message=screen)  # its first time
    assert "Перенести сессию?" in screen.text
    await client.press("✅ Перенести", message=screen)
    assert "перенесена" in screen.text
    assert client.last.document == "session.ics"
    after = await the_booking(db_sessionmaker)
    assert after.id == before.id and after.starts_at != before.starts_at
    assert after.reschedule_count == 1
    async with db_sessionmaker() as session:
        old_slot = await session.get(Slot, before.slot_id)
        new_slot = await session.get(Slot, after.slot_id)
        assert old_slot.status == SlotStatus.free and new_slot.status == SlotStatus.booked
        assert new_slot.starts_at == after.starts_at
        change = (await session.scalars(select(BookingChange))).one()
        assert change.old_starts_at == before.starts_at
    event = Calendar.from_ical(client.last.document_bytes).walk("VEVENT")[0]
    assert event.decoded("dtstart") == after.starts_at
    if after.therapist_id == 1:
        told = practice.telegram.chats[THERAPIST_CHAT][-1].text
        assert "Перенос сессии" in told and "Анна" in told
    assert "Перенос сессии" in practice.telegram.chats[GROUP_CHAT][-1].text


async def test_reschedule_rules(practice: Harness, db_sessionmaker: Sessions, clock) -> None:
    client = practice.user(404, "Анна")
    await book_session(client)
    booking = await the_booking(db_sessionmaker)
    async with db_sessionmaker() as session:
        await session.execute(
            update(Booking).where(Booking.id == booking.id).values(reschedule_count=2)
        )
        await session.commit()
    screen = await open_first_session(client)
    answer = await client.press("Перенести", message=screen)
    assert answer.text and "Лимит переносов" in answer.text
    clock.current = booking.starts_at - timedelta(hours=3)
    answer = await client.tap(f"mv:{booking.id}:", screen)
    assert answer.text and "не позднее чем за 12 ч" in answer.text
    clock.current = booking.starts_at + timedelta(minutes=5)
    answer = await client.tap(f"mv:{booking.id}:", screen)
    assert answer.text and "уже началась" in answer.text
    answer = await client.tap(f"ca:{booking.id}", screen)
    assert answer.text and "уже началась" in answer.text
    assert (await the_booking(db_sessionmaker)).status == BookingStatus.confirmed


async def test_new_time_taken_meanwhile(practice: Harness, db_sessionmaker: Sessions) -> None:
    anna, boris = practice.user(405, "Анна"), practice.user(406, "Борис")
    await book_session(anna)
    booking = await the_booking(db_sessionmaker)
    screen = await open_first_session(anna)
    await anna.press("Перенести", message=screen)
    await anna.press(screen.buttons[0], message=screen)
    await anna.press(screen.buttons[0], message=screen)
    confirm_data = screen.button("✅ Перенести").callback_data
    target_slot = int(confirm_data.split(":")[2])
    async with db_sessionmaker() as session:
        await session.execute(
            update(Slot).where(Slot.id == target_slot).values(status=SlotStatus.booked)
        )
        await session.commit()
    answer = await anna.tap(confirm_data, screen)
    assert answer.text and "только что заняли" in answer.text
    assert "Выберите новое время" in screen.text
    assert (await the_booking(db_sessionmaker)).starts_at == booking.starts_at
    del boris


async def test_cancel_free_and_late(practice: Harness, db_sessionmaker: Sessions, clock) -> None:
    client = practice.user(407, "Анна")
    await book_session(client)
    booking = await the_booking(db_sessionmaker)
    screen = await open_first_session(client)
    clock.current = booking.starts_at - timedelta(hours=30)
    await client.press("Отменить", message=screen)
    assert "бесплатная" in screen.text
    await client.press("Не отменять", message=screen)
    clock.current = booking.starts_at - timedelta(hours=2)
    await client.press("Отменить", message=screen)
    assert "поздняя отмена" in screen.text
    assert "не возвращается" not in screen.text  # nothing was paid online
    await client.press("Да, отменить", message=screen)
    assert "отменена" in screen.text
    async with db_sessionmaker() as session:
        stored = await session.get(Booking, booking.id)
        slot = await session.get(Slot, booking.slot_id)
        assert stored.status == BookingStatus.cancelled and stored.slot_id is None
        assert stored.cancelled_by == "client"
        assert slot.status == SlotStatus.free
    assert "Отмена сессии" in practice.telegram.chats[GROUP_CHAT][-1].text
    # The same button again: already cancelled.
    answer = await client.tap(f"cc:{booking.id}", screen)
    assert answer.text and "уже отменена" in answer.text


async def test_someone_elses_booking_buttons(practice: Harness, db_sessionmaker: Sessions) -> None:
    anna, boris = practice.user(408, "Анна"), practice.user(409, "Борис")
    await book_session(anna)
    booking = await the_booking(db_sessionmaker)
    from tests.flows import sign_up

    await sign_up(boris)
    screen = await open_cabinet(boris)
    for forged in (f"mb:{booking.id}", f"ca:{booking.id}", f"cc:{booking.id}", f"mv:{booking.id}:"):
        answer = await boris.tap(forged, screen)
        assert answer.text and "уже отменена" in answer.text, forged
    slot_id = booking.slot_id
    answer = await boris.tap(f"mc:{booking.id}:{slot_id}:0", screen)
    assert answer.text
    after = await the_booking(db_sessionmaker)
    assert (after.status, after.starts_at) == (BookingStatus.confirmed, booking.starts_at)


async def test_two_devices_cancel_at_once(practice: Harness, db_sessionmaker: Sessions) -> None:
    client = practice.user(410, "Анна")
    await book_session(client)
    booking = await the_booking(db_sessionmaker)
    screen = await open_first_session(client)
    await client.press("Отменить", message=screen)
    data = screen.button("Да, отменить").callback_data
    await asyncio.gather(client.tap(data, screen), client.tap(data, screen))
    async with db_sessionmaker() as session:
        stored = await session.get(Booking, booking.id)
        assert stored.status == BookingStatus.cancelled
    cancellations = [m for m in practice.telegram.chats[GROUP_CHAT] if "Отмена" in m.text]
    assert len(cancellations) == 1


async def test_history_is_paginated(
    harness: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    from tests.flows import sign_up

    client = harness.user(411, "Анна")
    await sign_up(client)
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now() - timedelta(days=30))
        user = (await session.scalars(select(User))).one()
        statuses = [BookingStatus.completed, BookingStatus.cancelled, BookingStatus.no_show]
        for n in range(7):
            start = clock.now() - timedelta(days=20 - n)
            session.add(
                Booking(
                    client_id=user.id,
                    therapist_id=1,
                    slot_id=None,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=50),
                    status=statuses[n % 3],
                    format="individual",
                    price=3000,
                    created_at=start - timedelta(days=2),
                )
            )
        await session.commit()
    screen = await open_cabinet(client)
    await client.press("История", message=screen)
    assert "Стр. 1 из 2" in screen.text
    assert screen.text.count("•") == 5
    assert "состоялась" in screen.text and "отменена" in screen.text and "пропущена" in screen.text
    await client.press("▶", message=screen)
    assert "Стр. 2 из 2" in screen.text and screen.text.count("•") == 2
    answer = await client.tap("mh:-1", screen)
    assert answer.text


async def test_change_therapist(practice: Harness, db_sessionmaker: Sessions) -> None:
    client = practice.user(412, "Анна")
    await book_session(client)
    booking = await the_booking(db_sessionmaker)
    async with db_sessionmaker() as session:
        old = await session.get(Therapist, booking.therapist_id)
    cabinet = await open_cabinet(client)
    await client.press("Сменить терапевта", message=cabinet)
    assert "Почему" in cabinet.text
    await client.press("Неудобное расписание", message=cabinet)
    assert "Отменить её?" in cabinet.text and old.name_ru in cabinet.text
    await client.press("Да, отменить", message=cabinet)
    assert "Отменено сессий: 1" in cabinet.text
    names = [client.last_with_buttons.text.split("\n")[0]]
    assert old.name_ru not in names
    async with db_sessionmaker() as session:
        stored = await session.get(Booking, booking.id)
        assert stored.status == BookingStatus.cancelled
        assert stored.cancel_reason == "change:schedule"
        kinds = (await session.scalars(select(FunnelEvent.kind))).all()
        assert "change:schedule" in kinds


async def test_editing_answers_keeps_the_change_of_therapist(
    practice: Harness, db_sessionmaker: Sessions
) -> None:
    """Each feature clears only its own conversation data: editing the answers in the middle
    of changing therapist does not bring the old therapist back."""
    client = practice.user(414, "Анна")
    await book_session(client)
    booking = await the_booking(db_sessionmaker)
    async with db_sessionmaker() as session:
        old = await session.get(Therapist, booking.therapist_id)
    cabinet = await open_cabinet(client)
    await client.press("Сменить терапевта", message=cabinet)
    await client.press("Неудобное расписание", message=cabinet)
    await client.press("Нет, оставить", message=cabinet)
    assert old.name_ru not in client.last_with_buttons.text
    await client.send("/settings")
    await client.press("Изменить анкету")
    await client.press("Бюджет")
    await client.press("Не важно")
    await client.press("Всё верно")
    await client.send("/start")
    await client.press("Найти терапевта")
    assert old.name_ru not in client.last_with_buttons.text


async def test_delete_me_cancels_future_sessions(
    practice: Harness, db_sessionmaker: Sessions
) -> None:
    client = practice.user(413, "Анна")
    await book_session(client)
    booking = await the_booking(db_sessionmaker)
    await client.send("/delete_me")
    assert "Предстоящие сессии (1)" in client.last.text
    await client.press("Да, удалить")
    assert "Отмена сессии" in practice.telegram.chats[GROUP_CHAT][-1].text
    async with db_sessionmaker() as session:
        stored = await session.get(Booking, booking.id)
        assert stored.status == BookingStatus.cancelled and stored.cancelled_by == "erasure"
        user = await session.get(User, stored.client_id)
        assert user.telegram_id is None and user.first_name is None
        slot = await session.get(Slot, booking.slot_id)
        assert slot.status == SlotStatus.free


async def test_reschedule_race_between_two_devices(
    practice: Harness, db_sessionmaker: Sessions
) -> None:
    client = practice.user(414, "Анна")
    await book_session(client)
    screen = await open_first_session(client)
    await client.press("Перенести", message=screen)
    await client.press(screen.buttons[0], message=screen)
    times = [
        b for b in screen.markup.inline_keyboard for b in b if b.callback_data.startswith("mp:")
    ]
    assert len(times) >= 2, "the demo day should offer two times"
    booking = await the_booking(db_sessionmaker)
    first, second = (int(b.callback_data.split(":")[-1]) for b in times[:2])
    await asyncio.gather(
        client.tap(f"mc:{booking.id}:{first}:0", screen),
        client.tap(f"mc:{booking.id}:{second}:0", screen),
    )
    after = await the_booking(db_sessionmaker)
    assert after.reschedule_count == 1
    async with db_sessionmaker() as session:
        booked = (
            await session.scalars(
                select(Slot.id).where(
                    Slot.therapist_id == after.therapist_id, Slot.status == SlotStatus.booked
                )
            )
        ).all()
        assert booked == [after.slot_id]


async def test_dispatcher_rebuilt_keeps_cabinet_buttons_working(
    practice: Harness, db_sessionmaker: Sessions, clock, translator
) -> None:
    client = practice.user(415, "Анна")
    await book_session(client)
    cabinet = await open_cabinet(client)
    settings = make_settings(str(practice.dispatcher["settings"].database_url))
    practice.dispatcher = create_dispatcher(
        settings, db_sessionmaker, clock=clock, translator=translator
    )
    await client.press(cabinet.buttons[0], message=cabinet)
    assert "Сессия:" in cabinet.text
    async with db_sessionmaker() as session:
        assert await session.scalar(select(func.count(Booking.id))) == 1
