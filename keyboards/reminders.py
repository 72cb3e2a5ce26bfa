"""Buttons under reminders: "I'll be there", move and cancel (the cabinet's own buttons, so
its handlers and rules apply), and the rating after a session."""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Texts
from keyboards.cabinet import CancelAsk, MoveDay
from keyboards.checkins import CheckinStart
from keyboards.ids import Id, Number

SCORES = (1, 2, 3, 4, 5)


class Attend(CallbackData, prefix="ra"):
    booking_id: Id


class Rate(CallbackData, prefix="rt"):
    booking_id: Id
    score: Number


class SkipComment(CallbackData, prefix="rn"):
    booking_id: Id


def session_keyboard(
    t: Texts,
    booking_id: int,
    *,
    attend: bool = True,
    checkin: Literal["resume", "start"] | None = None,
    movable: bool = True,
) -> InlineKeyboardMarkup:
    """Under the client's first reminder; without "I'll be there" once it was pressed;
    with the start of a check-in (or its continuation) when one is offered; without
    "Move" for a group's seat."""
    builder = InlineKeyboardBuilder()
    if attend:
        builder.button(text=t("reminder-attend"), callback_data=Attend(booking_id=booking_id))
    if movable:
        builder.button(
            text=t("reminder-move"), callback_data=MoveDay(booking_id=booking_id, day=None)
        )
    builder.button(text=t("reminder-cancel"), callback_data=CancelAsk(booking_id=booking_id))
    if checkin is not None:
        label = t("checkin-resume" if checkin == "resume" else "checkin-start")
        builder.button(text=label, callback_data=CheckinStart(reason="reminder"))
    actions = 2 if movable else 1
    builder.adjust(*((1, actions) if attend else (actions,)), 1)
    return builder.as_markup()


def rating_keyboard(booking_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for score in SCORES:
        builder.button(text=str(score), callback_data=Rate(booking_id=booking_id, score=score))
    builder.adjust(len(SCORES))
    return builder.as_markup()


def skip_comment_keyboard(t: Texts, booking_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("rating-skip"), callback_data=SkipComment(booking_id=booking_id))
    return builder.as_markup()
