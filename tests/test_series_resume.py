"""A regular time resumed after a pause: a date lost meanwhile (someone else took the time)
is told to the client at once, with the other free times of its week to take instead."""

from __future__ import annotations

from datetime import timedelta

from db.models import BookingStatus
from tests import test_series
from tests.conftest import ManualClock
from tests.fake_telegram import Harness
from tests.test_series import (
    THERAPIST_CHAT,
    Sessions,
    occurrences,
    open_regular_time,
    slot_at,
    someone_else_books,
    weekly,
)
from tests.test_series_take import takes

practice = test_series.practice
practice_settings = test_series.practice_settings


async def test_a_date_lost_during_a_pause_is_told_on_resume(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(543, "Ира")
    series = await weekly(client, db_sessionmaker, clock)
    _first, second = await occurrences(db_sessionmaker, series.id)
    screen = await open_regular_time(client)
    await client.press("⏸ Пауза", message=screen)
    await client.press("2 недели", message=screen)
    await client.press("⏸ Поставить на паузу", message=screen)
    # While paused, someone else books the second date's time.
    lost = await slot_at(db_sessionmaker, second.starts_at)
    assert lost is not None
    await someone_else_books(db_sessionmaker, lost.id, clock, practice_settings.rules())
    therapist_seen = len(practice.telegram.chats[THERAPIST_CHAT])

    mark = client.mark()
    await client.press("▶ Продолжить", message=client.last_with_buttons)
    told = [
        shown
        for shown in practice.telegram.chats[543][mark:]
        if "Пока постоянное время было на паузе" in shown.text
    ]
    assert len(told) == 1, client.texts_since(mark)
    assert "это время уже занято" in told[0].text
    picks = takes(told[0])
    assert picks and all(p.series_id == series.id for p in picks)
    assert lost.id not in {p.slot_id for p in picks}
    # The therapist hears of the missed date too, as when the job misses one.
    to_therapist = [s.text for s in practice.telegram.chats[THERAPIST_CHAT][therapist_seen:]]
    assert any("не забронировано" in text for text in to_therapist), to_therapist
    # The client takes another time of that week for it.
    await client.press(told[0].buttons[0], message=told[0])
    await client.press("✅ Да, записать", message=client.last)
    day = second.series_day
    taken = [
        b
        for b in await occurrences(db_sessionmaker, series.id)
        if b.series_day == day and b.status == BookingStatus.confirmed
    ]
    assert len(taken) == 1 and taken[0].starts_at != second.starts_at
    assert taken[0].starts_at - second.starts_at < timedelta(days=7)
