"""A therapist's profile fields as admins see and type them: the order of the add dialog,
what each accepts (with a clear reason when it does not), and the admin card."""

from __future__ import annotations

import re
from typing import Any, get_args

from aiogram.types import Message

from bot.formatting import local_name, money
from bot.rules.refusals import Refused
from bot.rules.timezones import parse_offset, utc_offset_label, zone
from db import admin_catalog
from db.models import Therapist
from handlers.admin.common import Admin
from keyboards.admin import TherapistField, therapist_keyboard

FIELDS: tuple[TherapistField, ...] = get_args(TherapistField)
TEXT_LIMITS = {
    "name_ru": 128,
    "name_en": 128,
    "about_ru": 2000,
    "about_en": 2000,
    "education_ru": 1000,
    "education_en": 1000,
}
LONG_TEXTS = ("about_ru", "about_en", "education_ru", "education_en")
OPTIONAL = frozenset({"education_ru", "education_en", "photo", "meeting_link"})
CHOICES = {"gender": ("female", "male"), "formats": ("individual", "couple", "both")}
MAX_PRICE = 1_000_000
MIN_MINUTES, MAX_MINUTES = 15, 240  # as the database's check allows
MAX_PHOTO_BYTES = 5 * 1024 * 1024
LINK = re.compile(r"^https?://[^\s<>\"]+$")
CARD_SNIPPET = 300


class Invalid(Refused):
    """Input that does not fit a field; `key` is the text that explains what is expected."""


def parse_typed(field: str, text: str) -> Any:
    """The value of a typed answer for `field`; raises Invalid with a clear reason."""
    value = text.strip()
    if field in TEXT_LIMITS:
        if field.startswith("name_"):
            value = " ".join(value.split())
        if not value:
            raise Invalid("adm-invalid-empty")
        if len(value) > TEXT_LIMITS[field]:
            raise Invalid("adm-invalid-long", limit=TEXT_LIMITS[field], length=len(value))
        return value
    if field == "price":
        digits = value.replace(" ", "").replace("\u00a0", "")
        if not re.fullmatch(r"\d{1,9}", digits) or not 0 < int(digits) <= MAX_PRICE:
            raise Invalid("adm-invalid-price", max=money(MAX_PRICE))
        return int(digits)
    if field == "session_minutes":
        if not re.fullmatch(r"\d{1,4}", value) or not MIN_MINUTES <= int(value) <= MAX_MINUTES:
            raise Invalid("adm-invalid-minutes", min=MIN_MINUTES, max=MAX_MINUTES)
        return int(value)
    if field == "timezone":
        return parse_zone(value)
    if field == "meeting_link":
        if len(value) > 512 or not LINK.match(value):
            raise Invalid("adm-invalid-link")
        return value
    raise Invalid("adm-expect-photo" if field == "photo" else "adm-use-buttons")


def parse_zone(text: str) -> str:
    offset = parse_offset(text)
    if offset is not None:
        return offset
    try:
        zone(text)
    except ValueError:
        raise Invalid("adm-invalid-zone") from None
    return text


def formats_value(individual: bool, couple: bool) -> str:
    if individual and couple:
        return "both"
    return "couple" if couple else "individual"


def values_of(therapist: Therapist) -> dict[str, Any]:
    """A therapist's fields in the form the dialog keeps them."""
    return {
        "name_ru": therapist.name_ru,
        "name_en": therapist.name_en,
        "gender": therapist.gender,
        "formats": formats_value(therapist.offers_individual, therapist.offers_couple),
        "topics": [topic.id for topic in therapist.topics],
        "price": therapist.price,
        "session_minutes": therapist.session_minutes,
        "timezone": therapist.timezone,
        "about_ru": therapist.about_ru,
        "about_en": therapist.about_en,
        "education_ru": therapist.education_ru,
        "education_en": therapist.education_en,
        "photo": therapist.photo_file_id or therapist.photo_path,
        "meeting_link": therapist.meeting_link,
    }


def _snippet(text: str, size: int = CARD_SNIPPET) -> str:
    if len(text) <= size:
        return text
    return text[: size - 1].rsplit(" ", 1)[0] + "…"


def shown_value(
    admin: Admin, field: str, value: Any, topic_names: dict[int, str], *, full: bool = False
) -> str:
    t = admin.t
    if value is None or value == "" or value == []:
        return "—"
    if field == "gender":
        return t(f"adm-gender-{value}")
    if field == "formats":
        return t(f"adm-formats-{value}")
    if field == "topics":
        return ", ".join(topic_names.get(int(topic_id), "?") for topic_id in value)
    if field == "price":
        return t("adm-price", price=money(int(value)))
    if field == "session_minutes":
        return t("adm-minutes", minutes=int(value))
    if field == "timezone":
        return f"{value} ({utc_offset_label(str(value), admin.now())})"
    if field == "photo":
        return t("adm-photo-yes")
    if field in LONG_TEXTS and not full:
        return _snippet(str(value))
    return str(value)


async def topic_names(admin: Admin) -> dict[int, str]:
    return {
        topic.id: local_name(topic, admin.t.language)
        for topic in await admin_catalog.all_topics(admin.session)
    }


async def profile_lines(admin: Admin, values: dict[str, Any]) -> list[str]:
    names = await topic_names(admin)
    t = admin.t
    return [
        t(
            "adm-card-line",
            label=t(f"adm-field-{field}"),
            value=shown_value(admin, field, values.get(field), names),
        )
        for field in FIELDS
    ]


async def show_card(admin: Admin, therapist: Therapist, edit: Message | None = None) -> None:
    t = admin.t
    status = t("adm-status-active") if therapist.active else t("adm-status-inactive")
    lines = [
        t(
            "adm-card-title",
            id=therapist.id,
            name=local_name(therapist, t.language),
            status=status,
        ),
        "",
        *await profile_lines(admin, values_of(therapist)),
        "",
        t("adm-card-linked", id=therapist.telegram_id)
        if therapist.telegram_id
        else t("adm-card-not-linked"),
    ]
    markup = therapist_keyboard(t, therapist, FIELDS)
    await admin.show("\n".join(lines), markup, edit)
