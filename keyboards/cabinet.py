"""The client's cabinet: sessions, moving, cancelling, history, changing therapist."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Texts
from keyboards.catalog import days_and_times
from keyboards.ids import Day, Id, Number
from keyboards.menu import MenuAction
from keyboards.messaging import write_therapist_button
from keyboards.payments import PayBooking


class CabinetItem(enum.StrEnum):
    home = "home"
    change = "change"  # change of therapist


class CabinetAction(CallbackData, prefix="my"):
    action: CabinetItem


class OpenBooking(CallbackData, prefix="mb"):
    booking_id: Id


class MoveDay(CallbackData, prefix="mv"):
    booking_id: Id
    day: Day  # None for the list of days


class MovePick(CallbackData, prefix="mp"):
    booking_id: Id
    slot_id: Id


class MoveConfirm(CallbackData, prefix="mc"):
    booking_id: Id
    slot_id: Id
    moves: Number  # how many times the booking had been moved when this was shown


class CancelAsk(CallbackData, prefix="ca"):
    booking_id: Id


class CancelConfirm(CallbackData, prefix="cc"):
    booking_id: Id


class HistoryPage(CallbackData, prefix="mh"):
    page: Number


class ChangeWhy(enum.StrEnum):
    """Why a client changes therapist (counted in the funnel)."""

    fit = "fit"
    schedule = "schedule"
    price = "price"
    other = "other"
    skip = "skip"


class ChangeReason(CallbackData, prefix="ch"):
    reason: ChangeWhy


class ChangeCancel(CallbackData, prefix="cx"):
    cancel: bool


CHANGE_REASONS = tuple(ChangeWhy)


def _back_home(t: Texts) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("cabinet-back"), callback_data=CabinetAction(action=CabinetItem.home).pack()
    )


def cabinet_keyboard(
    t: Texts,
    bookings: Sequence[tuple[int, str]],
    *,
    has_therapist: bool,
    therapist_id: int | None = None,
    series: Sequence[InlineKeyboardButton] = (),
    waiting: Sequence[InlineKeyboardButton] = (),
    extra: Sequence[InlineKeyboardButton] = (),
) -> InlineKeyboardMarkup:
    """`bookings`: (id, label) of upcoming sessions; `therapist_id`: the current therapist;
    `series`: a button for each regular time; `waiting`: the waitlist's buttons; `extra`:
    more (the current therapist's packages)."""
    builder = InlineKeyboardBuilder()
    for booking_id, label in bookings:
        builder.button(text=label, callback_data=OpenBooking(booking_id=booking_id))
    builder.adjust(1)
    for button in (*series, *waiting, *extra):
        builder.row(button)
    if therapist_id is not None:
        builder.row(write_therapist_button(t, therapist_id))
    if has_therapist:
        builder.row(
            InlineKeyboardButton(
                text=t("cabinet-change"),
                callback_data=CabinetAction(action=CabinetItem.change).pack(),
            )
        )
    else:
        builder.row(
            InlineKeyboardButton(
                text=t("cabinet-find"), callback_data=MenuAction(action="find").pack()
            )
        )
    builder.row(
        InlineKeyboardButton(text=t("cabinet-history"), callback_data=HistoryPage(page=0).pack()),
        InlineKeyboardButton(text=t("btn-menu"), callback_data=MenuAction(action="menu").pack()),
    )
    return builder.as_markup()


def booking_keyboard(
    t: Texts,
    booking_id: int,
    *,
    payable: bool,
    extra: InlineKeyboardButton | None = None,
    cancel: CallbackData | None = None,
    partner: InlineKeyboardButton | None = None,
    movable: bool = True,
) -> InlineKeyboardMarkup:
    """One session's screen; `extra`: its regular time (make it one, or open it);
    `cancel`: what «Отменить» asks first (a regular session: only this one, or on);
    `partner`: a couple session's invitation for the partner; `movable`: False for a
    group's seat (cancelled, never moved)."""
    builder = InlineKeyboardBuilder()
    if payable:
        builder.button(text=t("pay-button"), callback_data=PayBooking(booking_id=booking_id))
    if movable:
        builder.button(
            text=t("booking-reschedule"), callback_data=MoveDay(booking_id=booking_id, day=None)
        )
    builder.button(
        text=t("booking-cancel"), callback_data=cancel or CancelAsk(booking_id=booking_id)
    )
    builder.adjust(*([1] if payable else []), 2 if movable else 1)
    for button in (extra, partner):
        if button is not None:
            builder.row(button)
    builder.row(_back_home(t))
    return builder.as_markup()


def move_keyboard(
    t: Texts,
    booking_id: int,
    *,
    days: Sequence[date],
    chosen_day: date | None,
    times: Sequence[tuple[int, datetime]],
) -> InlineKeyboardMarkup:
    rows = days_and_times(
        t,
        days=days,
        chosen_day=chosen_day,
        times=times,
        day_data=lambda day: MoveDay(booking_id=booking_id, day=day),
        time_data=lambda slot_id: MovePick(booking_id=booking_id, slot_id=slot_id),
    )
    back = InlineKeyboardButton(
        text=t("btn-back"), callback_data=OpenBooking(booking_id=booking_id).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [back]])


def move_confirm_keyboard(
    t: Texts, booking_id: int, slot_id: int, moves: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("reschedule-yes"),
        callback_data=MoveConfirm(booking_id=booking_id, slot_id=slot_id, moves=moves),
        style="success",
    )
    builder.button(text=t("btn-back"), callback_data=MoveDay(booking_id=booking_id, day=None))
    builder.adjust(1)
    return builder.as_markup()


def cancel_keyboard(t: Texts, booking_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("cancel-yes"), callback_data=CancelConfirm(booking_id=booking_id), style="danger"
    )
    builder.button(text=t("cancel-no"), callback_data=OpenBooking(booking_id=booking_id))
    builder.adjust(1)
    return builder.as_markup()


def history_keyboard(t: Texts, page: int, pages: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(text="◀", callback_data=HistoryPage(page=page - 1).pack()))
    if page + 1 < pages:
        row.append(InlineKeyboardButton(text="▶", callback_data=HistoryPage(page=page + 1).pack()))
    if row:
        builder.row(*row)
    builder.row(_back_home(t))
    return builder.as_markup()


def change_reason_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for reason in CHANGE_REASONS:
        builder.button(text=t(f"change-reason-{reason}"), callback_data=ChangeReason(reason=reason))
    builder.adjust(2, 2, 1)
    builder.row(_back_home(t))
    return builder.as_markup()


def change_cancel_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("change-cancel-yes"), callback_data=ChangeCancel(cancel=True), style="danger"
    )
    builder.button(text=t("change-cancel-no"), callback_data=ChangeCancel(cancel=False))
    builder.adjust(2)
    return builder.as_markup()
