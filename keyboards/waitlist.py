"""The waitlist: waiting for a therapist's time (days, time of day, how long), the
client's waits, and an offered time («Записаться» / «Не подходит»)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Texts
from bot.rules.policy import WAIT_DAYS
from keyboards.ids import Id, Number

# The values the questionnaire has (`bot.rules.matching`); anything else fails parsing.
Days = Literal["weekdays", "weekends", "any"]
Times = Literal["morning", "afternoon", "evening", "any"]
DAYS: tuple[Days, ...] = ("weekdays", "weekends", "any")
TIMES: tuple[Times, ...] = ("morning", "afternoon", "evening", "any")


class WaitFor(CallbackData, prefix="wf"):
    """Open the waitlist screen for a therapist (days and time from the questionnaire, or
    from the wait that goes on)."""

    therapist_id: Id


class WaitEdit(CallbackData, prefix="we"):
    """The waitlist screen with these days and time chosen."""

    therapist_id: Id
    days: Days
    time: Times


class WaitJoin(CallbackData, prefix="wj"):
    therapist_id: Id
    days: Days
    time: Times
    wait: Number  # days; checked against `bot.rules.policy.WAIT_DAYS`


class WaitList(CallbackData, prefix="ws"):
    """The client's waits (from the cabinet)."""

    page: Number = 0


class WaitLeave(CallbackData, prefix="wl"):
    entry_id: Id


class OfferTake(CallbackData, prefix="ot"):
    offer_id: Id


class OfferDecline(CallbackData, prefix="od"):
    offer_id: Id


def wait_button(t: Texts, therapist_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("wait-button"), callback_data=WaitFor(therapist_id=therapist_id).pack()
    )


def waits_button(t: Texts, count: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("waits-button", count=count), callback_data=WaitList().pack()
    )


def _mark(t: Texts, label: str, chosen: bool) -> str:
    return t("wait-chosen", label=label) if chosen else label


def wait_keyboard(
    t: Texts, therapist_id: int, days: Days, time: Times, *, back: InlineKeyboardButton
) -> InlineKeyboardMarkup:
    """Days and time of day to toggle (the chosen ones marked), then how long to wait."""
    day_row = [
        InlineKeyboardButton(
            text=_mark(t, t(f"days-{value}"), value == days),
            callback_data=WaitEdit(therapist_id=therapist_id, days=value, time=time).pack(),
        )
        for value in DAYS
    ]
    time_buttons = [
        InlineKeyboardButton(
            text=_mark(t, t(f"time-{value}"), value == time),
            callback_data=WaitEdit(therapist_id=therapist_id, days=days, time=value).pack(),
        )
        for value in TIMES
    ]
    joins = [
        InlineKeyboardButton(
            text=t(f"wait-for-{wait}"),
            callback_data=WaitJoin(
                therapist_id=therapist_id, days=days, time=time, wait=wait
            ).pack(),
        )
        for wait in WAIT_DAYS
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[day_row, time_buttons[:2], time_buttons[2:], joins, [back]]
    )


def waits_keyboard(
    t: Texts, waits: Sequence[tuple[int, str]], *, back: InlineKeyboardButton
) -> InlineKeyboardMarkup:
    """`waits`: (entry id, the therapist's name) — a «leave» button for each."""
    rows = [
        [
            InlineKeyboardButton(
                text=t("waits-leave", name=name), callback_data=WaitLeave(entry_id=entry_id).pack()
            )
        ]
        for entry_id, name in waits
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [back]])


def offer_keyboard(t: Texts, offer_id: int, entry_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("offer-take"),
                    callback_data=OfferTake(offer_id=offer_id).pack(),
                    style="success",
                ),
                InlineKeyboardButton(
                    text=t("offer-decline"), callback_data=OfferDecline(offer_id=offer_id).pack()
                ),
            ],
            [
                InlineKeyboardButton(
                    text=t("offer-stop"), callback_data=WaitLeave(entry_id=entry_id).pack()
                )
            ],
        ]
    )
