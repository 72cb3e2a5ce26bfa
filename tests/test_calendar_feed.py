"""A therapist's private calendar feed: `/calendar` gives a secret URL served by the bot's
HTTP server, its events carry the client's chosen first name only, a new link refuses the
old one, and nobody else's sessions or buttons are reachable."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.web import build_app
from db.demo import load_demo
from db.models import Booking, BookingStatus, Questionnaire, Series, Therapist, User
from db.series_calendar import CalendarPlace, SeriesCalendar
from handlers.shared.cards import calendar_file, series_calendar_file
from tests.conftest import ManualClock, make_harness, make_settings
from tests.fake_telegram import Harness
from tests.test_calendar_sync import move_first_session
from tests.test_therapist import THERAPIST_ID, booked_with_the_first, invite

Sessions = async_sessionmaker[AsyncSession]
BASE = "https://bot.example.org"
LINK = re.compile(re.escape(BASE) + r"/calendar/([A-Za-z0-9_-]+)\.ics")


@pytest.fixture
async def practice(
    db_sessionmaker: Sessions, database_url: str, clock: ManualClock, translator
) -> Harness:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    settings = make_settings(database_url, calendar_feed_url=BASE + "/")
    return make_harness(settings, db_sessionmaker, clock, translator)


def app_of(harness: Harness, engine: AsyncEngine, sessions: Sessions, clock: ManualClock):  # type: ignore[no-untyped-def]
    settings = harness.dispatcher.workflow_data["settings"]
    return build_app(harness.dispatcher, harness.bot, settings, engine, sessions, clock=clock)


async def test_the_feed_lists_the_therapists_sessions_with_the_first_name_only(
    practice: Harness, db_sessionmaker: Sessions, db_engine: AsyncEngine, clock: ManualClock
) -> None:
    therapist, client, booking = await booked_with_the_first(practice, db_sessionmaker, clock, 621)
    await therapist.send("/calendar")
    found = LINK.search(therapist.last.text)
    assert found, therapist.last.text
    token = found.group(1)
    assert "Google" in therapist.last.text and "Apple" in therapist.last.text
    async with db_sessionmaker() as session:
        stored = await session.get(Therapist, 1)
        person = await session.get(User, booking.client_id)
        answers = await session.get(Questionnaire, booking.client_id)
    assert stored is not None and person is not None and answers is not None
    assert stored.calendar_token_hash and token not in stored.calendar_token_hash

    async with TestClient(TestServer(app_of(practice, db_engine, db_sessionmaker, clock))) as web:
        answer = await web.get(f"/calendar/{token}.ics")
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/calendar")
        body = await answer.read()
    calendar = Calendar.from_ical(body)
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking.id}@therapy-booking-bot"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == f"Сессия: {person.first_name}"
    assert event.decoded("DTSTART") == booking.starts_at
    text = body.decode()
    # Nothing but the chosen first name of the client: no Telegram id, no answers.
    assert str(person.telegram_id) not in text
    for code in answers.topics:
        assert code not in text
    assert "Тревог" not in text  # the topic the client chose, by name

    # The client moves it: the feed shows the same event, one version on, at the new time.
    await move_first_session(client)
    async with db_sessionmaker() as session:
        moved = await session.get(Booking, booking.id)
    assert moved is not None and moved.starts_at != booking.starts_at
    async with TestClient(TestServer(app_of(practice, db_engine, db_sessionmaker, clock))) as web:
        answer = await web.get(f"/calendar/{token}.ics")
        [event] = Calendar.from_ical(await answer.read()).walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking.id}@therapy-booking-bot"
    assert int(event["SEQUENCE"]) == 1 and event.decoded("DTSTART") == moved.starts_at


async def test_a_new_link_refuses_the_old_one_and_strangers_get_nothing(
    practice: Harness, db_sessionmaker: Sessions, db_engine: AsyncEngine, clock: ManualClock
) -> None:
    therapist, client, _ = await booked_with_the_first(practice, db_sessionmaker, clock, 622)
    await therapist.send("/calendar")
    old = LINK.search(therapist.last.text).group(1)  # type: ignore[union-attr]
    # Asked again: the link is not shown twice (only its digest is kept); a new one is offered.
    await therapist.send("/calendar")
    screen = therapist.last
    assert LINK.search(screen.text) is None and "Новая ссылка" in screen.buttons[0]
    # A client pressing the therapist's button (forged or forwarded) changes nothing.
    answer = await client.tap(screen.button("Новая ссылка").callback_data, screen)
    assert answer.show_alert and "недоступна" in (answer.text or "")
    await therapist.press("Новая ссылка", message=screen)
    new = LINK.search(screen.text).group(1)  # type: ignore[union-attr]
    assert new != old

    # Another linked therapist has a feed of their own, without the first one's session.
    other = practice.user(THERAPIST_ID + 5, "Пётр")
    await other.send(f"/start {await invite(db_sessionmaker, 3, clock)}")
    await other.send("/calendar")
    theirs = LINK.search(other.last.text).group(1)  # type: ignore[union-attr]

    async with TestClient(TestServer(app_of(practice, db_engine, db_sessionmaker, clock))) as web:
        assert (await web.get(f"/calendar/{old}.ics")).status == 404
        assert (await web.get(f"/calendar/{new}.ics")).status == 200
        for wrong in ("x" * 32, "short", new[:-1] + ("A" if new[-1] != "A" else "B")):
            assert (await web.get(f"/calendar/{wrong}.ics")).status == 404
        answer = await web.get(f"/calendar/{theirs}.ics")
        assert answer.status == 200
        assert not Calendar.from_ical(await answer.read()).walk("VEVENT")


async def test_without_a_public_address_the_feed_is_off(
    harness: Harness, db_sessionmaker: Sessions, clock: ManualClock
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    therapist = harness.user(THERAPIST_ID, "Анна")
    await therapist.send(f"/start {await invite(db_sessionmaker, 1, clock)}")
    await therapist.send("/calendar")
    assert "не включена" in therapist.last.text and "CALENDAR_FEED_URL" in therapist.last.text
    async with db_sessionmaker() as session:
        assert (
            await session.scalar(select(Therapist.calendar_token_hash).where(Therapist.id == 1))
            is None
        )


async def test_names_in_the_feed_are_as_typed_not_html(
    practice: Harness, db_sessionmaker: Sessions, db_engine: AsyncEngine, clock: ManualClock
) -> None:
    """An .ics file is plain text: a client's and a therapist's name keep their `&` and `<`."""
    therapist, _, booking = await booked_with_the_first(practice, db_sessionmaker, clock, 623)
    client_name, therapist_name = "Anna & Bob <3", "Анна & Ко <Смирнова>"
    async with db_sessionmaker() as session:
        await session.execute(
            update(User).where(User.id == booking.client_id).values(first_name=client_name)
        )
        await session.execute(
            update(Therapist).where(Therapist.id == 1).values(name_ru=therapist_name)
        )
        await session.commit()
    await therapist.send("/calendar")
    token = LINK.search(therapist.last.text).group(1)  # type: ignore[union-attr]

    async with TestClient(TestServer(app_of(practice, db_engine, db_sessionmaker, clock))) as web:
        body = await (await web.get(f"/calendar/{token}.ics")).read()
    calendar = Calendar.from_ical(body)
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Сессия: {client_name}"
    assert str(event["DESCRIPTION"]) == "Онлайн-сессия, Индивидуальная"
    assert str(calendar["X-WR-CALNAME"]) == f"Сессии — {therapist_name}"
    assert b"&amp;" not in body and b"&lt;" not in body and b"&gt;" not in body


def test_a_sessions_and_a_regular_times_files_keep_the_name_as_typed(translator) -> None:  # type: ignore[no-untyped-def]
    """The client's own .ics files (a session, a regular time) name the therapist as typed."""
    name = "Анна & Ко <Смирнова>"
    therapist = Therapist(
        id=1, name_ru=name, name_en=name, session_minutes=50, timezone="Europe/Moscow"
    )
    starts = datetime(2026, 12, 8, 16, 0, tzinfo=UTC)
    booking = Booking(
        id=5,
        status=BookingStatus.confirmed,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=50),
    )
    t = translator.for_language("ru")
    place = CalendarPlace(uid="booking-5@therapy-booking-bot", sequence=0)
    files = [calendar_file(t, booking, therapist, "Europe/Moscow", starts, place)]
    regular = SeriesCalendar(
        series=Series(id=3, rhythm=1),
        therapist=therapist,
        sequence=0,
        first=starts,
        last=None,
        excluded=[],
        moved=[],
        gone=False,
    )
    files.append(series_calendar_file(t, regular, starts))
    for file in files:
        [event] = Calendar.from_ical(file.data).walk("VEVENT")
        assert str(event["SUMMARY"]) == f"Сессия с психотерапевтом: {name}"
        assert str(event["DESCRIPTION"]).startswith("Онлайн-сессия, 50 мин.")
