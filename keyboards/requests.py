"""Booking requests to therapists who confirm bookings first: the client's request (with
an optional note), withdrawing it, a proposed time; the therapist's request card (accept,
decline with a reason, propose another time) and their confirmation mode."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Texts
from keyboards.catalog import days_and_times
from keyboards.ids import Day, Id

Modes = Literal["auto", "first", "every"]
MODES: tuple[Modes, ...] = ("auto", "first", "every")
Reasons = Literal["full", "fit", "time", "none"]
REASONS: tuple[Reasons, ...] = ("full", "fit", "time", "none")


class RequestSend(CallbackData, prefix="qs"):
    slot_id: Id


class RequestNote(CallbackData, prefix="qn"):
    slot_id: Id


class RequestWithdraw(CallbackData, prefix="qw"):
    request_id: Id


class ProposalTake(CallbackData, prefix="qp"):
    request_id: Id


class ProposalRefuse(CallbackData, prefix="qr"):
    request_id: Id


class RequestAnswer(CallbackData, prefix="qt"):
    """The therapist's answer on a request card."""

    request_id: Id
    action: Literal["accept", "decline", "propose"]


class RequestDecline(CallbackData, prefix="qd"):
    request_id: Id
    reason: Reasons


class RequestProposeDay(CallbackData, prefix="qy"):
    request_id: Id
    day: Day  # in the therapist's zone; None for the list of days


class RequestPropose(CallbackData, prefix="qz"):
    request_id: Id
    slot_id: Id


class ApprovalMode(CallbackData, prefix="ap"):
    """The therapist's own confirmation mode."""

    mode: Modes


def request_confirm_keyboard(t: Texts, slot_id: int, *, has_note: bool) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("request-send"),
                    callback_data=RequestSend(slot_id=slot_id).pack(),
                    style="success",
                )
            ],
            [
                InlineKeyboardButton(
                    text=t("request-note-change" if has_note else "request-note-add"),
                    callback_data=RequestNote(slot_id=slot_id).pack(),
                )
            ],
        ]
    )


def withdraw_button(t: Texts, request_id: int, label: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=label, callback_data=RequestWithdraw(request_id=request_id).pack()
    )


def proposal_keyboard(t: Texts, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("proposal-take"),
                    callback_data=ProposalTake(request_id=request_id).pack(),
                ),
                InlineKeyboardButton(
                    text=t("proposal-refuse"),
                    callback_data=ProposalRefuse(request_id=request_id).pack(),
                ),
            ]
        ]
    )


def request_card_keyboard(t: Texts, request_id: int) -> InlineKeyboardMarkup:
    def answer(action: Literal["accept", "decline", "propose"]) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=t(f"request-{action}"),
            callback_data=RequestAnswer(request_id=request_id, action=action).pack(),
        )

    return InlineKeyboardMarkup(
        inline_keyboard=[[answer("accept"), answer("decline")], [answer("propose")]]
    )


def decline_keyboard(t: Texts, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t(f"request-reason-{reason}"),
                    callback_data=RequestDecline(request_id=request_id, reason=reason).pack(),
                )
            ]
            for reason in REASONS
        ]
    )


def propose_keyboard(
    t: Texts,
    request_id: int,
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
        day_data=lambda day: RequestProposeDay(request_id=request_id, day=day),
        time_data=lambda slot_id: RequestPropose(request_id=request_id, slot_id=slot_id),
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def approval_keyboard(t: Texts, current: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=(
                        t("approval-chosen", label=t(f"approval-{mode}"))
                        if mode == current
                        else t(f"approval-{mode}")
                    ),
                    callback_data=ApprovalMode(mode=mode).pack(),
                )
            ]
            for mode in MODES
        ]
    )
