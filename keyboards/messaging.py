"""Buttons of the client–therapist conversation."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Texts
from keyboards.ids import Id


class WriteTherapist(CallbackData, prefix="wt"):
    """A client starts writing to their therapist (from the cabinet)."""

    therapist_id: Id


class WriteClient(CallbackData, prefix="wc"):
    """A therapist starts writing to one of their clients (booking card, /clients)."""

    client_id: Id


class ReplyClient(CallbackData, prefix="rc"):
    """The reply button under a client's message relayed to the therapist."""

    relay_id: Id


class RelayDone(CallbackData, prefix="rd"):
    """Leave the writing mode (either side)."""


def write_therapist_button(t: Texts, therapist_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("messaging-write-therapist"),
        callback_data=WriteTherapist(therapist_id=therapist_id).pack(),
    )


def done_keyboard(t: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=t("messaging-done"), callback_data=RelayDone().pack())]
        ]
    )


def reply_client_keyboard(t: Texts, relay_id: int) -> InlineKeyboardMarkup:
    """Under a client's message in the therapist's chat."""
    button = InlineKeyboardButton(
        text=t("messaging-reply"), callback_data=ReplyClient(relay_id=relay_id).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def reply_therapist_keyboard(t: Texts, therapist_id: int) -> InlineKeyboardMarkup:
    """Under the therapist's message in the client's chat."""
    button = InlineKeyboardButton(
        text=t("messaging-reply"), callback_data=WriteTherapist(therapist_id=therapist_id).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])
