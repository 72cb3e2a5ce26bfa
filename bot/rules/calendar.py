"""The identity of calendar events (pure): one `UID` per session and one per regular time,
the same in every file and in the therapist's feed, so a calendar updates an event it
already has instead of adding a second (RFC 5545)."""

from __future__ import annotations


def booking_uid(booking_id: int) -> str:
    """The UID of a booking's event: the same in every file and in the feed."""
    return f"booking-{booking_id}@therapy-booking-bot"


def group_date_uid(date_id: int) -> str:
    """The UID of a group meeting's event in its therapist's feed (one for all its seats)."""
    return f"group-date-{date_id}@therapy-booking-bot"


def series_uid(series_id: int) -> str:
    """The UID of a regular time's event, shared by every file of its sessions."""
    return f"series-{series_id}@therapy-booking-bot"
