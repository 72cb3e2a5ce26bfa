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


def session_ics(
    *,
    uid: str,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    stamp: datetime,
    sequence: int = 0,
    cancelled: bool = False,
) -> bytes:
    """One event in the reader's zone; the zone's definition is included (VTIMEZONE)."""
    tz = zone(timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//therapy-booking-bot//session//RU")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", title)
    event.add("description", description)
    event.add("dtstart", starts_at.astimezone(tz))
    event.add("dtend", ends_at.astimezone(tz))
    event.add("dtstamp", stamp)
    calendar.add_component(event)
    if hasattr(tz, "key"):
        calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    sequence: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    tentative: bool = False


def feed_ics(*, name: str, timezone: str, events: list[FeedEvent], stamp: datetime) -> bytes:
    """A subscribable calendar (RFC 5545 with the common X-WR- names): the same UIDs as the
    client's files, in the therapist's zone; calendar apps poll it."""
    tz = zone(timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//therapy-booking-bot//feed//RU")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("sequence", item.sequence)
        event.add("status", "TENTATIVE" if item.tentative else "CONFIRMED")
        event.add("summary", item.title)
        event.add("description", item.description)
        event.add("dtstart", item.starts_at.astimezone(tz))
        event.add("dtend", item.ends_at.astimezone(tz))
        event.add("dtstamp", stamp)
        calendar.add_component(event)
    if events and hasattr(tz, "key"):
        calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
