"""Group sessions: the client's list of groups and a group's dates with its seats, a seat
kept for someone waiting, and the therapist's screen of one date."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Texts
from keyboards.ids import Id
from keyboards.menu import MenuAction, MenuItem


class GroupOpen(CallbackData, prefix="gr"):
    """A group's card with its dates (0: the list of groups)."""

    group_id: Id


class GroupSeat(CallbackData, prefix="gs"):
    """One date: `ask` shows the confirmation, `book` takes the seat."""

    date_id: Id
    step: Literal["ask", "book"]


class GroupWaiting(CallbackData, prefix="gw"):
    date_id: Id
    join: bool


class GroupOffer(CallbackData, prefix="go"):
    wait_id: Id
    take: bool


class GroupDateView(CallbackData, prefix="gt"):
    """The therapist's screen of one of their dates."""

    date_id: Id


class GroupDateCancel(CallbackData, prefix="gx"):
    date_id: Id
    confirmed: bool


class GroupWriteAll(CallbackData, prefix="gm"):
    date_id: Id


def menu_button(t: Texts) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("btn-menu"), callback_data=MenuAction(action=MenuItem.menu).pack()
    )


def list_keyboard(t: Texts, groups: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    """`groups`: (id, button text) of each group shown."""
    builder = InlineKeyboardBuilder()
    for group_id, text in groups:
        builder.button(text=text, callback_data=GroupOpen(group_id=group_id))
    builder.adjust(1)
    builder.row(menu_button(t))
    return builder.as_markup()


def dates_keyboard(t: Texts, dates: Sequence[tuple[int, str, str]]) -> InlineKeyboardMarkup:
    """`dates`: (id, button text, state), the state `free`, `full`, `seat` or `waiting`."""
    builder = InlineKeyboardBuilder()
    for date_id, text, state in dates:
        if state == "full":
            data: CallbackData = GroupWaiting(date_id=date_id, join=True)
        elif state == "waiting":
            data = GroupWaiting(date_id=date_id, join=False)
        else:
            data = GroupSeat(date_id=date_id, step="ask")
        builder.button(text=text, callback_data=data)
    builder.adjust(1)
    builder.row(
        InlineKeyboardButton(text=t("group-all"), callback_data=GroupOpen(group_id=0).pack())
    )
    return builder.as_markup()


def confirm_keyboard(t: Texts, date_id: int, group_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("group-book"),
                    callback_data=GroupSeat(date_id=date_id, step="book").pack(),
                    style="success",
                )
            ],
            [
                InlineKeyboardButton(
                    text=t("btn-back"), callback_data=GroupOpen(group_id=group_id).pack()
                )
            ],
        ]
    )


def offer_keyboard(t: Texts, wait_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("group-offer-take"),
                    callback_data=GroupOffer(wait_id=wait_id, take=True).pack(),
                    style="success",
                ),
                InlineKeyboardButton(
                    text=t("group-offer-decline"),
                    callback_data=GroupOffer(wait_id=wait_id, take=False).pack(),
                ),
            ]
        ]
    )


def therapist_date_keyboard(
    t: Texts, date_id: int, *, members: bool, upcoming: bool
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if members:
        builder.button(text=t("group-write-all"), callback_data=GroupWriteAll(date_id=date_id))
    if upcoming:
        builder.button(
            text=t("group-cancel-date"),
            callback_data=GroupDateCancel(date_id=date_id, confirmed=False),
        )
    builder.adjust(1)
    return builder.as_markup()


def cancel_date_keyboard(t: Texts, date_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("group-cancel-date-yes"),
                    callback_data=GroupDateCancel(date_id=date_id, confirmed=True).pack(),
                    style="danger",
                ),
                InlineKeyboardButton(
                    text=t("btn-back"), callback_data=GroupDateView(date_id=date_id).pack()
                ),
            ]
        ]
    )
