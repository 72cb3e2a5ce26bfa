"""Moving a regular time from one session on ("this and following"): each session moved by
the usual rules, the ones that cannot move listed with why and left at their time, the
series going on at the new weekday and time, the calendar files following it."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select, update

from bot.rules.calendar import booking_uid, series_uid
from db.models import Booking, BookingStatus, Series, SeriesSkip, Slot, SlotStatus
from keyboards.cabinet import MovePick
from keyboards.series import SeriesMoveFollowing, SeriesTake
from tests import test_series
from tests.conftest import ManualClock
from tests.fake_telegram import Harness, Shown, TgUser
from tests.test_series import (
    MOSCOW,
    THERAPIST_CHAT,
    Sessions,
    first_slot_after,
    occurrences,
    run_slots_job,
    slot_at,
    someone_else_books,
    weekly,
)

# The catalogue with its first therapist linked, as in the series' conversation tests.
practice = test_series.practice
practice_settings = test_series.practice_settings


def files_since(client: TgUser, mark: int) -> list[Calendar]:
    shown = client.harness.telegram.chats[client.id][mark:]
    return [Calendar.from_ical(s.document_bytes) for s in shown if s.document_bytes]


def head(calendar: Calendar) -> tuple[str, str]:
    return str(calendar["METHOD"]), str(calendar.walk("VEVENT")[0]["UID"])


async def pick(client: TgUser, booking: Booking, slot: Slot) -> Shown:
    """The move's confirmation for that slot, as the move's time buttons open it."""
    await client.tap(MovePick(booking_id=booking.id, slot_id=slot.id).pack())
    return client.last_with_buttons


async def series_rows(sessions: Sessions) -> list[Series]:
    async with sessions() as session:
        return list(await session.scalars(select(Series).order_by(Series.id)))


async def test_move_this_and_following(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(541, "Зоя")
    old = await weekly(client, db_sessionmaker, clock)
    first, second = await occurrences(db_sessionmaker, old.id)
    target = await first_slot_after(db_sessionmaker, first.starts_at + timedelta(hours=20))
    shift = target.starts_at - first.starts_at
    assert timedelta(0) < shift < timedelta(days=6)
    assert await slot_at(db_sessionmaker, second.starts_at + shift) is not None
    screen = await pick(client, first, target)
    assert "Перенести только её" in screen.text
    await client.press("Эту и все следующие", message=screen)
    # Each session and where it goes.
    listed = screen.text
    assert "Перенести постоянное время" in listed
    assert listed.count("→") == 2, listed
    assert "Дальше" in listed
    therapist_seen = len(practice.telegram.chats[THERAPIST_CHAT])
    mark = len(practice.telegram.chats[client.id])
    await client.press("Да, перенести", message=screen)
    assert "постоянное время теперь" in screen.text
    old_row, new = await series_rows(db_sessionmaker)
    assert (old_row.id, old_row.ended_by) == (old.id, "moved")
    assert new.ended_at is None and new.rhythm == 1
    local = target.starts_at.astimezone(MOSCOW)
    assert (new.first_day, new.wall_minute) == (local.date().isoformat(), local.hour * 60)
    async with db_sessionmaker() as session:
        for booking in (first, second):
            now = await session.get(Booking, booking.id)
            assert (now.series_id, now.starts_at) == (new.id, booking.starts_at + shift)
            assert now.status == BookingStatus.confirmed and now.reschedule_count == 1
            left = await session.get(Slot, booking.slot_id)
            assert left.status == SlotStatus.free
    # The therapist hears of each move and of the regular time at its new time.
    told = [s.text for s in practice.telegram.chats[THERAPIST_CHAT][therapist_seen:]]
    assert sum(text.startswith("Перенос сессии") for text in told) == 2, told
    assert any("постоянное время" in text.lower() for text in told), told
    # Calendars: the first session's own event moves, the old series' event is cancelled,
    # the new one starts with the second session at its new time.
    own, gone, whole = files_since(client, mark)
    assert head(own) == ("PUBLISH", booking_uid(first.id))
    assert head(gone) == ("CANCEL", series_uid(old.id))
    assert head(whole) == ("PUBLISH", series_uid(new.id))
    [master] = whole.walk("VEVENT")
    assert master.decoded("DTSTART") == second.starts_at + shift
    # A week later the series books its next date at the new time, nothing at the old one.
    clock.advance(days=7)
    await run_slots_job(db_sessionmaker, practice_settings, clock, practice, translator)
    booked = await occurrences(db_sessionmaker, new.id)
    assert [b.starts_at for b in booked] == [
        first.starts_at + shift + timedelta(weeks=week) for week in range(3)
    ]
    assert len(await occurrences(db_sessionmaker, old.id)) == 0
    # The old confirmation, tapped again, changes nothing.
    answer = await client.tap(
        SeriesMoveFollowing(booking_id=first.id, slot_id=target.id, moves=0, sure=True).pack()
    )
    assert answer.show_alert
    assert len(await series_rows(db_sessionmaker)) == 2


async def test_sessions_that_cannot_move_stay_and_far_times_move_only_one(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(542, "Ася")
    old = await weekly(client, db_sessionmaker, clock)
    first, second = await occurrences(db_sessionmaker, old.id)
    # A time ten days away moves only this one: no "following" button, a forged one refused.
    far = await first_slot_after(db_sessionmaker, first.starts_at + timedelta(days=9))
    screen = await pick(client, first, far)
    assert "только эту сессию" in screen.text
    assert not any("следующие" in b for b in screen.buttons)
    answer = await client.tap(
        SeriesMoveFollowing(booking_id=first.id, slot_id=far.id, moves=0, sure=False).pack()
    )
    assert answer.show_alert and "не дальше" in answer.text
    # The second week's new time is someone else's: that session stays where it is.
    target = await first_slot_after(db_sessionmaker, first.starts_at + timedelta(hours=20))
    shift = target.starts_at - first.starts_at
    taken = await slot_at(db_sessionmaker, second.starts_at + shift)
    assert taken is not None
    await someone_else_books(db_sessionmaker, taken.id, clock, practice_settings.rules())
    screen = await pick(client, first, target)
    await client.press("Эту и все следующие", message=screen)
    assert "остаётся как есть: это время уже занято" in screen.text
    assert screen.text.count("→") == 1
    await client.press("Да, перенести", message=screen)
    _, new = await series_rows(db_sessionmaker)
    async with db_sessionmaker() as session:
        moved = await session.get(Booking, first.id)
        stays = await session.get(Booking, second.id)
        skip = await session.scalar(select(SeriesSkip).where(SeriesSkip.series_id == new.id))
    assert (moved.series_id, moved.starts_at) == (new.id, first.starts_at + shift)
    assert (stays.series_id, stays.starts_at, stays.status) == (
        old.id,
        second.starts_at,
        BookingStatus.confirmed,
    )
    assert skip is not None and skip.reason == "kept"
    # That week has its session under the old regular time: a forged "other time" for it
    # is refused, nothing booked.
    other = await first_slot_after(db_sessionmaker, second.starts_at + timedelta(hours=1))
    forged = SeriesTake(series_id=new.id, day=skip.day, slot_id=other.id, sure=True)
    answer = await client.tap(forged.pack())
    assert answer.show_alert
    assert all(b.series_day != skip.day for b in await occurrences(db_sessionmaker, new.id))
    # That week is never booked at the new time as well; the following ones are.
    for _ in range(2):
        clock.advance(days=7)
        await run_slots_job(db_sessionmaker, practice_settings, clock, practice, translator)
    booked = [b.starts_at for b in await occurrences(db_sessionmaker, new.id)]
    assert second.starts_at + shift not in booked
    assert first.starts_at + shift + timedelta(weeks=2) in booked


async def test_a_session_out_of_moves_stays(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(543, "Эля")
    old = await weekly(client, db_sessionmaker, clock)
    first, second = await occurrences(db_sessionmaker, old.id)
    async with db_sessionmaker() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == second.id)
            .values(reschedule_count=practice_settings.max_reschedules)
        )
        await session.commit()
    target = await first_slot_after(db_sessionmaker, first.starts_at + timedelta(hours=20))
    screen = await pick(client, first, target)
    await client.press("Эту и все следующие", message=screen)
    assert "лимит переносов этой сессии исчерпан" in screen.text
    await client.press("Да, перенести", message=screen)
    async with db_sessionmaker() as session:
        stays = await session.get(Booking, second.id)
    assert (stays.series_id, stays.starts_at) == (old.id, second.starts_at)
