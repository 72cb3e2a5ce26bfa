"""A missed date of a regular time, taken at another time of its week: the other times come
as buttons in the notice, a tap asks once, and the booking stands for that date in the
series (one per date, the calendar event's instance at its new time)."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from bot.config import Settings
from bot.i18n import Translator
from db.models import Booking, BookingStatus, SeriesSkip, TimeOff
from keyboards.series import SeriesTake
from tests import test_series
from tests.conftest import ManualClock, outbox_job
from tests.fake_telegram import Harness, Shown, TgUser
from tests.flows import sign_up
from tests.test_series import (
    MOSCOW,
    THERAPIST_CHAT,
    Sessions,
    occurrences,
    run_slots_job,
    someone_else_books,
    weekly,
)

practice = test_series.practice
practice_settings = test_series.practice_settings


def takes(shown: Shown) -> list[SeriesTake]:
    assert shown.markup is not None
    return [
        SeriesTake.unpack(button.callback_data)
        for row in shown.markup.inline_keyboard
        for button in row
        if button.callback_data
    ]


async def miss_the_third_date(
    practice: Harness,
    sessions: Sessions,
    settings: Settings,
    clock: ManualClock,
    translator: Translator,
    client: TgUser,
    first: Booking,
) -> Shown:
    """The therapist takes the day two weeks after `first` off; a week on, the horizon
    reaches it and the client is told (the notice, with that week's other times)."""
    missed_day = (first.starts_at + timedelta(weeks=2)).astimezone(MOSCOW).date()
    async with sessions() as session:
        session.add(
            TimeOff(
                therapist_id=1, starts_on=missed_day.isoformat(), ends_on=missed_day.isoformat()
            )
        )
        await session.commit()
    clock.advance(days=7)
    mark = client.mark()
    await run_slots_job(sessions, settings, clock, practice, translator)
    [notice] = [
        shown
        for shown in practice.telegram.chats[client.id][mark:]
        if "не получилось забронировать" in shown.text
    ]
    return notice


async def test_a_missed_date_taken_at_another_time_of_its_week(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    settings = practice_settings
    client = practice.user(531, "Лиза")
    series = await weekly(client, db_sessionmaker, clock)
    first, _second = await occurrences(db_sessionmaker, series.id)
    week = timedelta(weeks=1)
    missed_at = first.starts_at + 2 * week
    missed_day = missed_at.astimezone(MOSCOW).date()
    # A week on, the horizon reaches the day off: the client is told, with that week's
    # other times as buttons.
    notice = await miss_the_third_date(
        practice, db_sessionmaker, settings, clock, translator, client, first
    )
    assert "выберите время" in notice.text and notice.buttons, notice.text
    picks = takes(notice)
    assert all(p.series_id == series.id and p.day == missed_day.isoformat() for p in picks)
    assert len({p.slot_id for p in picks}) == len(picks) >= 2

    # A tap asks first, and books nothing yet.
    await client.press(notice.buttons[0], message=notice)
    ask = client.last
    assert "вместо сессии" in ask.text, ask.text
    assert len(await occurrences(db_sessionmaker, series.id)) == 2
    # Meanwhile someone else takes that time: the week's free times as they are now.
    await someone_else_books(db_sessionmaker, picks[0].slot_id, clock, settings.rules())
    await client.press("✅ Да, записать", message=ask)
    assert "уже заняли" in ask.text, ask.text
    fresh = takes(ask)
    assert fresh and picks[0].slot_id not in {p.slot_id for p in fresh}
    await client.press(ask.buttons[0], message=ask)
    confirm = client.last
    mark = client.mark()
    therapist_seen = len(practice.telegram.chats[THERAPIST_CHAT])
    await client.press("✅ Да, записать", message=confirm)
    assert "Записали" in confirm.text and "постоянного времени" in confirm.text, confirm.text

    taken = [
        b
        for b in await occurrences(db_sessionmaker, series.id)
        if b.series_day == missed_day.isoformat()
    ]
    assert len(taken) == 1
    booking = taken[0]
    assert booking.status == BookingStatus.confirmed and booking.starts_at != missed_at
    assert booking.starts_at - timedelta(days=booking.starts_at.weekday()) <= missed_at + week
    # The calendar: the series' event now has that date's instance at its new time.
    files = [s for s in practice.telegram.chats[531][mark:] if s.document_bytes]
    assert len(files) == 1
    events = list(Calendar.from_ical(files[0].document_bytes).walk("VEVENT"))
    moved = [e for e in events if "RECURRENCE-ID" in e]
    assert [(e["RECURRENCE-ID"].dt, e["DTSTART"].dt) for e in moved] == [
        (missed_at, booking.starts_at)
    ]
    # The therapist hears of it like of any booking.
    await outbox_job(practice, settings, db_sessionmaker, clock, translator).run()
    told = [s.text for s in practice.telegram.chats[THERAPIST_CHAT][therapist_seen:]]
    assert any("Новая запись" in text and "Лиза" in text for text in told), told

    # One session per date: the same tap again, or another time of the notice, is refused.
    again = await client.tap(
        SeriesTake(
            series_id=series.id, day=missed_day.isoformat(), slot_id=fresh[0].slot_id, sure=True
        ).pack()
    )
    assert again.show_alert and "уже есть сессия" in (again.text or "")
    other = await client.tap(
        SeriesTake(
            series_id=series.id, day=missed_day.isoformat(), slot_id=picks[-1].slot_id, sure=True
        ).pack()
    )
    assert other.show_alert and "уже есть сессия" in (other.text or "")
    # A forged date, a date that was never missed, another client's series: refused kindly.
    forged = await client.tap(
        SeriesTake(
            series_id=series.id, day="2026-13-40", slot_id=picks[-1].slot_id, sure=True
        ).pack()
    )
    assert forged.text
    not_missed = (first.starts_at + 3 * week).astimezone(MOSCOW).date().isoformat()
    refused = await client.tap(
        SeriesTake(series_id=series.id, day=not_missed, slot_id=picks[-1].slot_id, sure=True).pack()
    )
    assert refused.show_alert
    stranger = practice.user(532, "Гость")
    await sign_up(stranger)
    gone = await stranger.tap(
        SeriesTake(
            series_id=series.id, day=missed_day.isoformat(), slot_id=picks[-1].slot_id, sure=True
        ).pack()
    )
    assert gone.show_alert
    async with db_sessionmaker() as session:
        rows = list(await session.scalars(select(Booking).where(Booking.series_id == series.id)))
        assert len([b for b in rows if b.series_day == missed_day.isoformat()]) == 1
        assert await session.get(SeriesSkip, (series.id, missed_day.isoformat())) is not None

    # The job goes on as before: the date is not booked again, the next one is.
    clock.advance(days=7)
    await run_slots_job(db_sessionmaker, settings, clock, practice, translator)
    days = [b.series_day for b in await occurrences(db_sessionmaker, series.id)]
    assert len(days) == len(set(days)) and not_missed in days
