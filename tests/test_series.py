"""A regular time, as clients and therapists live it: made from a booked session (weekly,
fortnightly, with dates that cannot be had), then kept filled as weeks pass, the clock
moved by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.calendar import series_uid
from bot.rules.timezones import zone
from db import bookings
from db.demo import load_demo
from db.models import (
    Booking,
    BookingStatus,
    Series,
    SeriesSkip,
    Slot,
    SlotStatus,
    Therapist,
    TimeOff,
    User,
)
from keyboards.cabinet import MoveConfirm
from keyboards.catalog import SlotPick
from keyboards.series import SeriesConfirm, SeriesRhythm, SeriesStart
from keyboards.therapist import SeriesStop, SeriesTell, SessionCard
from scheduler.slots import extend_free_slots
from tests.conftest import ManualClock, make_harness, make_settings, outbox_job
from tests.fake_telegram import Harness, Shown, TgUser
from tests.flows import sign_up

Sessions = async_sessionmaker[AsyncSession]
THERAPIST_CHAT = 777
MOSCOW = zone("Europe/Moscow")


@pytest.fixture
def practice_settings(database_url: str):
    return make_settings(database_url)


@pytest.fixture
async def practice(
    db_sessionmaker: Sessions, practice_settings, clock: ManualClock, translator
) -> Harness:
    """The demo catalogue with its first therapist linked."""
    return await linked_practice(db_sessionmaker, practice_settings, clock, translator)


async def linked_practice(sessions: Sessions, settings, clock: ManualClock, translator) -> Harness:
    """The demo catalogue with its first therapist linked, and the bot with `settings`."""
    async with sessions() as session:
        await load_demo(session, now=clock.now())
        await session.execute(
            update(Therapist).where(Therapist.id == 1).values(telegram_id=THERAPIST_CHAT)
        )
        await session.commit()
    return make_harness(settings, sessions, clock, translator)


async def slot_at(sessions: Sessions, starts_at: datetime) -> Slot | None:
    async with sessions() as session:
        return await session.scalar(
            select(Slot).where(Slot.therapist_id == 1, Slot.starts_at == starts_at)
        )


async def first_slot_after(sessions: Sessions, moment: datetime) -> Slot:
    async with sessions() as session:
        slot = await session.scalar(
            select(Slot)
            .where(Slot.therapist_id == 1, Slot.status == SlotStatus.free, Slot.starts_at > moment)
            .order_by(Slot.starts_at)
            .limit(1)
        )
    assert slot is not None
    return slot


async def book_by_bot(client: TgUser, slot_id: int) -> Shown:
    """The client picks a time by its button and books it; the "booked" screen."""
    await client.tap(SlotPick(slot_id=slot_id).pack())
    confirm = client.last
    await client.press("Записаться", message=confirm)
    assert "Вы записаны" in confirm.text, confirm.text
    return confirm


async def occurrences(sessions: Sessions, series_id: int) -> list[Booking]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(Booking).where(Booking.series_id == series_id).order_by(Booking.starts_at)
            )
        )


async def the_series(sessions: Sessions) -> Series:
    async with sessions() as session:
        found = await session.scalar(select(Series).order_by(Series.id.desc()).limit(1))
    assert found is not None
    return found


async def someone_else_books(sessions: Sessions, slot_id: int, clock: ManualClock, rules) -> None:
    async with sessions() as session:
        other = User(
            telegram_id=999_001,
            first_name="Олег",
            language="ru",
            timezone="Europe/Moscow",
            consent_at=clock.now(),
            created_at=clock.now(),
        )
        session.add(other)
        await session.commit()
        await bookings.book(
            session,
            client=other,
            slot_id=slot_id,
            format="individual",
            rules=rules,
            now=clock.now(),
            hold=None,
        )


async def open_regular_time(client: TgUser) -> Shown:
    """The cabinet, then the regular time's screen (its button in the cabinet)."""
    await client.send("/my")
    cabinet = client.last
    await client.press(
        next(b for b in cabinet.buttons if b.startswith("📌 каждую")), message=cabinet
    )
    return client.last


async def run_slots_job(sessions: Sessions, settings, clock: ManualClock, harness, translator):
    await extend_free_slots(
        sessionmaker=sessions, settings=settings, clock=clock, rules=settings.rules()
    )
    await outbox_job(harness, settings, sessions, clock, translator).run()


async def test_weekly_series_with_conflicts_then_fills_itself(
    practice: Harness,
    db_sessionmaker: Sessions,
    clock: ManualClock,
    practice_settings,
    translator,
) -> None:
    settings = practice_settings
    client = practice.user(501, "Вера")
    await sign_up(client)
    first = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=1))
    week = timedelta(weeks=1)
    # Week 2 is taken by someone else; week 4 falls on the therapist's day off.
    taken = await slot_at(db_sessionmaker, first.starts_at + week)
    assert taken is not None
    await someone_else_books(db_sessionmaker, taken.id, clock, settings.rules())
    day_off = (first.starts_at + 3 * week).astimezone(MOSCOW).date()
    async with db_sessionmaker() as session:
        session.add(
            TimeOff(therapist_id=1, starts_on=day_off.isoformat(), ends_on=day_off.isoformat())
        )
        await session.commit()

    done = await book_by_bot(client, first.id)
    assert "📌 Сделать это время постоянным" in done.buttons
    await client.press("📌 Сделать это время постоянным", message=done)
    assert "Как часто" in done.text
    await client.press("Каждую неделю", message=done)
    preview = done.text
    lines = preview.splitlines()
    assert "Постоянное время: каждую неделю" in preview
    assert any("эта сессия" in line for line in lines)
    # Six weeks ahead: week 2 taken (with other times of that week), week 3 kept for later
    # (beyond the booking horizon), week 4 a day off, weeks 5–7 kept.
    gaps = [line for line in lines if line.startswith("⚠️")]
    assert len(gaps) == 2, preview
    assert "это время уже занято" in gaps[0]
    assert "выходной или отпуск" in gaps[1]
    assert sum("свободно на этой неделе" in line for line in lines) == 2
    assert sum("оставим за вами" in line for line in lines) == 4
    therapist_seen = len(practice.telegram.chats[THERAPIST_CHAT])

    mark = client.mark()
    await client.press("✅ Да, сделать постоянным", message=done)
    assert "это время теперь ваше" in done.text, done.text
    assert "Забронированные сессии" in client.last.text  # the series' screen follows
    assert client.texts_since(mark)  # its screen
    series = await the_series(db_sessionmaker)
    assert series.rhythm == 1 and series.ended_at is None
    booked = await occurrences(db_sessionmaker, series.id)
    assert [b.starts_at for b in booked] == [first.starts_at]  # week 2 was taken
    async with db_sessionmaker() as session:
        skips = list(await session.scalars(select(SeriesSkip)))
    assert [(s.day, s.reason) for s in skips] == [
        ((first.starts_at + week).astimezone(MOSCOW).date().isoformat(), "taken")
    ]
    assert len(practice.telegram.chats[THERAPIST_CHAT]) == therapist_seen + 1
    told = practice.telegram.chats[THERAPIST_CHAT][-1].text
    assert "Постоянное время" in told and "Вера" in told
    # The cabinet shows the regular time and marks its sessions.
    await client.send("/my")
    cabinet = client.last
    assert "Постоянное время: каждую неделю" in cabinet.text
    assert any(label.startswith("📌 каждую неделю") for label in cabinet.buttons)
    await client.press(
        next(b for b in cabinet.buttons if b.startswith("📌 каждую")), message=cabinet
    )
    screen = client.last.text
    assert "Забронированные сессии" in screen and "Дальше" in screen

    # A week later the horizon reaches week 3: the job books it before anyone else can.
    clock.advance(days=7)
    await run_slots_job(db_sessionmaker, settings, clock, practice, translator)
    booked = await occurrences(db_sessionmaker, series.id)
    assert [b.starts_at for b in booked] == [first.starts_at, first.starts_at + 2 * week]
    assert booked[-1].status == BookingStatus.confirmed
    assert (await slot_at(db_sessionmaker, first.starts_at + 2 * week)).status == SlotStatus.booked

    # Another week: week 4 is the day off. Client and therapist are told, with other
    # times of that week for the client; the series goes on.
    mark = client.mark()
    clock.advance(days=7)
    await run_slots_job(db_sessionmaker, settings, clock, practice, translator)
    notice = [text for text in client.texts_since(mark) if "не получилось забронировать" in text]
    assert len(notice) == 1, client.texts_since(mark)
    assert "выходной или отпуск" in notice[0]
    assert "продолжается" in notice[0]
    told = practice.telegram.chats[THERAPIST_CHAT][-1].text
    assert "не забронировано" in told and "Вера" in told
    # Running again tells nobody twice and books nothing twice.
    mark = client.mark()
    therapist_seen = len(practice.telegram.chats[THERAPIST_CHAT])
    await run_slots_job(db_sessionmaker, settings, clock, practice, translator)
    assert client.texts_since(mark) == []
    assert len(practice.telegram.chats[THERAPIST_CHAT]) == therapist_seen
    assert len(await occurrences(db_sessionmaker, series.id)) == 2

    # And a week later week 5 is booked again.
    clock.advance(days=7)
    await run_slots_job(db_sessionmaker, settings, clock, practice, translator)
    booked = await occurrences(db_sessionmaker, series.id)
    assert booked[-1].starts_at == first.starts_at + 4 * week
    days = [b.series_day for b in booked]
    assert len(days) == len(set(days))


async def test_fortnightly_preview_and_refusals(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    client = practice.user(502, "Глеб")
    await sign_up(client)
    first = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=2))
    await book_by_bot(client, first.id)
    booking = (await bookings_of(db_sessionmaker, 502))[0]
    # A rhythm no screen offers is refused without a change.
    answer = await client.tap(SeriesRhythm(booking_id=booking.id, rhythm=3).pack())
    assert answer.text
    answer = await client.tap(SeriesConfirm(booking_id=booking.id, rhythm=5).pack())
    assert answer.text
    screen = client.last_with_buttons
    await client.tap(SeriesStart(booking_id=booking.id).pack(), message=screen)
    await client.press("Раз в две недели", message=screen)
    preview = screen.text
    assert "раз в две недели" in preview
    # Six weeks ahead, every second week: three dates, all beyond the horizon but two.
    listed = [line for line in preview.splitlines() if line.startswith(("✅", "🗓", "⚠️"))]
    assert len(listed) == 3, preview
    await client.press("✅ Да, сделать постоянным", message=screen)
    series = await the_series(db_sessionmaker)
    assert series.rhythm == 2
    # The same button again: the session already is part of a regular time.
    answer = await client.tap(SeriesConfirm(booking_id=booking.id, rhythm=2).pack())
    assert answer.show_alert and "уже" in answer.text
    async with db_sessionmaker() as session:
        assert len(list(await session.scalars(select(Series)))) == 1
    # Someone else's session cannot be made regular by a forged button.
    other = practice.user(503, "Ира")
    await sign_up(other)
    answer = await other.tap(SeriesConfirm(booking_id=booking.id, rhythm=1).pack())
    assert answer.show_alert
    async with db_sessionmaker() as session:
        assert len(list(await session.scalars(select(Series)))) == 1


async def bookings_of(sessions: Sessions, telegram_id: int) -> list[Booking]:
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        return list(
            await session.scalars(
                select(Booking).where(Booking.client_id == user.id).order_by(Booking.starts_at)
            )
        )


async def weekly(client: TgUser, sessions: Sessions, clock: ManualClock, days: int = 1) -> Series:
    """Sign up, book the first free time `days` ahead and make it weekly by the buttons."""
    await sign_up(client)
    first = await first_slot_after(sessions, clock.now() + timedelta(days=days))
    done = await book_by_bot(client, first.id)
    await client.press("📌 Сделать это время постоянным", message=done)
    await client.press("Каждую неделю", message=done)
    await client.press("✅ Да, сделать постоянным", message=done)
    return await the_series(sessions)


async def open_session(client: TgUser, booking: Booking) -> Shown:
    await client.send("/my")
    cabinet = client.last
    label = next(
        b
        for b in cabinet.buttons
        if b.startswith("📌 ")
        and "," in b
        and "каждую" not in b
        and booking_label_day(booking) in b
    )
    await client.press(label, message=cabinet)
    return client.last_with_buttons


def booking_label_day(booking: Booking) -> str:
    local = booking.starts_at.astimezone(MOSCOW)
    return f" {local.day} "


async def test_cancel_only_this_one_never_comes_back(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(511, "Лена")
    series = await weekly(client, db_sessionmaker, clock)
    first, second = await occurrences(db_sessionmaker, series.id)
    screen = await open_session(client, second)
    assert "Часть постоянного времени" in screen.text
    await client.press("✖ Отменить", message=screen)
    assert "Что отменить" in screen.text
    await client.press("Только эту", message=screen)
    assert "бесплатно" in screen.text or "Отменить" in screen.text
    await client.press("✖ Да, отменить", message=screen)
    async with db_sessionmaker() as session:
        assert (await session.get(Booking, second.id)).status == BookingStatus.cancelled
        assert (await session.get(Series, series.id)).ended_at is None
    # Weeks pass: the cancelled date is not booked again, the next ones are.
    for _ in range(2):
        clock.advance(days=7)
        await run_slots_job(db_sessionmaker, practice_settings, clock, practice, translator)
    booked = await occurrences(db_sessionmaker, series.id)
    assert [b.series_day for b in booked].count(second.series_day) == 1
    active = [b for b in booked if b.status == BookingStatus.confirmed]
    assert [b.starts_at for b in active] == [
        first.starts_at,
        first.starts_at + timedelta(weeks=2),
        first.starts_at + timedelta(weeks=3),
    ]


async def test_cancel_this_and_following_ends_the_series(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(512, "Нина")
    series = await weekly(client, db_sessionmaker, clock, days=2)
    first, second = await occurrences(db_sessionmaker, series.id)
    screen = await open_session(client, first)
    await client.press("✖ Отменить", message=screen)
    await client.press("Эту и все следующие", message=screen)
    # The confirmation lists each session and what its cancellation means.
    listed = screen.text
    assert "закончить постоянное время" in listed
    assert listed.count("бесплатная отмена") == 2, listed
    therapist_seen = len(practice.telegram.chats[THERAPIST_CHAT])
    await client.press("✖ Да, отменить и закончить", message=screen)
    assert "закончено" in screen.text
    async with db_sessionmaker() as session:
        assert (await session.get(Series, series.id)).ended_by == "client"
        for booking in (first, second):
            assert (await session.get(Booking, booking.id)).status == BookingStatus.cancelled
    told = [s.text for s in practice.telegram.chats[THERAPIST_CHAT][therapist_seen:]]
    assert any("закончилось" in text and "так решил клиент" in text for text in told), told
    # Calendar files take both sessions out.
    cancels = [
        s
        for s in practice.telegram.chats[512]
        if s.document_bytes and b"METHOD:CANCEL" in s.document_bytes
    ]
    assert len(cancels) == 2
    clock.advance(days=7)
    await run_slots_job(db_sessionmaker, practice_settings, clock, practice, translator)
    assert len(await occurrences(db_sessionmaker, series.id)) == 2


async def test_pause_and_resume(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(513, "Оля")
    series = await weekly(client, db_sessionmaker, clock)
    first, second = await occurrences(db_sessionmaker, series.id)
    screen = await open_regular_time(client)
    await client.press("⏸ Пауза", message=screen)
    await client.press("2 недели", message=screen)
    assert "будут отменены" in screen.text
    assert screen.text.count("•") >= 2  # both booked sessions are listed
    await client.press("⏸ Поставить на паузу", message=screen)
    async with db_sessionmaker() as session:
        paused = await session.get(Series, series.id)
        assert paused.paused_until is not None
        for booking in (first, second):
            assert (await session.get(Booking, booking.id)).status == BookingStatus.cancelled
    assert "На паузе до" in client.last.text
    # Nothing is booked before the pause ends; the first date after it is, as usual.
    clock.advance(days=7)
    await run_slots_job(db_sessionmaker, practice_settings, clock, practice, translator)
    active = [
        b
        for b in await occurrences(db_sessionmaker, series.id)
        if b.status == BookingStatus.confirmed
    ]
    assert all(b.series_day >= paused.paused_until for b in active)
    assert [b.starts_at for b in active] == [first.starts_at + timedelta(weeks=2)]
    # Resumed early: the dates up to the horizon are booked again where free.
    screen = client.last_with_buttons
    await client.press("▶ Продолжить", message=screen)
    active = [
        b
        for b in await occurrences(db_sessionmaker, series.id)
        if b.status == BookingStatus.confirmed
    ]
    assert [b.starts_at for b in active] == [
        first.starts_at + timedelta(weeks=1),
        first.starts_at + timedelta(weeks=2),
    ]
    days = [b.series_day for b in await occurrences(db_sessionmaker, series.id) if b.series_day]
    assert len(days) == len(set(days))


async def test_end_keeping_sessions_and_move_to_a_series_date_refused(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(514, "Таня")
    series = await weekly(client, db_sessionmaker, clock)
    first, second = await occurrences(db_sessionmaker, series.id)
    # Moving the first session onto the second one's date is refused, kindly.
    second_day = second.starts_at.astimezone(MOSCOW).date()
    async with db_sessionmaker() as session:
        same_day = await session.scalar(
            select(Slot)
            .where(
                Slot.therapist_id == 1,
                Slot.status == SlotStatus.free,
                Slot.starts_at > second.starts_at,
            )
            .order_by(Slot.starts_at)
            .limit(1)
        )
    assert same_day.starts_at.astimezone(MOSCOW).date() == second_day
    answer = await client.tap(MoveConfirm(booking_id=first.id, slot_id=same_day.id, moves=0).pack())
    assert answer.show_alert and "уже есть сессия" in answer.text
    # End it, keeping the booked sessions.
    screen = await open_regular_time(client)
    await client.press("⏹ Закончить", message=screen)
    assert "можно оставить или отменить" in screen.text
    await client.press("⏹ Закончить, сессии оставить", message=screen)
    async with db_sessionmaker() as session:
        assert (await session.get(Series, series.id)).ended_at is not None
        for booking in (first, second):
            assert (await session.get(Booking, booking.id)).status == BookingStatus.confirmed
    clock.advance(days=7)
    await run_slots_job(db_sessionmaker, practice_settings, clock, practice, translator)
    assert len(await occurrences(db_sessionmaker, series.id)) == 2
    await client.send("/my")
    assert "Постоянное время" not in client.last.text


async def test_change_of_therapist_and_erasure_end_the_series(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    changer = practice.user(515, "Юля")
    series = await weekly(changer, db_sessionmaker, clock)
    await changer.send("/my")
    await changer.press("🔄 Сменить терапевта")
    await changer.press("Не подошёл подход")
    ask = changer.last_with_buttons
    assert "Постоянное время" in ask.text and "закончится" in ask.text
    await changer.press("Да, отменить", message=ask)
    async with db_sessionmaker() as session:
        assert (await session.get(Series, series.id)).ended_by == "change"
    assert all(
        b.status == BookingStatus.cancelled for b in await occurrences(db_sessionmaker, series.id)
    )
    told = [s.text for s in practice.telegram.chats[THERAPIST_CHAT]]
    assert any("выбрал другого специалиста" in text for text in told)

    leaver = practice.user(516, "Рита")
    series = await weekly(leaver, db_sessionmaker, clock, days=3)
    await leaver.send("/delete_me")
    await leaver.press("Да, удалить")
    async with db_sessionmaker() as session:
        assert (await session.get(Series, series.id)).ended_by == "erasure"
    assert all(
        b.status == BookingStatus.cancelled for b in await occurrences(db_sessionmaker, series.id)
    )
    clock.advance(days=7)
    await run_slots_job(db_sessionmaker, practice_settings, clock, practice, translator)
    assert len(await occurrences(db_sessionmaker, series.id)) == 2


async def test_therapist_sees_ends_and_is_told_of_days_off(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(517, "Соня")
    series = await weekly(client, db_sessionmaker, clock)
    first, second = await occurrences(db_sessionmaker, series.id)
    therapist = practice.user(THERAPIST_CHAT, "Анна")
    await therapist.send("/schedule")
    marked = [line for line in therapist.last.text.splitlines() if "Соня" in line]
    assert marked and all("📌" in line for line in marked), therapist.last.text

    # A day off on a date of the regular time beyond the horizon: listed, not cancelled.
    later = (first.starts_at + timedelta(weeks=4)).astimezone(MOSCOW).date()
    await therapist.send("/availability")
    await therapist.press("Выходной или отпуск", message=therapist.last)
    await therapist.send(later.isoformat())
    report = therapist.shown[-2]
    assert "Постоянное время клиентов" in report.text and "Соня" in report.text, report.text
    # Told now, by the button: the client hears of that date once, with the calendar event
    # without it, and the date is never tried again.
    mark = client.mark()
    answer = await therapist.press("Сообщить клиентам сейчас", message=report)
    assert "Сообщили клиентам: 1" in answer.text
    assert "Клиентам сообщили" in report.text and not report.buttons
    await outbox_job(practice, practice_settings, db_sessionmaker, clock, translator).run()
    told = list(practice.telegram.chats[517][mark:])
    assert any("не будет" in s.text and "выходной" in s.text for s in told), [s.text for s in told]
    [event_file] = [s for s in told if s.document_bytes]
    [master] = list(Calendar.from_ical(event_file.document_bytes).walk("VEVENT"))
    exdate = master["EXDATE"]
    exdates = {
        m.dt for value in (exdate if isinstance(exdate, list) else [exdate]) for m in value.dts
    }
    assert (first.starts_at + timedelta(weeks=4)) in exdates
    async with db_sessionmaker() as session:
        skip = await session.get(SeriesSkip, (series.id, later.isoformat()))
        assert skip is not None and skip.reason == "day_off"
    again = await therapist.tap(SeriesTell().pack(), message=report)
    assert "Сообщать некому" in again.text

    # The therapist ends it from one of its sessions: the sessions ahead are cancelled by
    # the practice, the client told.
    await therapist.tap(SessionCard(booking_id=first.id).pack())
    card = therapist.last
    assert "Постоянное время" in card.text
    await therapist.press("⏹ Закончить постоянное время", message=card)
    assert "будут отменены" in card.text and card.text.count("•") == 2
    mark = client.mark()
    await therapist.press("⏹ Да, закончить", message=card)
    async with db_sessionmaker() as session:
        ended = await session.get(Series, series.id)
        assert ended.ended_by == "therapist"
        for booking in (first, second):
            stored = await session.get(Booking, booking.id)
            assert (stored.status, stored.cancelled_by) == (BookingStatus.cancelled, "therapist")
    told = client.texts_since(mark)
    assert any("закончил(а) ваше постоянное время" in text for text in told), told
    assert sum("не сможет её провести" in text for text in told) == 2, told
    # A forged tap on the ended series: kindly refused.
    answer = await therapist.tap(SeriesStop(booking_id=first.id, sure=True).pack())
    assert answer.show_alert


async def paid_weekly(client: TgUser, sessions: Sessions, clock: ManualClock) -> Series:
    """With payments on: sign up, book and pay nothing yet, make it weekly by the buttons
    (each session is paid on its own)."""
    await sign_up(client)
    first = await first_slot_after(sessions, clock.now() + timedelta(days=1))
    await client.tap(SlotPick(slot_id=first.id).pack())
    await client.press("Записаться", message=client.last)
    booking = (await bookings_of(sessions, client.id))[0]
    screen = client.last_with_buttons
    await client.tap(SeriesStart(booking_id=booking.id).pack(), message=screen)
    await client.press("Каждую неделю", message=screen)
    assert "оплачиваете отдельно" in screen.text
    await client.press("✅ Да, сделать постоянным", message=screen)
    return await the_series(sessions)


async def test_each_session_paid_on_its_own_and_an_unpaid_one_released(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> None:
    from scheduler.holds import release_expired_holds
    from scheduler.reminders import send_due_reminders

    settings = make_settings(database_url, payment_currency="XTR")
    practice = await linked_practice(db_sessionmaker, settings, clock, translator)
    client = practice.user(518, "Ася")
    series = await paid_weekly(client, db_sessionmaker, clock)
    second = (await occurrences(db_sessionmaker, series.id))[1]
    assert second.status == BookingStatus.pending_payment
    assert second.hold_expires_at == second.starts_at - timedelta(hours=24)
    invoices_before = sum(1 for s in practice.telegram.chats[518] if s.invoice)

    async def reminders_now() -> None:
        await send_due_reminders(
            sessionmaker=db_sessionmaker,
            outgoing=outbox_job(practice, settings, db_sessionmaker, clock, translator).outgoing,
            translator=translator,
            settings=settings,
            clock=clock,
        )

    # 72 hours before: the invoice, nothing charged.
    clock.current = second.starts_at - timedelta(hours=72)
    await reminders_now()
    assert sum(1 for s in practice.telegram.chats[518] if s.invoice) == invoices_before + 1
    assert any("Счёт за сессию постоянного времени" in s.text for s in practice.telegram.chats[518])
    # Halfway to the deadline: a reminder with a pay button.
    clock.current = second.starts_at - timedelta(hours=48)
    await reminders_now()
    again = practice.telegram.chats[518][-1]
    assert "ещё не оплачена" in again.text and any("Оплатить" in b for b in again.buttons)
    # Still unpaid at the free-cancellation deadline: released, both told, series goes on.
    clock.current = second.starts_at - timedelta(hours=24)
    await release_expired_holds(
        sessionmaker=db_sessionmaker,
        rules=settings.rules(),
        clock=clock,
        outbox=outbox_job(practice, settings, db_sessionmaker, clock, translator),
    )
    async with db_sessionmaker() as session:
        released = await session.get(Booking, second.id)
        assert (released.status, released.cancelled_by) == ("cancelled", "hold_expired")
        assert (await session.get(Series, series.id)).ended_at is None
    told, undone = practice.telegram.chats[518][-2:]
    assert "не была оплачена вовремя" in told.text
    # The instance leaves the regular time's calendar event.
    assert undone.document_bytes is not None
    calendar = Calendar.from_ical(undone.document_bytes)
    [event] = calendar.walk("VEVENT")
    assert (str(calendar["METHOD"]), str(event["UID"])) == ("CANCEL", series_uid(series.id))
    assert event.decoded("RECURRENCE-ID") == second.starts_at
    assert "не оплачена к сроку" in practice.telegram.chats[THERAPIST_CHAT][-1].text


async def test_a_change_of_hours_books_a_regular_times_new_date_before_anyone_else(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    """Days pass without the free-slot job; the therapist changes their hours (a day off
    far ahead): the slots that brings within the horizon include the regular time's next
    date, and it is booked for the series in the same transaction, never free."""
    client = practice.user(519, "Дина")
    series = await weekly(client, db_sessionmaker, clock)
    first, _second = await occurrences(db_sessionmaker, series.id)
    third_at = first.starts_at + timedelta(weeks=2)
    assert await slot_at(db_sessionmaker, third_at) is None  # beyond the horizon yet
    clock.advance(days=2)
    therapist = practice.user(THERAPIST_CHAT, "Анна")
    await therapist.send("/availability")
    await therapist.press("Выходной или отпуск", message=therapist.last)
    far = (clock.now() + timedelta(days=40)).astimezone(MOSCOW).date()
    await therapist.send(far.isoformat())
    third = await slot_at(db_sessionmaker, third_at)
    assert third is not None and third.status == SlotStatus.booked, third
    booked = await occurrences(db_sessionmaker, series.id)
    assert [booking.starts_at for booking in booked][-1] == third_at


async def test_moving_an_unpaid_regular_session_moves_its_payment_deadline(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> None:
    settings = make_settings(database_url, payment_currency="XTR")
    practice = await linked_practice(db_sessionmaker, settings, clock, translator)
    client = practice.user(520, "Ева")
    series = await paid_weekly(client, db_sessionmaker, clock)
    second = (await occurrences(db_sessionmaker, series.id))[1]
    assert second.status == BookingStatus.pending_payment
    for days in (2, -3):  # later, then earlier than it was
        target = await first_slot_after(db_sessionmaker, second.starts_at + timedelta(days=days))
        async with db_sessionmaker() as session:
            user = await session.scalar(select(User).where(User.telegram_id == 520))
            moved = await bookings.reschedule(
                session,
                client=user,
                booking_id=second.id,
                slot_id=target.id,
                rules=settings.rules(),
                now=clock.now(),
                expected_moves=second.reschedule_count,
            )
        async with db_sessionmaker() as session:
            second = await session.get(Booking, moved.id)
        assert second.starts_at == target.starts_at
        assert second.hold_expires_at == target.starts_at - timedelta(hours=24)
