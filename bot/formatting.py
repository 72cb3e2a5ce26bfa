"""How dates, money and names read in a text."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Protocol

from aiogram.utils.text_decorations import html_decoration

from bot.i18n import Markup, Texts, Translator
from bot.rules.timezones import zone


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", " ")


def day_label(t: Texts, day: date) -> str:
    """``Пн 7 дек``: the same few days are labelled on every card, so each is formatted
    once per language."""
    return _day_label(t.translator, t.language, day)


@lru_cache(maxsize=512)
def _day_label(translator: Translator, language: str, day: date) -> str:
    t = translator.for_language(language)
    return t(
        "day-short",
        weekday=t(f"weekday-{day.weekday()}"),
        day=day.day,
        month=t(f"month-{day.month}"),
    )


def day_text(t: Texts, moment: datetime, timezone: str) -> str:
    """The day of `moment` in the reader's zone, as `day_label` writes it."""
    return day_label(t, moment.astimezone(zone(timezone)).date())


def when_text(t: Texts, moment: datetime, timezone: str) -> str:
    """``Пн 7 дек, 21:00`` in the reader's zone."""
    local = moment.astimezone(zone(timezone))
    return f"{day_label(t, local.date())}, {local:%H:%M}"


def moment_html(moment: datetime, fallback: str, style: str) -> Markup:
    """`moment` as a Telegram `date_time` entity: each reader's app shows it in the zone
    of their own device, formatted by `style` (letters of the Bot API: ``w`` weekday,
    ``d`` date, ``t`` time); `fallback`, written in the profile's zone, is what an app
    without the entity shows."""
    return Markup(html_decoration.date_time(html_decoration.quote(fallback), moment, style))


def when_html(t: Texts, moment: datetime, timezone: str) -> Markup:
    """`when_text` as a `date_time` entity, for a message (never for a button label)."""
    return moment_html(moment, when_text(t, moment, timezone), "wdt")


def day_html(t: Texts, moment: datetime, timezone: str) -> Markup:
    """`day_text` as a `date_time` entity showing the weekday and the date."""
    return moment_html(moment, day_text(t, moment, timezone), "wd")


def time_html(moment: datetime, timezone: str) -> Markup:
    """``21:00`` in the reader's zone, as a `date_time` entity showing the time."""
    return moment_html(moment, f"{moment.astimezone(zone(timezone)):%H:%M}", "t")


class Named(Protocol):
    """Anything named in both languages: a therapist, a topic."""

    @property
    def name_ru(self) -> str: ...

    @property
    def name_en(self) -> str: ...


def local_name(named: Named, language: str) -> str:
    """The name in the reader's language (English for "en", Russian otherwise)."""
    return named.name_en if language == "en" else named.name_ru
