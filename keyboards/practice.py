"""The practice's numbers: the period buttons under them (7, 30, 90 days), for an admin
(the whole practice or one therapist) and for a therapist (their own)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Texts
from db.practice import PERIODS
from keyboards.ids import Id, Number


class PracticePeriod(CallbackData, prefix="pn"):
    """An admin's: `therapist_id` 0 is the whole practice."""

    days: Number
    therapist_id: Id


class MyPeriod(CallbackData, prefix="mn"):
    """A therapist's own numbers."""

    days: Number


def period_keyboard(t: Texts, days: int, therapist_id: int | None = None) -> InlineKeyboardMarkup:
    """The periods, the shown one marked; `therapist_id` None: a therapist's own numbers."""
    builder = InlineKeyboardBuilder()
    for period in PERIODS:
        label = t("practice-period", days=period)
        builder.button(
            text=f"✓ {label}" if period == days else label,
            callback_data=(
                MyPeriod(days=period)
                if therapist_id is None
                else PracticePeriod(days=period, therapist_id=therapist_id)
            ),
        )
    builder.adjust(len(PERIODS))
    return builder.as_markup()
