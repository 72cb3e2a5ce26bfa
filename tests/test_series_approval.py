"""A regular time with a therapist who confirms every booking: they agree to it once, when
it is set up; until then none of its dates is booked, on a yes they are, on a no it ends
and the session it was made from stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from db.models import BookingStatus, Series, Therapist
from tests import test_series
from tests.conftest import ManualClock
from tests.fake_telegram import Harness, TgUser
from tests.flows import sign_up
from tests.test_series import (
    THERAPIST_CHAT,
    Sessions,
    book_by_bot,
    first_slot_after,
    occurrences,
    run_slots_job,
    the_series,
)

practice = test_series.practice
practice_settings = test_series.practice_settings


async def ask_for_weekly(client: TgUser, sessions: Sessions, clock: ManualClock) -> Series:
    """A booked session; then the therapist starts confirming every booking; the client
    makes the session weekly."""
    await sign_up(client)
    first = await first_slot_after(sessions, clock.now() + timedelta(days=1))
    done = await book_by_bot(client, first.id)
    async with sessions() as session:
        await session.execute(update(Therapist).where(Therapist.id == 1).values(approval="every"))
        await session.commit()
    await client.press("📌 Сделать это время постоянным", message=done)
    await client.press("Каждую неделю", message=done)
    await client.press("✅ Да, сделать постоянным", message=done)
    assert "отправлено на согласование" in done.text, done.text
    assert "Ждём согласия специалиста" in client.last.text, client.last.text
    return await the_series(sessions)


async def test_the_therapist_agrees_once_and_then_the_dates_are_booked(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(541, "Мила")
    series = await ask_for_weekly(client, db_sessionmaker, clock)
    # Nothing beyond the session it was made from is booked, not even by the job.
    [first] = await occurrences(db_sessionmaker, series.id)
    clock.advance(days=1)
    await run_slots_job(db_sessionmaker, practice_settings, clock, practice, translator)
    assert [b.id for b in await occurrences(db_sessionmaker, series.id)] == [first.id]
    # The therapist was asked, with two buttons.
    [card] = [
        shown
        for shown in practice.telegram.chats[THERAPIST_CHAT]
        if "Постоянное время?" in shown.text
    ]
    assert "Мила" in card.text and card.buttons == ["✅ Согласиться", "✖ Не сейчас"]

    therapist = practice.user(THERAPIST_CHAT, "Анна")
    agree = card.button("✅ Согласиться").callback_data
    assert agree is not None
    mark = client.mark()
    await therapist.press("✅ Согласиться", message=card)
    assert "согласовано" in card.text, card.text
    booked = await occurrences(db_sessionmaker, series.id)
    assert [b.starts_at for b in booked] == [first.starts_at, first.starts_at + timedelta(weeks=1)]
    assert all(b.status == BookingStatus.confirmed for b in booked)
    told = client.texts_since(mark)
    assert any("согласен(на) на постоянное время" in text for text in told), told
    # A second tap on the old card: already answered.
    again = await therapist.tap(agree, message=card)
    assert again.show_alert
    # From now on the job books the series as any other.
    clock.advance(days=7)
    await run_slots_job(db_sessionmaker, practice_settings, clock, practice, translator)
    assert len(await occurrences(db_sessionmaker, series.id)) == 3


async def test_the_therapist_says_no_and_the_session_stays(
    practice: Harness, db_sessionmaker: Sessions, clock: ManualClock, practice_settings, translator
) -> None:
    client = practice.user(542, "Зоя")
    series = await ask_for_weekly(client, db_sessionmaker, clock)
    [card] = [
        shown
        for shown in practice.telegram.chats[THERAPIST_CHAT]
        if "Постоянное время?" in shown.text
    ]
    therapist = practice.user(THERAPIST_CHAT, "Анна")
    mark = client.mark()
    await therapist.press("✖ Не сейчас", message=card)
    assert "не согласовано" in card.text, card.text
    told = client.texts_since(mark)
    assert any("не может взять постоянное время" in text for text in told), told
    async with db_sessionmaker() as session:
        ended = await session.get(Series, series.id)
        assert ended is not None and ended.ended_by == "declined"
    [first] = await occurrences(db_sessionmaker, series.id)
    assert first.status == BookingStatus.confirmed
    clock.advance(days=7)
    await run_slots_job(db_sessionmaker, practice_settings, clock, practice, translator)
    assert len(await occurrences(db_sessionmaker, series.id)) == 1
