"""Matched therapist cards with free times, and booking a time in two taps."""

from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.types import (
    CallbackQuery,
)

from bot.formatting import local_name, money, when_html
from bot.i18n import Texts
from db import bookings, requests, users
from db.models import Therapist
from handlers.shared.cards import Catalog, caption, settle
from handlers.shared.guards import for_clients
from handlers.shared.memory import REQUEST, RequestData
from handlers.shared.refusals import tell
from handlers.shared.screens import TEXT_LIMIT, screen_of, show, text_screen
from keyboards.catalog import (
    BookSlot,
    CardDay,
    CardMore,
    CardPage,
    FindOthers,
    Relax,
    SlotPick,
    confirm_keyboard,
)

# -- buttons -----------------------------------------------------------------------------
# Every handler here takes `cards`, which is None before consent (the middleware in
# `handlers` builds it only for a person with a profile).


async def on_page(
    callback: CallbackQuery, callback_data: CardPage | CardDay, cards: Catalog, t: Texts
) -> None:
    listing = await cards.listing()
    prefs = await cards.preferences()
    reachable = len(listing.ids) + (0 if listing.complete else 1)
    if prefs is None or callback_data.v != listing.v or not 0 <= callback_data.index < reachable:
        await callback.answer(t("catalog-refreshed"))
        await cards.open()
        return
    # The answer goes out first; the next card is read and built while it travels.
    answering = asyncio.ensure_future(callback.answer())
    try:
        listing, index = await cards.reach(listing, callback_data.index, prefs)
    except BaseException:
        await settle(answering)
        raise
    day = callback_data.day if isinstance(callback_data, CardDay) else None
    await cards.show(listing, index, prefs, day=day, edit=screen_of(callback), answering=answering)


async def on_more(
    callback: CallbackQuery, callback_data: CardMore, cards: Catalog, t: Texts
) -> None:
    therapist = await cards.session.get(Therapist, callback_data.therapist_id) if cards else None
    if therapist is None or not therapist.active:
        await callback.answer(t("stale-button-short"))
        return
    await callback.answer()
    text, _ = caption(t, therapist, (0, 0), TEXT_LIMIT)
    await cards.bot.send_message(cards.chat_id, text)


async def on_relax(callback: CallbackQuery, callback_data: Relax, cards: Catalog, t: Texts) -> None:
    await callback.answer()
    await cards.relax(callback_data.kind)
    await cards.open(notice=t("catalog-relaxed"))


async def _tell_and_refresh(
    callback: CallbackQuery,
    cards: Catalog,
    error: bookings.BookingError,
    therapist_id: int | None = None,
) -> None:
    """Say why, and when the time is gone, show fresh times (of the same therapist)."""
    text = await tell(callback, cards.t, error)
    if isinstance(error, bookings.ClientBusy | bookings.OutsideRules):
        return
    await cards.open(notice=text, focus=therapist_id)


async def on_slot(
    callback: CallbackQuery, callback_data: SlotPick, cards: Catalog, t: Texts
) -> None:
    user, settings = cards.user, cards.settings
    questionnaire = await users.get_questionnaire(cards.session, user)
    try:
        view = await bookings.check_bookable(
            cards.session,
            callback_data.slot_id,
            user,
            cards.rules,
            cards.clock.now(),
            format=questionnaire.format if questionnaire else None,
        )
    except bookings.BookingError as error:
        await _tell_and_refresh(callback, cards, error)
        return
    await callback.answer()
    therapist = view.therapist
    if await requests.needs_approval(cards.session, therapist, user):
        # The therapist answers first: a request, with an optional note.
        await REQUEST.save(cards.state, RequestData(slot_id=view.slot.id))
        text, markup = cards.request_screen(view, None)
        await cards.bot.send_message(cards.chat_id, text, reply_markup=markup)
        return
    text = t(
        "slot-confirm",
        name=local_name(therapist, t.language),
        when=when_html(t, view.slot.starts_at, user.timezone),
        zone=user.timezone,
        minutes=therapist.session_minutes,
        price=money(therapist.price),
        hours=settings.free_cancel_hours,
    )
    if view.credits and cards.rules.paid:
        text += "\n" + t("slot-confirm-package", count=view.credits)
    await cards.bot.send_message(
        cards.chat_id, text, reply_markup=confirm_keyboard(t, view.slot.id)
    )


async def on_book(
    callback: CallbackQuery,
    callback_data: BookSlot,
    cards: Catalog,
    t: Texts,
) -> None:
    session, user = cards.session, cards.user
    questionnaire = await users.get_questionnaire(session, user)
    view = await bookings.slot_for_booking(session, callback_data.slot_id, client_id=user.id)
    therapist_id = view.therapist.id if view else None
    if view is not None and await requests.needs_approval(session, view.therapist, user):
        # The therapist started confirming bookings since this screen was shown.
        await callback.answer()
        await REQUEST.save(cards.state, RequestData(slot_id=view.slot.id))
        text, markup = cards.request_screen(view, None)
        await show(cards.bot, cards.chat_id, text, markup, edit=text_screen(screen_of(callback)))
        return
    try:
        booking = await bookings.book(
            session,
            client=user,
            slot_id=callback_data.slot_id,
            format=questionnaire.format if questionnaire else "individual",
            rules=cards.rules,
            now=cards.clock.now(),
            hold=cards.rules.payment_hold,
            view=view,
        )
    except bookings.ClientBusy:
        mine = await bookings.active_bookings_of(session, user)
        if any(booking.slot_id == callback_data.slot_id for booking in mine):
            await callback.answer(t("book-already"))
            return
        raise
    except bookings.BookingError as error:  # and then fresh times
        await _tell_and_refresh(callback, cards, error, therapist_id)
        return
    await callback.answer()
    await cards.booked(booking, edit=text_screen(screen_of(callback)))


async def on_find_others(
    callback: CallbackQuery, callback_data: FindOthers, cards: Catalog
) -> None:
    """After a therapist declined or did not answer: the matches without them."""
    await callback.answer()
    await cards.exclude(callback_data.therapist_id)
    await cards.open()


def create_router() -> Router:
    router = for_clients("catalog")
    router.callback_query.register(on_find_others, FindOthers.filter())
    router.callback_query.register(on_page, CardPage.filter())
    router.callback_query.register(on_page, CardDay.filter())
    router.callback_query.register(on_more, CardMore.filter())
    router.callback_query.register(on_relax, Relax.filter())
    router.callback_query.register(on_slot, SlotPick.filter())
    router.callback_query.register(on_book, BookSlot.filter())
    return router
