"""Reminders: created, moved and removed with their booking; sent once, in each reader's
language and zone, late after downtime but never after the session started; the buttons
under them; the rating after a session; two schedulers on one database."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import Translator
from bot.middlewares import create_outgoing
from bot.rules.reminders import RATING_AFTER
from db import bookings, checkins
from db.engine import create_engine, create_sessionmaker
from db.models import Booking, BookingStatus, Checkin, Reminder, Slot, Therapist, User
from db.reminders import (
    CLAIM_TIMEOUT,
    MAX_ATTEMPTS,
    claim_due,
    follow_booking,
)
from db.users import Answers, save_questionnaire
from scheduler import (
    HOLDS_JOB_ID,
    OUTBOX_JOB_ID,
    OUTCOMES_JOB_ID,
    PACKAGES_JOB_ID,
    REMINDER_JOB_ID,
    SLOTS_JOB_ID,
    WAITLIST_JOB_ID,
    create_scheduler,
)
from scheduler.reminders import ReminderReport, claim_size, send_due_reminders
from tests.conftest import ManualClock, make_settings
from tests.fake_telegram import Harness, Shown, TgUser

Sessions = async_sessionmaker[AsyncSession]
CLIENT_ID = 501
OTHER_CLIENT_ID = 502
THERAPIST_CHAT = 777
LINK = "https://meet.example.org/anna"
# Wednesday 9 December 2026, 10:00 UTC: 15:00 in Yekaterinburg, 13:00 in Moscow. The test
# clock starts on Monday 7 December, 06:00 UTC.
START = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
SESSION = timedelta(minutes=50)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Outgoing paces real time; reminders to one chat in a row must not wait a second.
    return make_settings(
        database_url, send_rate_per_second=10_000, send_rate_per_chat_seconds=0.001
    )


async def add_therapist(sessions: Sessions, clock: ManualClock, *, slots: int = 3) -> int:
    """A therapist in Moscow with a meeting link and daily slots from START on."""
    async with sessions() as session:
        therapist = Therapist(
            name_ru="Анна Смирнова",
            name_en="Anna Smirnova",
            gender="female",
            price=3500,
            session_minutes=50,
            timezone="Europe/Moscow",
            telegram_id=THERAPIST_CHAT,
            meeting_link=LINK,
            created_at=clock.now(),
        )
        session.add(therapist)
        await session.flush()
        for day in range(slots):
            starts_at = START + timedelta(days=day)
            session.add(
                Slot(
                    therapist_id=therapist.id,
                    starts_at=starts_at,
                    ends_at=starts_at + SESSION,
                    status="free",
                )
            )
        await session.commit()
        return therapist.id


async def add_client(
    sessions: Sessions,
    clock: ManualClock,
    telegram_id: int = CLIENT_ID,
    *,
    language: str = "ru",
    timezone: str = "Asia/Yekaterinburg",
) -> User:
    async with sessions() as session:
        user = User(
            telegram_id=telegram_id,
            first_name="Анна",
            language=language,
            timezone=timezone,
            consent_at=clock.now(),
            created_at=clock.now(),
        )
        session.add(user)
        await session.commit()
        answers = Answers(30, True, "individual", ("anxiety",), "any", "any", "any", None)
        await save_questionnaire(session, user, answers, clock.now())
        return user


async def slot_at(sessions: Sessions, starts_at: datetime) -> int:
    async with sessions() as session:
        slot_id = await session.scalar(select(Slot.id).where(Slot.starts_at == starts_at))
    assert slot_id is not None
    return slot_id


async def book(
    sessions: Sessions, settings: Settings, clock: ManualClock, client: User, starts_at: datetime
) -> Booking:
    async with sessions() as session:
        return await bookings.book(
            session,
            client=client,
            slot_id=await slot_at(sessions, starts_at),
            format="individual",
            rules=settings.rules(),
            now=clock.now(),
            hold=None,
        )


async def rows_of(sessions: Sessions, booking_id: int) -> dict[str, Reminder]:
    async with sessions() as session:
        rows = await session.scalars(select(Reminder).where(Reminder.booking_id == booking_id))
        return {row.kind: row for row in rows}


async def booking_row(sessions: Sessions, booking_id: int) -> Booking:
    async with sessions() as session:
        booking = await session.get(Booking, booking_id)
    assert booking is not None
    return booking


async def run_job(
    harness: Harness,
    sessions: Sessions,
    settings: Settings,
    clock: ManualClock,
    translator: Translator,
) -> ReminderReport:
    return await send_due_reminders(
        sessionmaker=sessions,
        outgoing=create_outgoing(harness.bot, settings, sessions, clock),
        translator=translator,
        settings=settings,
        clock=clock,
    )


def sent_to(harness: Harness, chat_id: int) -> list[SendMessage]:
    return [
        call
        for call in harness.telegram.calls
        if isinstance(call, SendMessage) and call.chat_id == chat_id
    ]


def therapist_texts(harness: Harness) -> list[str]:
    return [shown.text for shown in harness.telegram.chats.get(THERAPIST_CHAT, [])]


class Practice:
    """One therapist, one client (in Yekaterinburg) and the reminder job, by hand."""

    def __init__(
        self,
        harness: Harness,
        sessions: Sessions,
        settings: Settings,
        clock: ManualClock,
        translator: Translator,
    ) -> None:
        self.harness = harness
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.translator = translator
        self.client_chat: TgUser = harness.user(CLIENT_ID, "Анна")

    async def setup(self, **client: str) -> User:
        await add_therapist(self.sessions, self.clock)
        return await add_client(self.sessions, self.clock, **client)

    async def book(self, client: User, starts_at: datetime = START) -> Booking:
        return await book(self.sessions, self.settings, self.clock, client, starts_at)

    async def run(self) -> ReminderReport:
        return await run_job(
            self.harness, self.sessions, self.settings, self.clock, self.translator
        )

    async def run_at(self, moment: datetime) -> ReminderReport:
        self.clock.current = moment
        return await self.run()


@pytest.fixture
def practice(
    harness: Harness,
    db_sessionmaker: Sessions,
    settings: Settings,
    clock: ManualClock,
    translator: Translator,
) -> Practice:
    return Practice(harness, db_sessionmaker, settings, clock, translator)


# -- created, moved, removed with the booking ----------------------------------------------


async def test_a_booking_gets_its_reminders_in_the_same_transaction(
    practice: Practice,
) -> None:
    client = await practice.setup()
    booking = await practice.book(client)
    rows = await rows_of(practice.sessions, booking.id)
    assert {kind: row.due_at for kind, row in rows.items()} == {
        "client:24h": START - timedelta(hours=24),
        "client:1h": START - timedelta(hours=1),
        "therapist:1h": START - timedelta(hours=1),
        "rating": START + SESSION + RATING_AFTER,
    }
    assert all(row.sent_at is None and row.attempts == 0 for row in rows.values())


async def test_offsets_come_from_the_settings_and_past_ones_are_skipped(
    practice: Practice, database_url: str
) -> None:
    practice.settings = make_settings(
        database_url, reminders_before="3d,2h,30m", therapist_reminders_before="15m"
    )
    client = await practice.setup()
    booking = await practice.book(client)  # 52 hours ahead: three days is already past
    rows = await rows_of(practice.sessions, booking.id)
    assert {kind: row.due_at for kind, row in rows.items()} == {
        "client:2h": START - timedelta(hours=2),
        "client:30m": START - timedelta(minutes=30),
        "therapist:15m": START - timedelta(minutes=15),
        "rating": START + SESSION + RATING_AFTER,
    }


async def test_nothing_is_due_before_its_time(practice: Practice) -> None:
    client = await practice.setup()
    await practice.book(client)
    assert await practice.run() == ReminderReport()
    assert await practice.run_at(START - timedelta(hours=24, seconds=1)) == ReminderReport()
    assert practice.client_chat.shown == []


async def test_each_reader_gets_their_own_language_and_zone(practice: Practice) -> None:
    client = await practice.setup()
    booking = await practice.book(client)

    report = await practice.run_at(START - timedelta(hours=24))
    assert report == ReminderReport(sent=1)
    first = practice.client_chat.last
    assert "Напоминание о сессии" in first.text
    assert "15:00" in first.text and "Asia/Yekaterinburg" in first.text
    assert "через 24 ч" in first.text and "Анна Смирнова" in first.text
    assert LINK not in first.text  # the link comes with the last reminder
    assert first.buttons == ["✅ Буду", "🔁 Перенести", "✖ Отменить"]

    report = await practice.run_at(START - timedelta(hours=1))
    assert report == ReminderReport(sent=2)
    last = practice.client_chat.last
    assert "15:00" in last.text and "через 1 ч" in last.text
    assert LINK in last.text and last.buttons == []
    therapist_says = therapist_texts(practice.harness)[-1]
    assert "Скоро сессия" in therapist_says
    assert "13:00" in therapist_says and "Europe/Moscow" in therapist_says
    assert "Анна" in therapist_says and "Индивидуальная" in therapist_says

    # Sent means sent: later runs send nothing again.
    assert await practice.run() == ReminderReport()
    assert await practice.run_at(START - timedelta(minutes=1)) == ReminderReport()
    assert len(sent_to(practice.harness, CLIENT_ID)) == 2
    rows = await rows_of(practice.sessions, booking.id)
    assert rows["client:24h"].sent_at == START - timedelta(hours=24)
    assert rows["client:1h"].sent_at == START - timedelta(hours=1)


async def test_an_english_reader_gets_english(practice: Practice) -> None:
    client = await practice.setup(language="en", timezone="Europe/Berlin")
    await practice.book(client)
    await practice.run_at(START - timedelta(hours=1, minutes=30))  # 24h one, sent late
    text = practice.client_chat.last.text
    assert "Session reminder" in text and "in 1 h 30 min" in text
    assert "11:00" in text and "Europe/Berlin" in text and "Anna Smirnova" in text
    assert practice.client_chat.last.buttons == ["✅ I'll be there", "🔁 Move", "✖ Cancel"]


async def test_reschedule_moves_the_reminders(practice: Practice) -> None:
    client = await practice.setup()
    booking = await practice.book(client)
    await practice.run_at(START - timedelta(hours=24))  # the 24h reminder went out
    later = START + timedelta(days=2)
    async with practice.sessions() as session:
        await bookings.reschedule(
            session,
            client=client,
            booking_id=booking.id,
            slot_id=await slot_at(practice.sessions, later),
            rules=practice.settings.rules(),
            now=practice.clock.now(),
            expected_moves=0,
        )
    rows = await rows_of(practice.sessions, booking.id)
    assert {kind: (row.due_at, row.sent_at) for kind, row in rows.items()} == {
        "client:24h": (later - timedelta(hours=24), None),
        "client:1h": (later - timedelta(hours=1), None),
        "therapist:1h": (later - timedelta(hours=1), None),
        "rating": (later + SESSION + RATING_AFTER, None),
    }
    # The old times pass in silence.
    assert await practice.run_at(START - timedelta(hours=1)) == ReminderReport()
    assert await practice.run_at(START + timedelta(hours=2)) == ReminderReport()
    # The new ones come, with the new time.
    assert await practice.run_at(later - timedelta(hours=24)) == ReminderReport(sent=1)
    assert "Пт 11 дек, 15:00" in practice.client_chat.last.text
    assert await practice.run_at(later - timedelta(hours=1)) == ReminderReport(sent=2)


async def test_cancel_removes_the_reminders(practice: Practice) -> None:
    client = await practice.setup()
    booking = await practice.book(client)
    await practice.run_at(START - timedelta(hours=24))
    async with practice.sessions() as session:
        loaded = await session.get(Booking, booking.id)
        assert loaded is not None
        await bookings.cancel(
            session,
            booking=loaded,
            by=bookings.CancelledBy.client,
            rules=practice.settings.rules(),
            now=practice.clock.now(),
        )
    rows = await rows_of(practice.sessions, booking.id)
    assert list(rows) == ["client:24h"]  # what went out stays on record, nothing else
    for moment in (START - timedelta(hours=1), START + timedelta(hours=3)):
        assert await practice.run_at(moment) == ReminderReport()
    assert len(sent_to(practice.harness, CLIENT_ID)) == 1
    assert sent_to(practice.harness, THERAPIST_CHAT) == []


async def test_a_booking_confirmed_later_gets_its_reminders_then(practice: Practice) -> None:
    """A booking waiting for payment has none; the payment's use case schedules them."""
    client = await practice.setup()
    async with practice.sessions() as session:
        booking = await bookings.book(
            session,
            client=client,
            slot_id=await slot_at(practice.sessions, START),
            format="individual",
            rules=practice.settings.rules(),
            now=practice.clock.now(),
            hold=timedelta(minutes=15),
        )
        assert await rows_of(practice.sessions, booking.id) == {}
        booking.status = BookingStatus.confirmed
        await follow_booking(
            session, booking.id, practice.settings.rules().reminders, practice.clock.now()
        )
        await session.commit()
    assert set(await rows_of(practice.sessions, booking.id)) == {
        "client:24h",
        "client:1h",
        "therapist:1h",
        "rating",
    }


# -- after downtime, and failures -------------------------------------------------------------


async def test_after_downtime_reminders_before_the_start_go_late(practice: Practice) -> None:
    client = await practice.setup()
    booking = await practice.book(client)
    # Down from booking time until half an hour before the session.
    report = await practice.run_at(START - timedelta(minutes=30))
    assert report == ReminderReport(sent=3)
    first, last = practice.client_chat.shown[-2:]
    assert "через 30 мин" in first.text and "Буду" in first.buttons[0]
    assert "через 30 мин" in last.text and LINK in last.text
    assert "через 30 мин" in therapist_texts(practice.harness)[-1]
    rows = await rows_of(practice.sessions, booking.id)
    assert rows["rating"].sent_at is None


async def test_after_downtime_past_the_start_only_the_rating_goes(practice: Practice) -> None:
    client = await practice.setup()
    booking = await practice.book(client)
    # Down until the session is under way: the reminders are too late to help.
    report = await practice.run_at(START + timedelta(minutes=5))
    assert report == ReminderReport(dropped=3)
    assert practice.client_chat.shown == [] and therapist_texts(practice.harness) == []
    rows = await rows_of(practice.sessions, booking.id)
    for kind in ("client:24h", "client:1h", "therapist:1h"):
        assert rows[kind].sent_at is None and rows[kind].attempts == MAX_ATTEMPTS
    # The rating request belongs after the session and comes even later.
    report = await practice.run_at(START + timedelta(days=1))
    assert report == ReminderReport(sent=1)
    assert "Как прошла сессия" in practice.client_chat.last.text
    assert await practice.run() == ReminderReport()


async def test_a_client_who_blocked_the_bot_gets_no_more_reminders(practice: Practice) -> None:
    client = await practice.setup()
    await practice.book(client)
    practice.harness.telegram.blocked.add(CLIENT_ID)
    assert await practice.run_at(START - timedelta(hours=24)) == ReminderReport(dropped=1)
    async with practice.sessions() as session:
        stored = await session.get(User, client.id)
        assert stored is not None and stored.blocked_bot_at is not None
    report = await practice.run_at(START - timedelta(hours=1))
    assert report == ReminderReport(sent=1, dropped=1)  # the therapist's still goes
    await practice.run_at(START + timedelta(hours=2))
    # One attempt, the one that found out; none after.
    assert len(sent_to(practice.harness, CLIENT_ID)) == 1
    assert len(sent_to(practice.harness, THERAPIST_CHAT)) == 1


async def test_a_failing_send_is_retried_on_later_runs_then_given_up(
    practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await practice.setup()
    booking = await practice.book(client)
    telegram = practice.harness.telegram
    sends = telegram._do_SendMessage

    def chat_not_found(bot: Bot, method: SendMessage) -> Any:
        if method.chat_id == CLIENT_ID:
            return telegram._fail(bot, method, 400, "Bad Request: chat not found")
        return sends(bot, method)

    monkeypatch.setattr(telegram, "_do_SendMessage", chat_not_found)
    practice.clock.current = START - timedelta(hours=24)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await practice.run() == ReminderReport(failed=1)
        row = (await rows_of(practice.sessions, booking.id))["client:24h"]
        assert row.attempts == attempt and row.claimed_at is None and row.sent_at is None
        practice.clock.advance(seconds=30)
    monkeypatch.setattr(telegram, "_do_SendMessage", sends)
    assert await practice.run() == ReminderReport()  # given up
    assert len(sent_to(practice.harness, CLIENT_ID)) == MAX_ATTEMPTS


async def test_a_claim_left_by_a_dead_process_is_taken_over_later(practice: Practice) -> None:
    client = await practice.setup()
    booking = await practice.book(client)
    practice.clock.current = START - timedelta(hours=24)
    async with practice.sessions() as session:  # claimed, then the process died
        assert len(await claim_due(session, practice.clock.now(), limit=10)) == 1
    practice.clock.advance(minutes=5)
    assert await practice.run() == ReminderReport()
    practice.clock.advance(seconds=CLAIM_TIMEOUT.total_seconds())
    assert await practice.run() == ReminderReport(sent=1)
    row = (await rows_of(practice.sessions, booking.id))["client:24h"]
    assert row.attempts == 2 and row.sent_at is not None


# -- the buttons under the first reminder -------------------------------------------------------


async def first_reminder(practice: Practice) -> tuple[Booking, Shown]:
    client = await practice.setup()
    booking = await practice.book(client)
    await practice.run_at(START - timedelta(hours=24))
    return booking, practice.client_chat.last


async def test_ill_be_there_is_stored(practice: Practice) -> None:
    booking, reminder = await first_reminder(practice)
    answer = await practice.client_chat.press("Буду", message=reminder)
    assert answer.text == "Спасибо! Ждём вас на сессии."
    stored = await booking_row(practice.sessions, booking.id)
    assert stored.attendance_confirmed_at == practice.clock.now()
    assert reminder.buttons == ["🔁 Перенести", "✖ Отменить"]
    # The same button from another device: thanked again, the first time kept.
    practice.clock.advance(minutes=1)
    await practice.client_chat.tap(f"ra:{booking.id}", reminder)
    stored = await booking_row(practice.sessions, booking.id)
    assert stored.attendance_confirmed_at == practice.clock.now() - timedelta(minutes=1)


async def test_ill_be_there_refuses_others_and_past_sessions(practice: Practice) -> None:
    booking, reminder = await first_reminder(practice)
    other = await add_client(practice.sessions, practice.clock, OTHER_CLIENT_ID)
    theirs = await practice.book(other, START + timedelta(days=1))
    answer = await practice.client_chat.tap(f"ra:{theirs.id}", reminder)
    assert answer.text == "Эта сессия уже отменена, перенесена или прошла." and answer.show_alert
    assert (await booking_row(practice.sessions, theirs.id)).attendance_confirmed_at is None
    practice.clock.current = START + timedelta(minutes=1)
    answer = await practice.client_chat.press("Буду", message=reminder)
    assert answer.show_alert
    assert (await booking_row(practice.sessions, booking.id)).attendance_confirmed_at is None


async def test_move_from_the_reminder_opens_the_cabinet_and_reminders_follow(
    practice: Practice,
) -> None:
    booking, reminder = await first_reminder(practice)
    await practice.client_chat.press("Перенести", message=reminder)
    assert "Выберите новое время" in reminder.text
    await practice.client_chat.press(reminder.buttons[-2], message=reminder)  # the last day
    await practice.client_chat.press(reminder.buttons[0], message=reminder)  # its time
    await practice.client_chat.press("✅ Перенести", message=reminder)
    assert "перенесена" in reminder.text
    moved = await booking_row(practice.sessions, booking.id)
    assert moved.starts_at == START + timedelta(days=2)
    rows = await rows_of(practice.sessions, booking.id)
    assert rows["client:24h"].due_at == moved.starts_at - timedelta(hours=24)
    assert rows["client:24h"].sent_at is None


async def test_cancel_from_the_reminder_follows_the_cabinets_rules(practice: Practice) -> None:
    booking, reminder = await first_reminder(practice)
    await practice.client_chat.press("Отменить", message=reminder)
    # 24 hours before: still free, and the client is told so before confirming.
    assert "Отменить сессию" in reminder.text and "бесплатная" in reminder.text
    await practice.client_chat.press("Да, отменить", message=reminder)
    stored = await booking_row(practice.sessions, booking.id)
    assert stored.status == BookingStatus.cancelled
    assert set(await rows_of(practice.sessions, booking.id)) == {"client:24h"}
    assert await practice.run_at(START + timedelta(days=1)) == ReminderReport()


# -- the rating -------------------------------------------------------------------------------


async def rating_request(practice: Practice) -> tuple[Booking, Shown]:
    client = await practice.setup()
    booking = await practice.book(client)
    await practice.run_at(START + SESSION + RATING_AFTER)
    request = practice.client_chat.last
    assert "Как прошла сессия с Анна Смирнова" in request.text
    assert request.buttons == ["1", "2", "3", "4", "5"]
    return booking, request


async def test_rating_with_a_comment(practice: Practice) -> None:
    booking, request = await rating_request(practice)
    chat = practice.client_chat
    # Text where a button is expected: a polite answer, the buttons still work.
    await chat.send("всё отлично")
    assert "Я не понял" in chat.last.text
    assert (await booking_row(practice.sessions, booking.id)).rating is None

    await chat.press("4", message=request)
    assert "Ваша оценка: 4 из 5" in request.text and request.buttons == ["Пропустить"]
    assert (await booking_row(practice.sessions, booking.id)).rating == 4

    await chat.send_sticker()
    assert "только текстом" in chat.last.text
    await chat.send("слишком " * 200)
    assert "длинновато" in chat.last.text and "1\xa0000 символов" in chat.last.text
    await chat.send("Спасибо, было полезно")
    assert chat.last.text == "Спасибо, ваш отзыв сохранён."
    stored = await booking_row(practice.sessions, booking.id)
    assert stored.rating == 4 and stored.rating_comment == "Спасибо, было полезно"
    assert request.buttons == []
    # The comment is over: the next text is just text.
    await chat.send("ещё")
    assert "Я не понял" in chat.last.text
    assert (await booking_row(practice.sessions, booking.id)).rating_comment == (
        "Спасибо, было полезно"
    )
    # A second rating for the same session is not taken.
    answer = await chat.tap(f"rt:{booking.id}:1", request)
    assert answer.text == "Эта сессия уже оценена. Спасибо!"
    assert (await booking_row(practice.sessions, booking.id)).rating == 4


async def test_rating_without_a_comment(practice: Practice) -> None:
    booking, request = await rating_request(practice)
    await practice.client_chat.press("5", message=request)
    await practice.client_chat.press("Пропустить", message=request)
    assert request.text == "Спасибо за оценку!" and request.buttons == []
    stored = await booking_row(practice.sessions, booking.id)
    assert stored.rating == 5 and stored.rating_comment is None
    await practice.client_chat.send("привет")
    assert "Я не понял" in practice.client_chat.last.text
    answer = await practice.client_chat.tap(f"rn:{booking.id}", request)
    assert answer.text == "Эта кнопка уже не действует."


async def test_rating_buttons_are_checked(practice: Practice) -> None:
    booking, request = await rating_request(practice)
    chat = practice.client_chat
    other = await add_client(practice.sessions, practice.clock, OTHER_CLIENT_ID)
    theirs = await practice.book(other, START + timedelta(days=1))
    later = await practice.book(
        await booking_client(practice.sessions, booking), START + timedelta(days=2)
    )
    practice.clock.current = START + timedelta(days=1, hours=2)  # theirs is over too

    answer = await chat.tap(f"rt:{theirs.id}:5", request)  # someone else's session
    assert answer.text == "Эту сессию оценить нельзя." and answer.show_alert
    answer = await chat.tap(f"rt:{later.id}:5", request)  # not yet held
    assert answer.text == "Оценить сессию можно, когда она пройдёт."
    answer = await chat.tap(f"rt:{booking.id}:9", request)  # no such score
    assert answer.text == "Эта кнопка уже не действует."
    answer = await chat.tap(f"rt:{booking.id + 1000}:5", request)  # no such booking
    assert answer.show_alert
    answer = await chat.tap("rt:x:y", request)  # not even numbers
    assert answer.text
    for booking_id in (booking.id, theirs.id, later.id):
        assert (await booking_row(practice.sessions, booking_id)).rating is None
    assert "Как прошла сессия" in request.text and len(request.buttons) == 5


async def booking_client(sessions: Sessions, booking: Booking) -> User:
    async with sessions() as session:
        user = await session.get(User, booking.client_id)
    assert user is not None
    return user


# -- two schedulers on one database ----------------------------------------------------------


async def test_two_schedulers_send_each_reminder_once(
    practice: Practice, database_url: str
) -> None:
    sessions = practice.sessions
    clock = practice.clock
    async with sessions() as session:
        therapist = Therapist(
            name_ru="Анна Смирнова",
            name_en="Anna Smirnova",
            gender="female",
            price=3500,
            session_minutes=50,
            timezone="Europe/Moscow",
            telegram_id=THERAPIST_CHAT,
            created_at=clock.now(),
        )
        session.add(therapist)
        await session.flush()
        for hour in range(12):
            starts_at = START + timedelta(hours=hour)
            session.add(
                Slot(
                    therapist_id=therapist.id,
                    starts_at=starts_at,
                    ends_at=starts_at + SESSION,
                    status="free",
                )
            )
        await session.commit()
    for hour in range(12):
        client = await add_client(sessions, clock, 6000 + hour)
        await book(sessions, practice.settings, clock, client, START + timedelta(hours=hour))
    # Half an hour before the first session: every 24h reminder and the first session's
    # 1h reminders are due, 14 in all.
    clock.current = START - timedelta(minutes=30)

    second_engine = create_engine(database_url)
    try:
        second = create_sessionmaker(second_engine)
        reports = await asyncio.gather(
            *(
                send_due_reminders(
                    sessionmaker=maker,
                    outgoing=create_outgoing(practice.harness.bot, practice.settings, maker, clock),
                    translator=practice.translator,
                    settings=practice.settings,
                    clock=clock,
                    batch=3,
                )
                for maker in (sessions, second)
            )
        )
    finally:
        await second_engine.dispose()

    assert sum(report.sent for report in reports) == 14
    assert all(report.failed == report.dropped == 0 for report in reports)
    per_chat = Counter(
        call.chat_id for call in practice.harness.telegram.calls if isinstance(call, SendMessage)
    )
    assert per_chat == {6000: 2, THERAPIST_CHAT: 1, **{6000 + hour: 1 for hour in range(1, 12)}}
    async with sessions() as session:
        due = await session.scalars(select(Reminder).where(Reminder.due_at <= clock.now()))
        assert all(row.sent_at is not None and row.attempts == 1 for row in due)


# -- the scheduler ------------------------------------------------------------------------------


async def test_the_scheduler_runs_the_job_and_stops_cleanly(practice: Practice) -> None:
    client = await practice.setup()
    await practice.book(client)
    practice.clock.current = START - timedelta(hours=24)
    background = create_scheduler(
        bot=practice.harness.bot,
        settings=practice.settings,
        sessionmaker=practice.sessions,
        clock=practice.clock,
        translator=practice.translator,
        rules=practice.settings.rules(),
    )
    job = background.scheduler.get_job(REMINDER_JOB_ID)
    assert job is not None and job.max_instances == 1 and job.coalesce
    assert job.trigger.interval == timedelta(seconds=practice.settings.reminder_poll_seconds)
    finished: list[str] = []
    failed: list[str] = []
    reminders_ran = asyncio.Event()

    def listen(event: JobExecutionEvent) -> None:
        (failed if event.exception is not None else finished).append(event.job_id)
        if event.job_id == REMINDER_JOB_ID:
            reminders_ran.set()

    background.scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    background.start()
    try:
        # Started, it runs at once rather than one interval later: a restart catches up.
        await asyncio.wait_for(reminders_ran.wait(), timeout=30)
    finally:
        await background.stop()
    await asyncio.sleep(0)
    assert "Напоминание о сессии" in practice.client_chat.last.text
    # Every job started at once, and stopping let each finish instead of cancelling it.
    assert sorted(finished) == sorted(
        [
            REMINDER_JOB_ID,
            OUTBOX_JOB_ID,
            HOLDS_JOB_ID,
            SLOTS_JOB_ID,
            WAITLIST_JOB_ID,
            OUTCOMES_JOB_ID,
            PACKAGES_JOB_ID,
        ]
    )
    assert failed == []
    assert not background.scheduler.running
    # Stopped, it sends nothing more even when called.
    practice.clock.current = START - timedelta(hours=1)
    assert await background.reminders.run() == ReminderReport()
    assert len(practice.client_chat.shown) == 1


def test_an_instance_claims_about_a_seconds_worth_of_reminders_at_a_time() -> None:
    # Several instances share a burst of due reminders instead of one holding them all.
    assert [claim_size(rate) for rate in (0.5, 4, 25, 25.5, 1000)] == [1, 4, 25, 26, 50]


# -- a check-in in the reminder (`handlers.checkins`) -----------------------------------


async def consenting_client(practice: Practice) -> User:
    """A client who agreed to check-ins."""
    client = await practice.setup()
    async with practice.sessions() as session:
        user = await session.get_one(User, client.id)
        await checkins.give_consent(session, user, practice.clock.now())
    return client


async def test_the_first_reminder_offers_a_check_in_at_most_once_a_week(
    practice: Practice,
) -> None:
    client = await consenting_client(practice)
    await practice.book(client)
    await practice.book(client, START + timedelta(days=2))
    await practice.run_at(START - timedelta(hours=24))
    reminder = practice.client_chat.last
    assert "Есть 2 минуты до сессии?" in reminder.text
    assert reminder.buttons == ["✅ Буду", "🔁 Перенести", "✖ Отменить", "▶ Начать опрос"]
    # "I'll be there" keeps the check-in's button.
    await practice.client_chat.press("Буду", message=reminder)
    assert reminder.buttons == ["🔁 Перенести", "✖ Отменить", "▶ Начать опрос"]
    await practice.client_chat.press("Начать опрос", message=reminder)
    assert "Настроение (PHQ-9) · вопрос 1 из 9" in practice.client_chat.last.text
    for _ in range(9):
        await practice.client_chat.press("Ни разу")
    await practice.client_chat.press("Дальше")
    for _ in range(7):
        await practice.client_chat.press("Ни разу")
    assert "0 из 21" in practice.client_chat.last.text
    async with practice.sessions() as session:
        reasons = list(await session.scalars(select(Checkin.reason)))
    assert reasons == ["reminder", "reminder"]  # «Дальше» goes on for the same reason
    # The next session's reminder, within the week: no check-in offered.
    await practice.run_at(START + timedelta(days=1))
    reminder = practice.client_chat.last
    assert "Напоминание о сессии" in reminder.text and "опрос" not in reminder.text
    assert "▶ Начать опрос" not in reminder.buttons


async def test_an_unfinished_check_in_is_offered_to_go_on_in_the_reminder(
    practice: Practice,
) -> None:
    client = await consenting_client(practice)
    await practice.book(client)
    await practice.client_chat.send("/checkin")
    await practice.client_chat.press("Ни разу")
    await practice.client_chat.press("Ни разу")
    assert "вопрос 3 из 9" in practice.client_chat.last.text
    await practice.run_at(START - timedelta(hours=24))
    reminder = practice.client_chat.last
    assert "Вы не закончили опрос" in reminder.text
    assert reminder.buttons == ["✅ Буду", "🔁 Перенести", "✖ Отменить", "▶ Продолжить опрос"]
    await practice.client_chat.press("Буду", message=reminder)
    assert reminder.buttons == ["🔁 Перенести", "✖ Отменить", "▶ Продолжить опрос"]
    await practice.client_chat.press("Продолжить опрос", message=reminder)
    assert "вопрос 3 из 9" in practice.client_chat.last.text
