"""A regular time: making a session regular, its preview, and the series' own screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from bot.i18n import Texts
from keyboards.cabinet import (
    CabinetAction,
    CabinetItem,
    CancelAsk,
    MoveConfirm,
    MoveDay,
    OpenBooking,
)
from keyboards.ids import Id, Number

RHYTHMS = (1, 2)  # weeks between sessions
# A pause of a regular time: 1 to 4 weeks (0 on the button that asks how long).
PauseWeeks = Annotated[int, Field(ge=1, le=4)]
PauseChoice = Annotated[int, Field(ge=0, le=4)]


class SeriesStart(CallbackData, prefix="ss"):
    booking_id: Id


class SeriesRhythm(CallbackData, prefix="sr"):
    booking_id: Id
    rhythm: Number  # 1 or 2; anything else is refused by the handler


class SeriesConfirm(CallbackData, prefix="sy"):
    booking_id: Id
    rhythm: Number


class SeriesOpen(CallbackData, prefix="so"):
    series_id: Id


class SeriesPause(CallbackData, prefix="sz"):
    series_id: Id
    weeks: PauseChoice  # 0: choose; 1–4 weeks: asks to confirm


class SeriesPauseConfirm(CallbackData, prefix="sq"):
    series_id: Id
    weeks: PauseWeeks


class SeriesResume(CallbackData, prefix="su"):
    series_id: Id


class SeriesEnd(CallbackData, prefix="se"):
    series_id: Id


class SeriesEndConfirm(CallbackData, prefix="sf"):
    series_id: Id
    cancel: bool  # its booked sessions are cancelled too


class SeriesMoveFollowing(CallbackData, prefix="sm"):
    booking_id: Id
    slot_id: Id
    moves: Number  # how many times "this" session had been moved when this was shown
    sure: bool


class SeriesCalendarFile(CallbackData, prefix="sk"):
    series_id: Id


class SeriesTake(CallbackData, prefix="st"):
    """Another time of a missed date's week, as the series' session for that date."""

    series_id: Id
    day: str  # the missed date, ISO; checked by the handler
    slot_id: Id
    sure: bool


class SeriesCancelScope(CallbackData, prefix="sc"):
    booking_id: Id


class SeriesCancelFollowing(CallbackData, prefix="sl"):
    booking_id: Id
    sure: bool


PAUSE_WEEKS = (1, 2, 3, 4)  # the choices PauseWeeks allows


def start_button(t: Texts, booking_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("series-make"), callback_data=SeriesStart(booking_id=booking_id).pack()
    )


def after_booking_keyboard(t: Texts, booking_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[start_button(t, booking_id)]])


def back_to_booking(t: Texts, booking_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("btn-back"), callback_data=OpenBooking(booking_id=booking_id).pack()
    )


def rhythm_keyboard(t: Texts, booking_id: int, back: InlineKeyboardButton) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for rhythm in RHYTHMS:
        builder.button(
            text=t(f"series-rhythm-button-{rhythm}"),
            callback_data=SeriesRhythm(booking_id=booking_id, rhythm=rhythm),
        )
    builder.adjust(1)
    builder.row(back)
    return builder.as_markup()


def preview_keyboard(
    t: Texts, booking_id: int, rhythm: int, *, can_confirm: bool
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if can_confirm:
        builder.button(
            text=t("series-confirm"),
            callback_data=SeriesConfirm(booking_id=booking_id, rhythm=rhythm),
        )
    builder.button(text=t("btn-back"), callback_data=SeriesStart(booking_id=booking_id))
    builder.adjust(1)
    return builder.as_markup()


def open_series_button(t: Texts, series_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("series-open"), callback_data=SeriesOpen(series_id=series_id).pack()
    )


def series_buttons(t: Texts, series: Sequence[tuple[int, str]]) -> list[InlineKeyboardButton]:
    """One button per active series of the cabinet: (id, its pattern)."""
    return [
        InlineKeyboardButton(
            text=t("series-button", pattern=pattern),
            callback_data=SeriesOpen(series_id=series_id).pack(),
        )
        for series_id, pattern in series
    ]


def series_keyboard(
    t: Texts, series_id: int, occurrences: Sequence[tuple[int, str]]
) -> InlineKeyboardMarkup:
    """The series' screen: each upcoming occurrence (id, label) opens it."""
    rows = [
        [InlineKeyboardButton(text=label, callback_data=OpenBooking(booking_id=booking_id).pack())]
        for booking_id, label in occurrences
    ]
    home = InlineKeyboardButton(
        text=t("cabinet-back"), callback_data=CabinetAction(action=CabinetItem.home).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [home]])


def series_keyboard_of(
    t: Texts, series_id: int, occurrences: Sequence[tuple[int, str]], *, paused: bool
) -> InlineKeyboardMarkup:
    """The series' screen: its sessions, pause or resume, end, its calendar file, back to
    the cabinet."""
    markup = series_keyboard(t, series_id, occurrences)
    rows = markup.inline_keyboard[:-1]
    pause_or_resume = (
        InlineKeyboardButton(
            text=t("series-resume"), callback_data=SeriesResume(series_id=series_id).pack()
        )
        if paused
        else InlineKeyboardButton(
            text=t("series-pause"), callback_data=SeriesPause(series_id=series_id, weeks=0).pack()
        )
    )
    end = InlineKeyboardButton(
        text=t("series-end"), callback_data=SeriesEnd(series_id=series_id).pack()
    )
    calendar = InlineKeyboardButton(
        text=t("series-calendar"), callback_data=SeriesCalendarFile(series_id=series_id).pack()
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[*rows, [pause_or_resume, end], [calendar], markup.inline_keyboard[-1]]
    )


def _back_to_series(t: Texts, series_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("btn-back"), callback_data=SeriesOpen(series_id=series_id).pack()
    )


def pause_weeks_keyboard(t: Texts, series_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for weeks in PAUSE_WEEKS:
        builder.button(
            text=t("series-pause-weeks", count=weeks),
            callback_data=SeriesPause(series_id=series_id, weeks=weeks),
        )
    builder.adjust(2)
    builder.row(_back_to_series(t, series_id))
    return builder.as_markup()


def pause_confirm_keyboard(t: Texts, series_id: int, weeks: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("series-pause-yes"),
        callback_data=SeriesPauseConfirm(series_id=series_id, weeks=weeks),
    )
    builder.row(_back_to_series(t, series_id))
    return builder.as_markup()


def end_keyboard(t: Texts, series_id: int, *, has_sessions: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if has_sessions:
        builder.button(
            text=t("series-end-cancel"),
            callback_data=SeriesEndConfirm(series_id=series_id, cancel=True),
            style="danger",
        )
    builder.button(
        text=t("series-end-keep" if has_sessions else "series-end-yes"),
        callback_data=SeriesEndConfirm(series_id=series_id, cancel=False),
        style="danger",
    )
    builder.adjust(1)
    builder.row(_back_to_series(t, series_id))
    return builder.as_markup()


def cancel_scope_keyboard(t: Texts, booking_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("series-cancel-one"), callback_data=CancelAsk(booking_id=booking_id))
    builder.button(
        text=t("series-cancel-following"),
        callback_data=SeriesCancelFollowing(booking_id=booking_id, sure=False),
    )
    builder.adjust(1)
    builder.row(back_to_booking(t, booking_id))
    return builder.as_markup()


def cancel_following_keyboard(t: Texts, booking_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("series-cancel-following-yes"),
        callback_data=SeriesCancelFollowing(booking_id=booking_id, sure=True),
        style="danger",
    )
    builder.row(back_to_booking(t, booking_id))
    return builder.as_markup()


def move_scope_keyboard(
    t: Texts, booking_id: int, slot_id: int, moves: int, *, following: bool
) -> InlineKeyboardMarkup:
    """Moving a regular session: only this one, or (when the new time is near enough) this
    and the following ones."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("series-move-one"),
        callback_data=MoveConfirm(booking_id=booking_id, slot_id=slot_id, moves=moves),
    )
    if following:
        builder.button(
            text=t("series-move-following"),
            callback_data=SeriesMoveFollowing(
                booking_id=booking_id, slot_id=slot_id, moves=moves, sure=False
            ),
        )
    builder.button(text=t("btn-back"), callback_data=MoveDay(booking_id=booking_id, day=None))
    builder.adjust(1)
    return builder.as_markup()


def move_following_keyboard(
    t: Texts, booking_id: int, slot_id: int, moves: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("series-move-following-yes"),
        callback_data=SeriesMoveFollowing(
            booking_id=booking_id, slot_id=slot_id, moves=moves, sure=True
        ),
    )
    builder.button(text=t("btn-back"), callback_data=MoveDay(booking_id=booking_id, day=None))
    builder.adjust(1)
    return builder.as_markup()


def take_keyboard(
    series_id: int, day: str, slots: Sequence[tuple[int, str]]
) -> InlineKeyboardMarkup:
    """A missed date's other times of that week (`slots`: id and label)."""
    builder = InlineKeyboardBuilder()
    for slot_id, label in slots:
        builder.button(
            text=label,
            callback_data=SeriesTake(series_id=series_id, day=day, slot_id=slot_id, sure=False),
        )
    builder.adjust(1)
    return builder.as_markup()


def take_confirm_keyboard(t: Texts, series_id: int, day: str, slot_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("series-take-yes"),
        callback_data=SeriesTake(series_id=series_id, day=day, slot_id=slot_id, sure=True),
        style="success",
    )
    return builder.as_markup()
