"""Check-in buttons: the consent, starting one, the answers to a question (0–3), back and
"skip this time", the next scale, the settings, and the therapist's view of a client."""

from __future__ import annotations

import enum
from typing import Literal, get_args

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Texts
from bot.rules.checkins import ANSWERS, ScaleCode
from keyboards.ids import Id, Number

StartReason = Literal["booked", "reminder", "therapist", "client"]
_REASONS: dict[str, StartReason] = {reason: reason for reason in get_args(StartReason)}


def start_reason(stored: str) -> StartReason:
    """A check-in's stored reason as a button carries it ("client" for anything else)."""
    return _REASONS.get(stored, "client")


class ConsentChoice(enum.StrEnum):
    yes = "yes"
    no = "no"


class CheckinConsent(CallbackData, prefix="kc"):
    choice: ConsentChoice


class CheckinStart(CallbackData, prefix="ks"):
    reason: StartReason


class Answer(enum.IntEnum):
    not_at_all = 0
    several_days = 1
    more_than_half = 2
    nearly_every_day = 3


class CheckinReply(CallbackData, prefix="ka"):
    checkin_id: Id
    item: Number
    value: Answer


class CheckinBack(CallbackData, prefix="kb"):
    checkin_id: Id
    item: Number


class CheckinSkip(CallbackData, prefix="kx"):
    checkin_id: Id


class CheckinNext(CallbackData, prefix="kn"):
    after: ScaleCode
    # Why the check-in before it began: the next scale goes on for the same reason.
    reason: StartReason = "client"


class SettingsItem(enum.StrEnum):
    open = "open"
    turn_on = "on"
    turn_off = "off"  # asks first: the answers go too
    turn_off_sure = "off-sure"
    share = "share"
    unshare = "unshare"


class CheckinSettings(CallbackData, prefix="kt"):
    action: SettingsItem


class CheckinAsk(CallbackData, prefix="kq"):
    """A therapist asks a client (from their session card) for a check-in now."""

    client_id: Id


class ClientCheckins(CallbackData, prefix="kv"):
    """A therapist's view of one client's check-ins."""

    client_id: Id


def consent_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("checkin-consent-yes"), callback_data=CheckinConsent(choice="yes"))
    builder.button(text=t("checkin-consent-no"), callback_data=CheckinConsent(choice="no"))
    builder.adjust(1)
    return builder.as_markup()


def start_keyboard(t: Texts, reason: StartReason, *, resume: bool = False) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    label = t("checkin-resume") if resume else t("checkin-start")
    builder.button(text=label, callback_data=CheckinStart(reason=reason))
    return builder.as_markup()


def question_keyboard(t: Texts, checkin_id: int, item: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for value in ANSWERS:
        builder.button(
            text=t(f"checkin-answer-{value}"),
            callback_data=CheckinReply(checkin_id=checkin_id, item=item, value=Answer(value)),
        )
    if item > 1:
        builder.button(
            text=t("checkin-back"), callback_data=CheckinBack(checkin_id=checkin_id, item=item)
        )
    builder.button(text=t("checkin-skip"), callback_data=CheckinSkip(checkin_id=checkin_id))
    builder.adjust(1, 1, 1, 1, 2 if item > 1 else 1)
    return builder.as_markup()


def next_keyboard(
    t: Texts, after: ScaleCode, label: str, reason: StartReason
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=label, callback_data=CheckinNext(after=after, reason=reason))
    builder.button(text=t("checkin-not-now"), callback_data=CheckinSettings(action="open"))
    builder.adjust(1)
    return builder.as_markup()


def settings_keyboard(t: Texts, *, consent: bool, shared: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if consent:
        builder.button(text=t("checkin-start"), callback_data=CheckinStart(reason="client"))
        share = SettingsItem.unshare if shared else SettingsItem.share
        builder.button(
            text=t(f"checkin-settings-{share}"), callback_data=CheckinSettings(action=share)
        )
        builder.button(text=t("checkin-settings-off"), callback_data=CheckinSettings(action="off"))
    else:
        builder.button(text=t("checkin-settings-on"), callback_data=CheckinSettings(action="on"))
    builder.adjust(1)
    return builder.as_markup()


def turn_off_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("checkin-settings-off-sure"), callback_data=CheckinSettings(action="off-sure")
    )
    builder.button(text=t("checkin-settings-keep"), callback_data=CheckinSettings(action="open"))
    builder.adjust(1)
    return builder.as_markup()


def therapist_view_button(t: Texts, client_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("checkin-therapist-view"), callback_data=ClientCheckins(client_id=client_id)
    )
    return builder.as_markup()


def therapist_card_buttons(
    t: Texts, client_id: int, *, visible: bool, askable: bool
) -> list[InlineKeyboardButton]:
    """On a therapist's session card: the client's check-ins, and asking for one now."""
    buttons = []
    if visible:
        data = ClientCheckins(client_id=client_id).pack()
        buttons.append(InlineKeyboardButton(text=t("checkin-therapist-view"), callback_data=data))
    if askable:
        data = CheckinAsk(client_id=client_id).pack()
        buttons.append(InlineKeyboardButton(text=t("checkin-therapist-ask"), callback_data=data))
    return buttons
