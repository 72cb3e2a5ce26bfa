"""Therapist cards: days, times, paging; booking confirmation; relaxations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.formatting import day_label
from bot.i18n import Texts
from keyboards.ids import Day, Id, Number
from keyboards.packages import offers_button
from keyboards.waitlist import wait_button


class CardPage(CallbackData, prefix="cp"):
    """Show card `index` of the list version `v` (a list shown before is stale)."""

    v: Number
    index: Number


class CardDay(CallbackData, prefix="cd"):
    v: Number
    index: Number
    day: Day  # in the client's zone; None for the list of days


class CardMore(CallbackData, prefix="cm"):
    therapist_id: Id


class SlotPick(CallbackData, prefix="sp"):
    slot_id: Id


class BookSlot(CallbackData, prefix="bk"):
    slot_id: Id


class FindOthers(CallbackData, prefix="fo"):
    """The matches without this therapist (who declined or did not answer)."""

    therapist_id: Id


def find_others_keyboard(t: Texts, therapist_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("find-others"), callback_data=FindOthers(therapist_id=therapist_id))
    return builder.as_markup()


# The one-tap relaxations (`bot.rules.matching.RELAXATIONS`).
Relaxation = Literal["time", "budget", "gender"]


class Relax(CallbackData, prefix="rx"):
    kind: Relaxation


def days_and_times(
    t: Texts,
    *,
    days: Sequence[date],
    chosen_day: date | None,
    times: Sequence[tuple[int, datetime]],
    day_data: Callable[[date | None], CallbackData],
    time_data: Callable[[int], CallbackData],
) -> list[list[InlineKeyboardButton]]:
    """Rows of day buttons; or, for a chosen day, its times and a way back to the days.
    `day_data(None)` is the callback of the list of days. (Built as rows: a keyboard builder
    copies all it has for each button it adds, and a card has up to twenty.)"""
    if chosen_day is None:
        buttons = [
            InlineKeyboardButton(text=day_label(t, day), callback_data=day_data(day).pack())
            for day in days
        ]
        return _rows(buttons)
    buttons = [
        InlineKeyboardButton(text=local.strftime("%H:%M"), callback_data=time_data(slot_id).pack())
        for slot_id, local in times
    ]
    back = InlineKeyboardButton(
        text=t("card-other-days", day=day_label(t, chosen_day)),
        callback_data=day_data(None).pack(),
    )
    return [*_rows(buttons), [back]]


def _rows(buttons: list[InlineKeyboardButton], width: int = 4) -> list[list[InlineKeyboardButton]]:
    return [buttons[start : start + width] for start in range(0, len(buttons), width)]


def card_keyboard(
    t: Texts,
    *,
    v: int,
    index: int,
    total: int,
    complete: bool = True,
    days: Sequence[date],
    chosen_day: date | None,
    times: Sequence[tuple[int, datetime]],
    more_of: int | None,
    wait_for: int | None = None,
    packages_of: int | None = None,
    week_url: str | None = None,
) -> InlineKeyboardMarkup:
    """A card's buttons; `wait_for`: the therapist a client may wait for a freed time of;
    `packages_of`: the therapist whose packages of sessions may be bought; `week_url`: the
    Mini App's week of this therapist."""
    rows = days_and_times(
        t,
        days=days,
        chosen_day=chosen_day,
        times=times,
        day_data=lambda day: CardDay(v=v, index=index, day=day),
        time_data=lambda slot_id: SlotPick(slot_id=slot_id),
    )
    if more_of is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    text=t("card-more"), callback_data=CardMore(therapist_id=more_of).pack()
                )
            ]
        )
    if wait_for is not None:
        rows.append([wait_button(t, wait_for)])
    if packages_of is not None:
        rows.append([offers_button(t, packages_of)])
    if week_url:
        rows.append([week_button(t, week_url)])
    if total > 1:
        # Round the list once it is all ranked; before that, ▶ ranks the next page and ◀
        # stops at the first card.
        back = (index - 1) % total if complete else max(index - 1, 0)
        forward = (index + 1) % total if complete else index + 1
        rows.append(
            [
                InlineKeyboardButton(text="◀", callback_data=CardPage(v=v, index=back).pack()),
                InlineKeyboardButton(
                    text=f"{index + 1}/{total}", callback_data=CardPage(v=v, index=index).pack()
                ),
                InlineKeyboardButton(text="▶", callback_data=CardPage(v=v, index=forward).pack()),
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def week_button(t: Texts, url: str) -> InlineKeyboardButton:
    """Opens the Mini App (the week at a glance) inside Telegram."""
    return InlineKeyboardButton(text=t("app-open-week"), web_app=WebAppInfo(url=url))


def confirm_keyboard(t: Texts, slot_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("book-confirm"), callback_data=BookSlot(slot_id=slot_id), style="success")
    return builder.as_markup()


def relax_keyboard(t: Texts, relaxations: Sequence[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in dict.fromkeys(relaxations):
        builder.button(text=t(f"relax-{kind}"), callback_data=Relax(kind=kind))
    builder.adjust(1)
    return builder.as_markup()
