"""A regular time in the client's calendar: one event with an RRULE for the sessions after
the one it was made from, each later file naming that event (same UID, a growing SEQUENCE)
and, for one session, its instance (RECURRENCE-ID); every file sent is parsed with
`icalendar` and the event expanded to see that it holds exactly the booked sessions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrulestr
from icalendar import Calendar

from bot.rules.calendar import booking_uid, series_uid
from db.models import Booking, BookingStatus, Series
from keyboards.cabinet import MoveConfirm
from tests import test_series
from tests.conftest import ManualClock
from tests.fake_telegram import Harness, Shown, TgUser
from tests.flows import sign_up
from tests.test_series import (
    MOSCOW,
    Sessions,
    book_by_bot,
    first_slot_after,
    occurrences,
    open_session,
    run_slots_job,
    the_series,
    weekly,
)

# The catalogue with its first therapist linked, as in the series' conversation tests.
practice = test_series.practice
practice_settings = test_series.practice_settings


def files_of(client: TgUser) -> list[Shown]:
    return [shown for shown in client.harness.telegram.chats[client.id] if shown.document]


def parsed(shown: Shown) -> Calendar:
    assert shown.document_bytes is not None, shown.document
    return Calendar.from_ical(shown.document_bytes)


def events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def master_of(calendar: Calendar):
    [master] = [event for event in events(calendar) if "RRULE" in event]
    return master


def excluded(master) -> set[datetime]:
    values = master.get("EXDATE", [])
    if not isinstance(values, list):
        values = [values]
    return {moment.dt for value in values for moment in value.dts}


def expanded(calendar: Calendar, before: datetime) -> list[datetime]:
    """The event's sessions that start before `before`: the rule's instances without the
    excluded ones, a moved instance at its own time."""
    master = master_of(calendar)
    start = master.decoded("DTSTART")
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start)
    moved = {
        event.decoded("RECURRENCE-ID"): event.decoded("DTSTART")
        for event in events(calendar)
        if "RECURRENCE-ID" in event
    }
    gone = excluded(master)
    sessions = []
    for moment in rule.between(start - timedelta(seconds=1), before):
        if moment in gone:
            continue
        sessions.append(moved.get(moment, moment))
    return sorted(sessions)


def head(shown: Shown) -> tuple[str, str, int]:
    """METHOD, UID and SEQUENCE of a file of one event (and its instances)."""
    calendar = parsed(shown)
    uids = {str(event["UID"]) for event in events(calendar)}
    sequences = {int(event["SEQUENCE"]) for event in events(calendar)}
    assert len(uids) == 1 and len(sequences) == 1, (uids, sequences)
    return str(calendar["METHOD"]), uids.pop(), sequences.pop()


def regular_button(cabinet: Shown) -> str:
    """The cabinet's button of the regular time (its sessions' buttons carry a date)."""
    return next(b for b in cabinet.buttons if b.startswith(("📌 каждую", "📌 раз в две")))


async def series_file(client: TgUser) -> Shown:
    """The regular time's event, asked for on its screen."""
    await client.send("/my")
    cabinet = client.last
    await client.press(regular_button(cabinet), message=cabinet)
    before = len(files_of(client))
    await client.press("📅 Всё постоянное время — в календарь", message=client.last)
    after = files_of(client)
    assert len(after) == before + 1
    return after[-1]


async def active_starts(sessions: Sessions, series_id: int) -> list[datetime]:
    return [
        booking.starts_at
        for booking in await occurrences(sessions, series_id)
        if booking.status != BookingStatus.cancelled
    ]


async def test_every_file_of_a_weekly_series_session(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(531, "Вера")
    series = await weekly(client, db_sessionmaker, clock)
    first, second = await occurrences(db_sessionmaker, series.id)
    # The session it was made from keeps its own event; the rest are one event.
    own, whole = files_of(client)
    assert head(own) == ("PUBLISH", booking_uid(first.id), 0)
    assert head(whole) == ("PUBLISH", series_uid(series.id), 0)
    master = master_of(parsed(whole))
    assert master.decoded("DTSTART") == second.starts_at
    assert master["RRULE"]["FREQ"] == ["WEEKLY"] and master["RRULE"]["INTERVAL"] == [1]
    assert "UNTIL" not in master["RRULE"] and not excluded(master)
    assert str(master["DTSTART"].params["TZID"]) == "Europe/Moscow"
    # Move the second session: the file updates only that instance.
    target = await first_slot_after(db_sessionmaker, second.starts_at + timedelta(days=1))
    await client.tap(MoveConfirm(booking_id=second.id, slot_id=target.id, moves=0).pack())
    moved_file = files_of(client)[-1]
    assert head(moved_file) == ("PUBLISH", series_uid(series.id), 1)
    [instance] = events(parsed(moved_file))
    assert instance.decoded("RECURRENCE-ID") == second.starts_at
    assert instance.decoded("DTSTART") == target.starts_at
    # Cancel it: the instance is cancelled, the event stays.
    async with db_sessionmaker() as session:
        moved = await session.get(Booking, second.id)
        assert moved is not None and moved.starts_at == target.starts_at
    screen = await open_session(client, moved)
    await client.press("✖ Отменить", message=screen)
    await client.press("Только эту", message=screen)
    await client.press("✖ Да, отменить", message=screen)
    cancel_file = files_of(client)[-1]
    assert head(cancel_file) == ("CANCEL", series_uid(series.id), 2)
    [cancelled] = events(parsed(cancel_file))
    assert cancelled.decoded("RECURRENCE-ID") == second.starts_at
    assert str(cancelled["STATUS"]) == "CANCELLED"
    # Weeks pass; the whole event, asked for, holds exactly the booked sessions.
    for _ in range(2):
        clock.advance(days=7)
        await run_slots_job(db_sessionmaker, practice_settings, clock, practice, translator)
    booked = await occurrences(db_sessionmaker, series.id)
    third = next(b for b in booked if b.starts_at == first.starts_at + timedelta(weeks=2))
    # Up to the booking horizon every date of the rule is booked, missed or cancelled.
    horizon = clock.now() + timedelta(days=practice_settings.booking_horizon_days)
    now_file = await series_file(client)
    assert head(now_file) == ("PUBLISH", series_uid(series.id), 2)
    assert second.starts_at in excluded(master_of(parsed(now_file)))
    starts = [s for s in await active_starts(db_sessionmaker, series.id) if s != first.starts_at]
    assert expanded(parsed(now_file), horizon) == [s for s in starts if s < horizon]
    # Move the third: the whole event now carries it as a moved instance.
    target = await first_slot_after(db_sessionmaker, third.starts_at + timedelta(days=1))
    await client.tap(MoveConfirm(booking_id=third.id, slot_id=target.id, moves=0).pack())
    assert head(files_of(client)[-1]) == ("PUBLISH", series_uid(series.id), 3)
    now_file = await series_file(client)
    assert head(now_file) == ("PUBLISH", series_uid(series.id), 3)
    [override] = [e for e in events(parsed(now_file)) if "RECURRENCE-ID" in e]
    assert override.decoded("RECURRENCE-ID") == third.starts_at
    assert override.decoded("DTSTART") == target.starts_at
    starts = [s for s in await active_starts(db_sessionmaker, series.id) if s != first.starts_at]
    assert expanded(parsed(now_file), horizon) == [s for s in starts if s < horizon]
    # End it keeping the sessions: the event ends with the last of them (UNTIL).
    await client.send("/my")
    cabinet = client.last
    await client.press(regular_button(cabinet), message=cabinet)
    screen = client.last
    await client.press("⏹ Закончить", message=screen)
    await client.press("⏹ Закончить, сессии оставить", message=screen)
    ended = files_of(client)[-1]
    method, uid, sequence = head(ended)
    assert (method, uid) == ("PUBLISH", series_uid(series.id)) and sequence > 3
    booked = [b for b in await occurrences(db_sessionmaker, series.id) if b.id != first.id]
    kept = [b for b in booked if b.status != BookingStatus.cancelled]
    last_kept = max(b.starts_at for b in kept if b.reschedule_count == 0)
    assert master_of(parsed(ended))["RRULE"]["UNTIL"] == [last_kept]
    assert expanded(parsed(ended), last_kept + timedelta(weeks=10)) == sorted(
        b.starts_at for b in kept
    )


async def test_fortnightly_pause_and_resume_update_the_event(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(532, "Ира")
    await sign_up(client)
    slot = await first_slot_after(db_sessionmaker, clock.now() + timedelta(days=1))
    done = await book_by_bot(client, slot.id)
    await client.press("📌 Сделать это время постоянным", message=done)
    await client.press("Раз в две недели", message=done)
    await client.press("✅ Да, сделать постоянным", message=done)
    series = await the_series(db_sessionmaker)
    whole = files_of(client)[-1]
    master = master_of(parsed(whole))
    assert master["RRULE"]["INTERVAL"] == [2]
    assert master.decoded("DTSTART") == slot.starts_at + timedelta(weeks=2)
    # A pause of four weeks: its dates leave the event, and come back on resume.
    await client.send("/my")
    cabinet = client.last
    await client.press(regular_button(cabinet), message=cabinet)
    screen = client.last
    await client.press("⏸ Пауза", message=screen)
    await client.press("4 недели", message=screen)
    await client.press("⏸ Поставить на паузу", message=screen)
    paused = files_of(client)[-1]
    method, uid, paused_sequence = head(paused)
    assert (method, uid) == ("PUBLISH", series_uid(series.id)) and paused_sequence > 0
    async with db_sessionmaker() as session:
        until = date.fromisoformat((await session.get(Series, series.id)).paused_until)
    paused_dates = {
        slot.starts_at + timedelta(weeks=weeks)
        for weeks in (2, 4, 6)
        if (slot.starts_at + timedelta(weeks=weeks)).astimezone(MOSCOW).date() < until
    }
    assert paused_dates and excluded(master_of(parsed(paused))) == paused_dates
    back = datetime.combine(until, time(0), tzinfo=MOSCOW)
    assert not expanded(parsed(paused), back)
    await client.press("▶ Продолжить", message=client.last_with_buttons)
    resumed = files_of(client)[-1]
    method, uid, sequence = head(resumed)
    assert (method, uid) == ("PUBLISH", series_uid(series.id)) and sequence > paused_sequence
    horizon = clock.now() + timedelta(days=practice_settings.booking_horizon_days)
    starts = [s for s in await active_starts(db_sessionmaker, series.id) if s != slot.starts_at]
    assert expanded(parsed(resumed), horizon) == [s for s in starts if s < horizon]
