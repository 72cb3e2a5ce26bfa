"""How a regular time reads: «каждую неделю, вторник, 19:00» in the reader's zone."""

from __future__ import annotations

from datetime import datetime

from bot.i18n import Texts
from bot.rules.timezones import zone
from db import series
from db.models import Series, Therapist


def pattern_text(t: Texts, rhythm: int, first: datetime, timezone: str) -> str:
    local = first.astimezone(zone(timezone))
    return t(
        "series-pattern",
        rhythm=t(f"series-rhythm-{rhythm}"),
        weekday=t(f"weekday-long-{local.weekday()}"),
        time=f"{local:%H:%M}",
    )


def series_pattern(t: Texts, item: Series, therapist: Therapist, timezone: str) -> str:
    return pattern_text(
        t, item.rhythm, series.pattern_of(item, therapist.timezone).first_moment(), timezone
    )
