"""Calendar files (.ics) for booked sessions, made with `icalendar`.

Every file of one session carries the same `UID` and a `SEQUENCE` that grows with each
change (RFC 5545), so a calendar that imported the first file updates the event when it
opens a later one instead of adding a second; a cancelled session's file says
`METHOD:CANCEL` and `STATUS:CANCELLED` for that `UID` (RFC 5546), and the calendar
removes or strikes it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from bot.rules.timezones import zone

# Where a therapist's feed is served (`bot.web`) and what its link looks like.
FEED_ROUTE = "/calendar/{token}.ics"


def booking_uid(booking_id: int) -> str:
    """The UID of a booking's event: the same in every file and in the feed."""
    return f"booking-{booking_id}@therapy-booking-bot"


@dataclass(frozen=True)
class SessionEvent:
    uid: str
    sequence: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    status: str = "CONFIRMED"  # CONFIRMED, TENTATIVE or CANCELLED


def _calendar(kind: str, method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//therapy-booking-bot//{kind}//RU")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def _finish(
    calendar: Calendar, events: list[SessionEvent], timezone: str, stamp: datetime
) -> bytes:
    """The events in the reader's zone, with the zone's definition (VTIMEZONE)."""
    tz = zone(timezone)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("sequence", item.sequence)
        event.add("status", item.status)
        event.add("summary", item.title)
        event.add("description", item.description)
        event.add("dtstart", item.starts_at.astimezone(tz))
        event.add("dtend", item.ends_at.astimezone(tz))
        event.add("dtstamp", stamp)
        calendar.add_component(event)
    if events and hasattr(tz, "key"):
        calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def session_ics(event: SessionEvent, *, timezone: str, stamp: datetime) -> bytes:
    """One session's file; a cancelled one's (`status` CANCELLED) is `METHOD:CANCEL`."""
    method = "CANCEL" if event.status == "CANCELLED" else "PUBLISH"
    return _finish(_calendar("session", method), [event], timezone, stamp)


def feed_ics(*, name: str, timezone: str, events: list[SessionEvent], stamp: datetime) -> bytes:
    """A subscribable calendar (RFC 5545 with the common X-WR- names): the same UIDs as the
    client's files, in the therapist's zone; calendar apps poll it."""
    calendar = _calendar("feed", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return _finish(calendar, events, timezone, stamp)
