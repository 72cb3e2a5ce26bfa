"""Prepaid packages of sessions: the offers of a therapist, buying one, and what to do
with what is left of one when the client changes therapist."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.formatting import money
from bot.i18n import Texts
from db.packages import Offer
from keyboards.ids import Id
from keyboards.menu import MenuAction


class PackageOffers(CallbackData, prefix="po"):
    therapist_id: Id


class BuyPackage(CallbackData, prefix="pb"):
    package_id: Id
    therapist_id: Id


class PackageRefund(CallbackData, prefix="pr"):
    therapist_id: Id
    refund: bool


def offers_button(t: Texts, therapist_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("package-offers-button"),
        callback_data=PackageOffers(therapist_id=therapist_id).pack(),
    )


def offers_keyboard(t: Texts, offers: Sequence[Offer]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for offer in offers:
        builder.button(
            text=t("package-buy-button", sessions=offer.sessions, price=money(offer.price)),
            callback_data=BuyPackage(package_id=offer.package_id, therapist_id=offer.therapist_id),
        )
    builder.adjust(1)
    builder.row(
        InlineKeyboardButton(text=t("btn-menu"), callback_data=MenuAction(action="menu").pack())
    )
    return builder.as_markup()


def refund_keyboard(t: Texts, therapist_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("package-refund-yes"),
                    callback_data=PackageRefund(therapist_id=therapist_id, refund=True).pack(),
                )
            ],
            [
                InlineKeyboardButton(
                    text=t("package-refund-keep"),
                    callback_data=PackageRefund(therapist_id=therapist_id, refund=False).pack(),
                )
            ],
        ]
    )


def find_button(t: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("package-find-time"), callback_data=MenuAction(action="find").pack()
                )
            ]
        ]
    )
