"""Calendar files (.ics) for booked sessions, made with `icalendar`.

Every file of one session carries the same `UID` and a `SEQUENCE` that grows with each
change (RFC 5545), so a calendar that imported the first file updates the event when it
opens a later one instead of adding a second; a cancelled session's file says
`METHOD:CANCEL` and `STATUS:CANCELLED` for that `UID` (RFC 5546), and the calendar
removes or strikes it out.

A regular time is one event too (`series_ics`): the sessions after the one it was made
from, as an `RRULE` in the therapist's zone (so "Tuesdays 19:00" stays at 19:00 across a
change of clocks), with `EXDATE` for the dates without a session and an instance with a
`RECURRENCE-ID` for each moved one. A later file for one of its sessions names that
instance (`SessionEvent.recurrence_id`) under the series' `UID`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from bot.rules.timezones import zone

if TYPE_CHECKING:
    # `icalendar` is imported by the first file made, not with the bot.
    from icalendar import Calendar, Event

# Where a therapist's feed is served (`bot.web`) and what its link looks like.
FEED_ROUTE = "/calendar/{token}.ics"


@dataclass(frozen=True)
class SessionEvent:
    uid: str
    sequence: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    status: str = "CONFIRMED"  # CONFIRMED, TENTATIVE or CANCELLED
    # The pattern moment this session stands for, when it is an instance of a series.
    recurrence_id: datetime | None = None


@dataclass(frozen=True)
class SeriesEvent:
    uid: str
    sequence: int
    title: str
    description: str
    starts_at: datetime  # the event's first occurrence
    ends_at: datetime
    weeks: int  # between occurrences
    until: datetime | None  # the last occurrence, once the series ended
    excluded: tuple[datetime, ...]  # pattern moments without a session
    moved: tuple[SessionEvent, ...]  # instances somewhere else, each with recurrence_id


def _calendar(kind: str, method: str) -> Calendar:
    from icalendar import Calendar

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
        calendar.add_component(_event(item, tz, stamp))
    if events and hasattr(tz, "key"):
        calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _event(item: SessionEvent, tz: tzinfo, stamp: datetime) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", item.uid)
    event.add("sequence", item.sequence)
    event.add("status", item.status)
    event.add("summary", item.title)
    event.add("description", item.description)
    if item.recurrence_id is not None:
        event.add("recurrence-id", item.recurrence_id.astimezone(tz))
    event.add("dtstart", item.starts_at.astimezone(tz))
    event.add("dtend", item.ends_at.astimezone(tz))
    event.add("dtstamp", stamp)
    return event


def session_ics(event: SessionEvent, *, timezone: str, stamp: datetime) -> bytes:
    """One session's file; a cancelled one's (`status` CANCELLED) is `METHOD:CANCEL`."""
    method = "CANCEL" if event.status == "CANCELLED" else "PUBLISH"
    return _finish(_calendar("session", method), [event], timezone, stamp)


def series_ics(event: SeriesEvent, *, timezone: str, stamp: datetime) -> bytes:
    """A regular time as one event; `timezone` is the therapist's, in which the pattern
    repeats (calendars show it in the reader's own)."""
    calendar = _calendar("series", "PUBLISH")
    tz = zone(timezone)
    master = _event(
        SessionEvent(
            uid=event.uid,
            sequence=event.sequence,
            title=event.title,
            description=event.description,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
        ),
        tz,
        stamp,
    )
    rule: dict[str, object] = {"freq": "weekly", "interval": event.weeks}
    if event.until is not None:
        rule["until"] = event.until.astimezone(UTC)  # UTC, as RFC 5545 asks with a TZID
    master.add("rrule", rule)
    for moment in event.excluded:
        master.add("exdate", moment.astimezone(tz))
    calendar.add_component(master)
    for moved in event.moved:
        calendar.add_component(_event(moved, tz, stamp))
    if hasattr(tz, "key"):
        calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def feed_ics(*, name: str, timezone: str, events: list[SessionEvent], stamp: datetime) -> bytes:
    """A subscribable calendar (RFC 5545 with the common X-WR- names): the same UIDs as the
    client's files, in the therapist's zone; calendar apps poll it."""
    calendar = _calendar("feed", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return _finish(calendar, events, timezone, stamp)
