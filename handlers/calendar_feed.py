"""A therapist's private calendar feed: `/calendar` in the therapist menu gives a secret
URL that calendar apps subscribe to (served by `bot.web`), «Новая ссылка» replaces it (the
old URL stops working at once). Events carry the client's chosen first name only."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import FEED_ROUTE, SessionEvent, feed_ics
from bot.config import Settings
from bot.formatting import local_name
from bot.i18n import Texts, Translator
from bot.rules.calendar import booking_uid, group_date_uid
from db import calendar_feed
from db.models import BookingStatus, Therapist
from handlers.shared.guards import for_therapists
from handlers.shared.screens import screen_of, show

# How far back the feed reaches: recent sessions stay visible in the calendar.
FEED_PAST = timedelta(days=30)


class FeedRenew(CallbackData, prefix="fr"):
    pass


def feed_url(settings: Settings, token: str) -> str:
    return settings.calendar_feed_base + FEED_ROUTE.format(token=token)


def _renew_keyboard(t: Texts) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=t("calendar-feed-renew"), callback_data=FeedRenew().pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def on_calendar(
    message: Message, t: Texts, session: AsyncSession, therapist_id: int, settings: Settings
) -> None:
    if not settings.calendar_feed_base:
        await message.answer(t("calendar-feed-off"))
        return
    if await calendar_feed.has_token(session, therapist_id):
        # Only a digest is kept: the link given before cannot be shown again.
        await message.answer(t("calendar-feed-exists"), reply_markup=_renew_keyboard(t))
        return
    token = await calendar_feed.new_token(session, therapist_id)
    await message.answer(
        t("calendar-feed-link", url=feed_url(settings, token)), reply_markup=_renew_keyboard(t)
    )


async def on_renew(
    callback: CallbackQuery,
    bot: Bot,
    t: Texts,
    session: AsyncSession,
    therapist_id: int,
    settings: Settings,
) -> None:
    if not settings.calendar_feed_base:
        await callback.answer(t("calendar-feed-off"), show_alert=True)
        return
    token = await calendar_feed.new_token(session, therapist_id)
    await callback.answer(t("calendar-feed-renewed"))
    text = t("calendar-feed-link", url=feed_url(settings, token))
    await show(bot, callback.from_user.id, text, _renew_keyboard(t), edit=screen_of(callback))


async def on_not_a_therapist(callback: CallbackQuery, t: Texts) -> None:
    await callback.answer(t("tbooking-not-yours"), show_alert=True)


async def render_feed(
    session: AsyncSession,
    therapist: Therapist,
    translator: Translator,
    settings: Settings,
    now: datetime,
) -> bytes:
    """The therapist's sessions from a month ago on, in their language and zone. An .ics
    file is plain text (icalendar escapes what iCalendar needs): names go in as typed
    (`t.plain`), never HTML-escaped like a message's."""
    t = translator.for_language(therapist.language or settings.default_language)
    events = []
    for item in await calendar_feed.sessions_of(session, therapist.id, now - FEED_PAST):
        booking = item.booking
        client = item.client_first_name or t.plain("notice-client-erased")
        events.append(
            SessionEvent(
                uid=booking_uid(booking.id),
                sequence=item.sequence,
                title=t.plain("calendar-feed-event", client=client),
                description=t.plain(
                    "calendar-feed-event-about", format=t.plain(f"format-{booking.format}")
                ),
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                status="TENTATIVE"
                if booking.status == BookingStatus.pending_payment
                else "CONFIRMED",
            )
        )
    for meeting in await calendar_feed.meetings_of(session, therapist.id, now - FEED_PAST):
        events.append(
            SessionEvent(
                uid=group_date_uid(meeting.date.id),
                sequence=0,
                title=t.plain("calendar-feed-group", title=meeting.title),
                description=t.plain(
                    "calendar-feed-group-about",
                    taken=meeting.members,
                    capacity=meeting.date.capacity,
                ),
                starts_at=meeting.date.starts_at,
                ends_at=meeting.date.ends_at,
                status="CONFIRMED",
            )
        )
    events.sort(key=lambda event: event.starts_at)
    name = t.plain("calendar-feed-name", name=local_name(therapist, t.language))
    return feed_ics(name=name, timezone=therapist.timezone, events=events, stamp=now)


def create_router() -> Router:
    router = Router(name="calendar_feed")
    therapists = for_therapists("calendar_feed")
    therapists.message.register(on_calendar, Command("calendar"))
    therapists.callback_query.register(on_renew, FeedRenew.filter())
    others = Router(name="calendar_feed.others")
    others.callback_query.register(on_not_a_therapist, FeedRenew.filter())
    router.include_routers(therapists, others)
    return router
