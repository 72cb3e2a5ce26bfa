"""Calendars stay in sync: every .ics of one session has the same UID and a growing
SEQUENCE, a move sends the updated event, a cancellation sends METHOD:CANCEL for that UID
(RFC 5545/5546) — whoever moved or cancelled it. Each file is parsed with `icalendar`."""

from __future__ import annotations

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Booking
from tests.conftest import ManualClock
from tests.fake_telegram import Harness, Shown, TgUser
from tests.flows import book_session
from tests.test_therapist import booked_with_the_first, practice  # noqa: F401 - a fixture

Sessions = async_sessionmaker[AsyncSession]


def calendar_files(client: TgUser) -> list[Shown]:
    return [shown for shown in client.harness.telegram.chats[client.id] if shown.document]


def event_of(shown: Shown) -> tuple[str, dict[str, object]]:
    """The file's METHOD and its one event's UID, SEQUENCE, STATUS and start."""
    assert shown.document_bytes is not None, shown.document
    calendar = Calendar.from_ical(shown.document_bytes)
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), {
        "uid": str(event["UID"]),
        "sequence": int(event["SEQUENCE"]),
        "status": str(event["STATUS"]),
        "start": event.decoded("DTSTART"),
    }


async def move_first_session(client: TgUser) -> None:
    await client.send("/my")
    cabinet = client.last
    await client.press(cabinet.buttons[0], message=cabinet)
    await client.press("Перенести", message=cabinet)
    await client.press(cabinet.buttons[-2], message=cabinet)  # the last day offered
    await client.press(cabinet.buttons[0], message=cabinet)  # its first time
    await client.press("✅ Перенести", message=cabinet)
    assert "перенесена" in cabinet.text


async def latest_booking(sessions: Sessions) -> Booking:
    async with sessions() as session:
        booking = (await session.scalars(select(Booking).order_by(Booking.id.desc()))).first()
        assert booking is not None
        return booking


async def test_booked_moved_twice_and_cancelled_is_one_event_in_four_versions(
    practice: Harness,  # noqa: F811 - the fixture
    db_sessionmaker: Sessions,
) -> None:
    client = practice.user(611, "Анна")
    await book_session(client)
    booked = await latest_booking(db_sessionmaker)
    await move_first_session(client)
    await move_first_session(client)
    moved = await latest_booking(db_sessionmaker)
    await client.send("/my")
    cabinet = client.last
    await client.press(cabinet.buttons[0], message=cabinet)
    await client.press("Отменить", message=cabinet)
    await client.press("Да, отменить", message=cabinet)
    assert "отменена" in cabinet.text

    files = calendar_files(client)
    assert [shown.document for shown in files] == [
        "session.ics",
        "session.ics",
        "session.ics",
        "cancelled.ics",
    ]
    events = [event_of(shown) for shown in files]
    assert {event["uid"] for _, event in events} == {f"booking-{booked.id}@therapy-booking-bot"}
    assert [event["sequence"] for _, event in events] == [0, 1, 2, 3]
    assert [method for method, _ in events] == ["PUBLISH", "PUBLISH", "PUBLISH", "CANCEL"]
    assert [event["status"] for _, event in events] == ["CONFIRMED"] * 3 + ["CANCELLED"]
    assert events[0][1]["start"] == booked.starts_at
    assert events[2][1]["start"] == events[3][1]["start"] == moved.starts_at
    assert "убрать отменённую сессию" in files[-1].text


async def test_a_session_the_therapist_cancels_leaves_the_clients_calendar(
    practice: Harness,  # noqa: F811 - the fixture
    db_sessionmaker: Sessions,
    clock: ManualClock,
) -> None:
    therapist, client, booking = await booked_with_the_first(practice, db_sessionmaker, clock, 612)
    await therapist.send("/schedule")
    await therapist.press("Вика")
    card = therapist.last
    await therapist.press("✖ Отменить сессию", message=card)
    await therapist.press("✖ Да, отменить сессию", message=card)

    first, cancelled = calendar_files(client)
    method, event = event_of(cancelled)
    assert (method, event["status"]) == ("CANCEL", "CANCELLED")
    assert event["uid"] == event_of(first)[1]["uid"] == f"booking-{booking.id}@therapy-booking-bot"
    assert event["sequence"] == 1 and event["start"] == booking.starts_at
    # The notice comes first, the file after it.
    notice, file_message = client.harness.telegram.chats[client.id][-2:]
    assert "не сможет её провести" in notice.text and file_message is cancelled
