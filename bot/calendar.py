"""Calendar files (.ics) for booked sessions, made with `icalendar`."""

from __future__ import annotations

from datetime import datetime

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
) -> bytes:
    """One event in the reader's zone; the zone's definition is included (VTIMEZONE)."""
    tz = zone(timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//therapy-booking-bot//session//RU")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("summary", title)
    event.add("description", description)
    event.add("dtstart", starts_at.astimezone(tz))
    event.add("dtend", ends_at.astimezone(tz))
    event.add("dtstamp", stamp)
    calendar.add_component(event)
    if hasattr(tz, "key"):
        calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
