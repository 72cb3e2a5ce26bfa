"""Couples: inviting a partner, the partner's consent to join, and a partner's answer
that they cannot come to a shared session."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    ReplyKeyboardMarkup,
)
from pydantic import Field

from bot.i18n import Texts
from keyboards.ids import Id

# The shape of `db.couples.invite`'s codes (`secrets.token_urlsafe(16)`): anything else in
# a button fails parsing.
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{16,43}$")]


class PartnerInvite(CallbackData, prefix="pi"):
    booking_id: Id


class PartnerConsent(CallbackData, prefix="pj"):
    code: Code
    agree: bool


class PartnerAccept(CallbackData, prefix="pa"):
    """The answer of a person the booker picked in Telegram (they use the bot already)."""

    partnership_id: Id
    agree: bool


class CoupleEnd(CallbackData, prefix="pe"):
    """Either of the two ends the couple (asked once more first)."""

    confirmed: bool


def end_button(t: Texts) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("couple-end-button"), callback_data=CoupleEnd(confirmed=False).pack()
    )


class PartnerSkipAsk(CallbackData, prefix="pk"):
    booking_id: Id


class PartnerSkip(CallbackData, prefix="pq"):
    booking_id: Id


def invite_button(t: Texts, booking_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("couple-invite-button"),
        callback_data=PartnerInvite(booking_id=booking_id).pack(),
    )


def consent_keyboard(t: Texts, code: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("consent-agree"),
                    callback_data=PartnerConsent(code=code, agree=True).pack(),
                ),
                InlineKeyboardButton(
                    text=t("consent-decline"),
                    callback_data=PartnerConsent(code=code, agree=False).pack(),
                ),
            ]
        ]
    )


def accept_keyboard(t: Texts, partnership_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("couple-accept"),
                    callback_data=PartnerAccept(partnership_id=partnership_id, agree=True).pack(),
                ),
                InlineKeyboardButton(
                    text=t("couple-decline"),
                    callback_data=PartnerAccept(partnership_id=partnership_id, agree=False).pack(),
                ),
            ]
        ]
    )


def pick_keyboard(t: Texts, request_id: int) -> ReplyKeyboardMarkup:
    """Telegram's user picker, for a partner who uses the bot already; and a way out."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [
                KeyboardButton(
                    text=t("couple-pick"),
                    request_users=KeyboardButtonRequestUsers(
                        request_id=request_id, user_is_bot=False, max_quantity=1, request_name=True
                    ),
                )
            ],
            [KeyboardButton(text=t("couple-pick-none"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def shared_button(t: Texts, booking_id: int, label: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("couple-shared-button", when=label),
        callback_data=PartnerSkipAsk(booking_id=booking_id).pack(),
    )


def skip_keyboard(t: Texts, booking_id: int, back: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("couple-skip-button"),
                    callback_data=PartnerSkip(booking_id=booking_id).pack(),
                )
            ],
            [back],
        ]
    )


class PartnerName(CallbackData, prefix="pn"):
    """The partner changes the name the therapist and the booker see."""


def name_keyboard(t: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=t("couple-name-change"), callback_data=PartnerName().pack())]
        ]
    )
