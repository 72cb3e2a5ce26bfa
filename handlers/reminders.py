"""Answers to reminders: "I'll be there" under the first reminder, and the rating after a
session (1-5, then optional words). Move and cancel under a reminder are the cabinet's own
buttons, handled by `handlers.cabinet` under its rules. Callback data is untrusted: each
handler loads the booking as this client's own and checks it again."""

from __future__ import annotations

from typing import Literal

from aiogram import F, Router
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.rules.timezones import Clock
from db import bookings, reminders
from db.models import ACTIVE_BOOKING_STATUSES
from handlers.shared.flow import ClientFlow, show_where_you_are
from handlers.shared.guards import for_clients
from handlers.shared.memory import RATING, RatingData
from handlers.shared.screens import drop_buttons, screen_of, set_buttons
from keyboards.checkins import CheckinStart
from keyboards.reminders import (
    SCORES,
    Attend,
    Rate,
    SkipComment,
    session_keyboard,
    skip_comment_keyboard,
)

COMMENT_LIMIT = 1000


class RatingComment(StatesGroup):
    waiting = State()


async def on_attend(
    callback: CallbackQuery, callback_data: Attend, flow: ClientFlow, clock: Clock
) -> None:
    user, t = flow.user, flow.t
    booking = await bookings.own_booking(flow.session, user, callback_data.booking_id)
    if (
        booking is None
        or booking.status not in ACTIVE_BOOKING_STATUSES
        or booking.starts_at <= clock.now()
    ):
        await callback.answer(t("reminder-gone"), show_alert=True)
        return
    if booking.attendance_confirmed_at is None:
        await reminders.confirm_attendance(flow.session, user, booking.id, clock.now())
    await callback.answer(t("reminder-attend-thanks"))
    screen = screen_of(callback)
    markup = screen.reply_markup if screen is not None else None
    # The check-in button stays as it was offered (to start, or to go on).
    offered = [
        button.text
        for row in (markup.inline_keyboard if markup is not None else [])
        for button in row
        if (button.callback_data or "").startswith(f"{CheckinStart.__prefix__}:")
    ]
    checkin: Literal["resume", "start"] | None = None
    if offered:
        checkin = "resume" if offered[0] == t("checkin-resume") else "start"
    keyboard = session_keyboard(t, booking.id, attend=False, checkin=checkin)
    await set_buttons(screen, keyboard)


# -- the rating --------------------------------------------------------------------------


async def on_rate(
    callback: CallbackQuery, callback_data: Rate, flow: ClientFlow, clock: Clock
) -> None:
    user, t = flow.user, flow.t
    if callback_data.score not in SCORES:
        await callback.answer(t("stale-button-short"))
        return
    booking = await bookings.own_booking(flow.session, user, callback_data.booking_id)
    if booking is None or booking.status not in reminders.RATEABLE_STATUSES:
        await callback.answer(t("rating-gone"), show_alert=True)
        return
    if booking.ends_at > clock.now():
        await callback.answer(t("rating-not-yet"), show_alert=True)
        return
    saved = booking.rating is None and await reminders.save_rating(
        flow.session, user, booking.id, callback_data.score, clock.now()
    )
    if not saved:
        await callback.answer(t("rating-already"))
        return
    await callback.answer()
    current = await flow.state.get_state()
    resume = (await RATING.load(flow.state)).resume
    if current != RatingComment.waiting.state:
        resume = current
    await flow.state.set_state(RatingComment.waiting)
    screen = await flow.display(
        t("rating-thanks", score=callback_data.score),
        skip_comment_keyboard(t, booking.id),
        screen_of(callback),
    )
    await RATING.save(flow.state, RatingData(booking.id, resume, screen.message_id))


async def _end_comment(flow: ClientFlow) -> None:
    """Back to wherever the client was before the rating; its skip button goes."""
    rating = await RATING.load(flow.state)
    await flow.state.set_state(rating.resume)
    await RATING.clear(flow.state)
    if rating.screen is not None:
        await drop_buttons(flow.bot, flow.chat_id, rating.screen)


async def on_skip(callback: CallbackQuery, callback_data: SkipComment, flow: ClientFlow) -> None:
    t = flow.t
    waiting = await flow.state.get_state() == RatingComment.waiting.state
    if not waiting or (await RATING.load(flow.state)).booking_id != callback_data.booking_id:
        await callback.answer(t("stale-button-short"))
        return
    await callback.answer()
    await _end_comment(flow)
    await flow.display(t("rating-saved"), None, screen_of(callback))


async def on_comment(message: Message, flow: ClientFlow) -> None:
    user, t = flow.user, flow.t
    booking_id = (await RATING.load(flow.state)).booking_id
    if booking_id is None:  # the state outlived its data: nothing to attach to
        await _end_comment(flow)
        await show_where_you_are(flow)
        return
    comment = (message.text or "").strip()
    if not comment:
        await on_not_text(message, flow)
        return
    if len(comment) > COMMENT_LIMIT:
        await message.answer(
            t("rating-comment-too-long", limit=COMMENT_LIMIT),
            reply_markup=skip_comment_keyboard(t, booking_id),
        )
        return
    await reminders.save_rating_comment(flow.session, user, booking_id, comment)
    await _end_comment(flow)
    await message.answer(t("rating-comment-saved"))


async def on_not_text(message: Message, flow: ClientFlow) -> None:
    booking_id = (await RATING.load(flow.state)).booking_id
    markup = skip_comment_keyboard(flow.t, booking_id) if booking_id is not None else None
    await message.answer(flow.t("rating-comment-text-only"), reply_markup=markup)


def create_router() -> Router:
    router = for_clients("reminders")
    router.callback_query.register(on_attend, Attend.filter())
    router.callback_query.register(on_rate, Rate.filter())
    router.callback_query.register(on_skip, SkipComment.filter())
    # Commands typed meanwhile go to their own handlers, not into the comment.
    router.message.register(on_comment, RatingComment.waiting, F.text, ~F.text.startswith("/"))
    router.message.register(on_not_text, RatingComment.waiting, ~F.text)
    return router
