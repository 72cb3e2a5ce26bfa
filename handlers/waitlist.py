"""The waitlist: «Сообщить, когда освободится время» on a therapist's card and in the
cabinet, the client's waits, and the answer to an offered time (`db.offers`)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from bot.config import Settings
from bot.formatting import day_label, local_name
from bot.i18n import Texts
from bot.rules.policy import WAIT_DAYS, Rules
from bot.rules.timezones import Clock, zone
from db import bookings, offers, users, waitlist
from db.models import BookingRequest, Therapist, WaitlistEntry
from handlers.shared.cards import Catalog
from handlers.shared.flow import ClientFlow
from handlers.shared.guards import for_clients
from handlers.shared.refusals import tell
from handlers.shared.screens import screen_of, text_screen
from keyboards.cabinet import CabinetAction, CabinetItem
from keyboards.menu import MenuAction, MenuItem
from keyboards.waitlist import (
    DAYS,
    TIMES,
    Days,
    OfferDecline,
    OfferTake,
    Times,
    WaitEdit,
    WaitFor,
    WaitJoin,
    WaitLeave,
    WaitList,
    wait_keyboard,
    waits_button,
    waits_keyboard,
)


def _menu_button(t: Texts) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("btn-menu"), callback_data=MenuAction(action=MenuItem.menu).pack()
    )


def _cabinet_button(t: Texts) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("cabinet-back"), callback_data=CabinetAction(action=CabinetItem.home).pack()
    )


def wish_text(t: Texts, days: str, time: str) -> str:
    return t("wait-wish", days=t(f"days-{days}"), time=t(f"time-{time}"))


async def _therapist(
    callback: CallbackQuery, flow: ClientFlow, therapist_id: int
) -> Therapist | None:
    therapist = await flow.session.get(Therapist, therapist_id)
    if therapist is None or not therapist.active:
        await callback.answer(flow.t("wait-unavailable"), show_alert=True)
        return None
    return therapist


async def _show_choice(
    flow: ClientFlow,
    therapist: Therapist,
    days: Days,
    time: Times,
    settings: Settings,
    edit: Message | None,
) -> None:
    t = flow.t
    text = t(
        "wait-title",
        name=local_name(therapist, t.language),
        minutes=settings.waitlist_offer_minutes,
        wish=wish_text(t, days, time),
        zone=flow.timezone,
    )
    markup = wait_keyboard(t, therapist.id, days, time, back=_menu_button(t))
    await flow.display(text, markup, edit)


async def on_wait_for(
    callback: CallbackQuery, callback_data: WaitFor, flow: ClientFlow, settings: Settings
) -> None:
    """From a card or the cabinet: the days and time of the wait that goes on, else the
    questionnaire's, to change before choosing how long to wait."""
    therapist = await _therapist(callback, flow, callback_data.therapist_id)
    if therapist is None:
        return
    await callback.answer()
    entry = await waitlist.waiting_for(flow.session, flow.user, therapist.id)
    questionnaire = await users.get_questionnaire(flow.session, flow.user)
    source = entry or questionnaire
    days: Days = "any"
    time: Times = "any"
    for value in DAYS:
        if source is not None and source.days == value:
            days = value
    for moment in TIMES:
        if source is not None and source.time_of_day == moment:
            time = moment
    # A new screen under the card, which stays as it was.
    await _show_choice(flow, therapist, days, time, settings, None)


async def on_wait_edit(
    callback: CallbackQuery, callback_data: WaitEdit, flow: ClientFlow, settings: Settings
) -> None:
    therapist = await _therapist(callback, flow, callback_data.therapist_id)
    if therapist is None:
        return
    await callback.answer()
    await _show_choice(
        flow, therapist, callback_data.days, callback_data.time, settings, screen_of(callback)
    )


async def on_wait_join(
    callback: CallbackQuery,
    callback_data: WaitJoin,
    flow: ClientFlow,
    clock: Clock,
    rules: Rules,
) -> None:
    t = flow.t
    if callback_data.wait not in WAIT_DAYS:  # a forged length: the short stale answer
        await callback.answer(t("stale-button-short"))
        return
    questionnaire = await users.get_questionnaire(flow.session, flow.user)
    entry = await offers.join(
        flow.session,
        client=flow.user,
        therapist_id=callback_data.therapist_id,
        days=callback_data.days,
        time_of_day=callback_data.time,
        wait_days=callback_data.wait,
        format=questionnaire.format if questionnaire else "individual",
        rules=rules,
        now=clock.now(),
    )
    await callback.answer(t("wait-joined-short"))
    therapist = await flow.session.get(Therapist, entry.therapist_id)
    assert therapist is not None
    text = t(
        "wait-joined",
        name=local_name(therapist, t.language),
        wish=wish_text(t, entry.days, entry.time_of_day),
        until=_until(t, entry, flow.timezone),
    )
    count = len(await waitlist.waiting_of(flow.session, flow.user))
    markup = waits_keyboard(t, [], back=_menu_button(t))
    markup.inline_keyboard.insert(0, [waits_button(t, count)])
    await flow.display(text, markup, screen_of(callback))


def _until(t: Texts, entry: WaitlistEntry, timezone: str) -> str:
    return day_label(t, entry.until.astimezone(zone(timezone)).date())


async def show_waits(flow: ClientFlow, edit: Message | None, notice: str | None = None) -> None:
    t = flow.t
    waits = await waitlist.waiting_of(flow.session, flow.user)
    lines = [notice, ""] if notice else []
    if waits:
        lines.append(t("waits-title"))
        lines += [
            t(
                "waits-line",
                name=local_name(item.therapist, t.language),
                wish=wish_text(t, item.entry.days, item.entry.time_of_day),
                until=_until(t, item.entry, flow.timezone),
            )
            for item in waits
        ]
    else:
        lines.append(t("waits-none"))
    markup = waits_keyboard(
        t,
        [(item.entry.id, local_name(item.therapist, t.language)) for item in waits],
        back=_cabinet_button(t),
    )
    await flow.display("\n".join(lines), markup, edit)


async def on_waits(callback: CallbackQuery, flow: ClientFlow) -> None:
    await callback.answer()
    await show_waits(flow, text_screen(screen_of(callback)))


async def on_leave(
    callback: CallbackQuery,
    callback_data: WaitLeave,
    flow: ClientFlow,
    clock: Clock,
    rules: Rules,
) -> None:
    left = await offers.leave_waiting(
        flow.session,
        client=flow.user,
        entry_id=callback_data.entry_id,
        rules=rules,
        now=clock.now(),
    )
    text = flow.t("waits-left" if left else "waits-gone")
    await callback.answer(text)
    await show_waits(flow, text_screen(screen_of(callback)), notice=text)


async def on_take(
    callback: CallbackQuery, callback_data: OfferTake, cards: Catalog, flow: ClientFlow
) -> None:
    """«Записаться» under an offered time: booked (or held with its invoice) in one tap."""
    t = flow.t
    questionnaire = await users.get_questionnaire(flow.session, flow.user)
    try:
        booking = await offers.take(
            flow.session,
            client=flow.user,
            offer_id=callback_data.offer_id,
            format=questionnaire.format if questionnaire else "individual",
            rules=cards.rules,
            now=cards.clock.now(),
        )
    except (offers.OfferGone, bookings.SlotTaken, bookings.SlotUnavailable) as error:
        # The offer's time is gone: the offer's message says so too.
        text = await tell(callback, t, error)
        await flow.display(text, None, text_screen(screen_of(callback)))
        return
    await callback.answer()
    if isinstance(booking, BookingRequest):
        # The therapist confirms this client's booking first: the time waits for them.
        await cards.request_sent(booking, edit=text_screen(screen_of(callback)))
        return
    await cards.booked(booking, edit=text_screen(screen_of(callback)))


async def on_decline(
    callback: CallbackQuery,
    callback_data: OfferDecline,
    flow: ClientFlow,
    clock: Clock,
    rules: Rules,
) -> None:
    declined = await offers.decline(
        flow.session,
        client=flow.user,
        offer_id=callback_data.offer_id,
        rules=rules,
        now=clock.now(),
    )
    text = flow.t("offer-declined" if declined else "offer-gone")
    await callback.answer()
    await flow.display(text, None, text_screen(screen_of(callback)))


def create_router() -> Router:
    router = for_clients("waitlist")
    router.callback_query.register(on_wait_for, WaitFor.filter())
    router.callback_query.register(on_wait_edit, WaitEdit.filter())
    router.callback_query.register(on_wait_join, WaitJoin.filter())
    router.callback_query.register(on_waits, WaitList.filter())
    router.callback_query.register(on_leave, WaitLeave.filter())
    router.callback_query.register(on_take, OfferTake.filter())
    router.callback_query.register(on_decline, OfferDecline.filter())
    return router
