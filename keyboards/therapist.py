"""A therapist's buttons: sessions, outcomes, working hours, clients."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Texts
from keyboards.groups import GroupDateView
from keyboards.ids import Id, NumberOrNone
from keyboards.messaging import WriteClient


class SessionCard(CallbackData, prefix="tb"):
    booking_id: Id


class Outcome(CallbackData, prefix="to"):
    booking_id: Id
    status: Literal["completed", "no_show"]


class SessionCancel(CallbackData, prefix="tc"):
    booking_id: Id
    sure: bool = False


class SeriesStop(CallbackData, prefix="ts"):
    """The therapist ends a client's regular time (from one of its sessions)."""

    booking_id: Id
    sure: bool = False


class SeriesAnswer(CallbackData, prefix="ta"):
    """The therapist's yes or no to a client's regular time they were asked to agree to."""

    series_id: Id
    agreed: bool


class HoursAction(enum.StrEnum):
    show = "show"
    add = "add"  # value: the weekday, or none yet
    remove = "remove"  # value: the rule id
    minutes = "minutes"  # value: the session length, or none yet
    pause = "pause"  # value: the break, or none yet
    off = "off"  # start typing a day off
    unoff = "unoff"  # value: the time-off id


class Hours(CallbackData, prefix="av"):
    """Working-hours buttons; an action that is not an `HoursAction` fails parsing."""

    action: HoursAction
    value: NumberOrNone = -1


SESSION_LENGTHS = (50, 60, 80, 90)
PAUSES = (0, 10, 15, 20, 30)


def session_card_keyboard(
    t: Texts,
    booking_id: int,
    client_id: int,
    *,
    started: bool,
    cancellable: bool = False,
    regular: bool = False,
    extra: Sequence[InlineKeyboardButton] = (),
) -> InlineKeyboardMarkup:
    """`regular`: the session belongs to an active regular time, which can be ended;
    `extra`: more buttons, one a row (a client's check-ins)."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t("tbooking-write"), callback_data=WriteClient(client_id=client_id))
    if cancellable and not started:
        builder.button(
            text=t("tbooking-cancel"), callback_data=SessionCancel(booking_id=booking_id)
        )
    if regular:
        builder.button(text=t("tseries-end"), callback_data=SeriesStop(booking_id=booking_id))
    if started:
        builder.button(
            text=t("tbooking-completed"),
            callback_data=Outcome(booking_id=booking_id, status="completed"),
        )
        builder.button(
            text=t("tbooking-no-show"),
            callback_data=Outcome(booking_id=booking_id, status="no_show"),
        )
    for button in extra:
        builder.add(button)
    builder.adjust(1)
    return builder.as_markup()


def session_cancel_keyboard(t: Texts, booking_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("tbooking-cancel-yes"),
        callback_data=SessionCancel(booking_id=booking_id, sure=True),
        style="danger",
    )
    builder.button(text=t("btn-back"), callback_data=SessionCard(booking_id=booking_id))
    builder.adjust(1)
    return builder.as_markup()


def schedule_keyboard(
    sessions: Sequence[tuple[int, str]], group_dates: Sequence[tuple[int, str]] = ()
) -> InlineKeyboardMarkup:
    """`sessions`: (booking id, label); `group_dates`: (group date id, label)."""
    builder = InlineKeyboardBuilder()
    for booking_id, label in sessions:
        builder.button(text=label, callback_data=SessionCard(booking_id=booking_id))
    builder.adjust(2)
    for date_id, label in group_dates:
        builder.row(
            InlineKeyboardButton(text=label, callback_data=GroupDateView(date_id=date_id).pack())
        )
    return builder.as_markup()


def hours_keyboard(
    t: Texts,
    windows: Sequence[tuple[int, str]],
    time_off: Sequence[tuple[int, str]],
    *,
    minutes: int,
    pause: int,
) -> InlineKeyboardMarkup:
    """`windows` and `time_off`: (id, label) of what can be removed."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t("availability-add"), callback_data=Hours(action=HoursAction.add))
    for rule_id, label in windows:
        builder.button(text=label, callback_data=Hours(action=HoursAction.remove, value=rule_id))
    builder.button(
        text=t("availability-minutes", minutes=minutes),
        callback_data=Hours(action=HoursAction.minutes),
    )
    builder.button(
        text=t("availability-pause", pause=pause), callback_data=Hours(action=HoursAction.pause)
    )
    builder.button(text=t("availability-add-off"), callback_data=Hours(action=HoursAction.off))
    for off_id, label in time_off:
        builder.button(text=label, callback_data=Hours(action=HoursAction.unoff, value=off_id))
    builder.adjust(1)
    return builder.as_markup()


def choices_keyboard(
    t: Texts, action: HoursAction, values: Sequence[int], labels: Sequence[str]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for value, label in zip(values, labels, strict=True):
        builder.button(text=label, callback_data=Hours(action=action, value=value))
    builder.adjust(4)
    builder.row(
        InlineKeyboardButton(
            text=t("btn-back"), callback_data=Hours(action=HoursAction.show).pack()
        )
    )
    return builder.as_markup()


def clients_keyboard(t: Texts, clients: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for client_id, name in clients:
        builder.button(
            text=t.plain("clients-write", client=name),
            callback_data=WriteClient(client_id=client_id),
        )
    builder.adjust(2)
    return builder.as_markup()


class SeriesTell(CallbackData, prefix="tn"):
    """The therapist has the clients told of the regular times' dates ahead that their new
    hours no longer allow (what is touched is read again at the tap)."""


def series_tell_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("tseries-tell"), callback_data=SeriesTell())
    return builder.as_markup()


def series_stop_keyboard(t: Texts, booking_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("tseries-end-yes"),
        callback_data=SeriesStop(booking_id=booking_id, sure=True),
        style="danger",
    )
    builder.button(text=t("btn-back"), callback_data=SessionCard(booking_id=booking_id))
    builder.adjust(1)
    return builder.as_markup()


def series_answer_keyboard(t: Texts, series_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("tseries-agree"), callback_data=SeriesAnswer(series_id=series_id, agreed=True)
    )
    builder.button(
        text=t("tseries-refuse"), callback_data=SeriesAnswer(series_id=series_id, agreed=False)
    )
    builder.adjust(1)
    return builder.as_markup()
