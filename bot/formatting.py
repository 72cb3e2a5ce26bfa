"""How dates, money and names read in a text."""

from __future__ import annotations

from datetime import date, datetime

from bot.i18n import Texts
from bot.rules.timezones import zone
from db.models import Therapist


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", " ")


def day_label(t: Texts, day: date) -> str:
    return t(
        "day-short",
        weekday=t(f"weekday-{day.weekday()}"),
        day=day.day,
        month=t(f"month-{day.month}"),
    )


def when_text(t: Texts, moment: datetime, timezone: str) -> str:
    """``Пн 7 дек, 21:00`` in the reader's zone."""
    local = moment.astimezone(zone(timezone))
    return f"{day_label(t, local.date())}, {local:%H:%M}"


def therapist_name(therapist: Therapist, language: str) -> str:
    return therapist.name_en if language == "en" else therapist.name_ru
