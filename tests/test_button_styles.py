"""Buttons that book, take or confirm a time are green (`style="success"`); buttons that
cancel or end something are red (`danger`), as Telegram colours them (Bot API 9.4)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiogram.types import InlineKeyboardMarkup

from bot.i18n import Translator
from keyboards import cabinet, catalog, groups, requests, series, therapist, waitlist


def styles(markup: InlineKeyboardMarkup) -> dict[str, str | None]:
    return {button.text: button.style for row in markup.inline_keyboard for button in row}


KEYBOARDS: list[tuple[str, Callable[..., InlineKeyboardMarkup], tuple[object, ...], str, str]] = [
    ("book", catalog.confirm_keyboard, (7,), "book-confirm", "success"),
    ("move", cabinet.move_confirm_keyboard, (1, 7, 0), "reschedule-yes", "success"),
    ("cancel", cabinet.cancel_keyboard, (1,), "cancel-yes", "danger"),
    ("change", cabinet.change_cancel_keyboard, (), "change-cancel-yes", "danger"),
    (
        "request",
        lambda t: requests.request_confirm_keyboard(t, 7, has_note=False),
        (),
        "request-send",
        "success",
    ),
    ("offer", waitlist.offer_keyboard, (1, 2), "offer-take", "success"),
    ("seat", groups.confirm_keyboard, (3, 4), "group-book", "success"),
    ("meeting", groups.cancel_date_keyboard, (3,), "group-cancel-date-yes", "danger"),
    ("take", series.take_confirm_keyboard, (1, "2026-12-07", 7), "series-take-yes", "success"),
    ("following", series.cancel_following_keyboard, (1,), "series-cancel-following-yes", "danger"),
    (
        "end",
        lambda t: series.end_keyboard(t, 1, has_sessions=True),
        (),
        "series-end-cancel",
        "danger",
    ),
    ("therapist end", therapist.series_stop_keyboard, (1,), "tseries-end-yes", "danger"),
]


@pytest.mark.parametrize(
    ("name", "build", "args", "key", "style"), KEYBOARDS, ids=[k[0] for k in KEYBOARDS]
)
def test_confirming_is_green_and_cancelling_red(
    translator: Translator,
    name: str,
    build: Callable[..., InlineKeyboardMarkup],
    args: tuple[object, ...],
    key: str,
    style: str,
) -> None:
    t = translator.for_language("ru")
    shown = styles(build(t, *args))
    assert shown[t(key)] == style, shown
    # Only the answers are coloured: «Назад» and the like keep Telegram's own colour
    # (ending a regular time has two answers: with its sessions, or keeping them).
    coloured = [label for label, each in shown.items() if each]
    assert len(coloured) == (2 if name == "end" else 1), shown
