"""Time zones: IANA names and fixed UTC offsets such as ``UTC+05:30``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_OFFSET = re.compile(r"^\s*(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\s*$", re.IGNORECASE)

# Offered first by /timezone: where most Russian-speaking clients live.
COMMON_ZONES = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
    "Europe/Minsk",
    "Europe/Kyiv",
    "Asia/Almaty",
    "Asia/Tbilisi",
    "Europe/Berlin",
    "UTC",
)


def parse_offset(text: str) -> str | None:
    """Normalise ``+3``, ``UTC-4``, ``+05:30`` to ``UTC+03:00``; None when it is not an offset."""
    match = _OFFSET.match(text)
    if match is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
        return None
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


@lru_cache(maxsize=256)
def zone(name: str) -> tzinfo:
    """The tzinfo for a stored zone name; raises ValueError for an unknown one."""
    if name.startswith("UTC") and len(name) > 3:
        normal = parse_offset(name)
        if normal is None:
            raise ValueError(f"unknown time zone {name!r}")
        sign = 1 if normal[3] == "+" else -1
        delta = timedelta(hours=int(normal[4:6]), minutes=int(normal[7:9]))
        return timezone(sign * delta, normal)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        # A region alone ("Europe") names a folder of the zone database, not a zone.
        raise ValueError(f"unknown time zone {name!r}") from error


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_offset_label(name: str, at: datetime | None = None) -> str:
    """``UTC+03:00`` for a zone at a moment (now by default)."""
    moment = (at or utcnow()).astimezone(zone(name))
    offset = moment.utcoffset() or timedelta()
    total = int(offset.total_seconds()) // 60
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    return f"UTC{sign}{total // 60:02d}:{total % 60:02d}"


class Clock:
    """The one source of "now"; tests hand in a clock they move by hand."""

    def now(self) -> datetime:
        return utcnow()


def parse_durations(raw: str) -> tuple[timedelta, ...]:
    """Parse a list such as ``24h,1h,30m`` into timedeltas, longest first."""
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    result = []
    for part in raw.split(","):
        item = part.strip().lower()
        if not item:
            continue
        unit = units.get(item[-1])
        if unit is None or not item[:-1].isdigit():
            raise ValueError(f"cannot read duration {item!r}: use a number and d, h, m or s")
        result.append(timedelta(**{unit: int(item[:-1])}))
    return tuple(sorted(set(result), reverse=True))
