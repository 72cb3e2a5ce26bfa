"""Couples in the chat: the booker invites their partner from a couple session's screen
(a one-time link), the partner opens it, gives their own consent (no questionnaire) and
joins and may give the name the therapist and the booker see (their Telegram name until
then); the partner's cabinet lists the shared sessions (`handlers.cabinet`), and the
partner may say they cannot come to one (`db.couples`)."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import BaseFilter, CommandObject, CommandStart
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
)

from bot.config import Settings
from bot.formatting import local_name, when_html
from bot.i18n import Texts
from bot.rules.refusals import Refused
from bot.rules.timezones import Clock
from bot.text import visible_name
from db import bookings, couples, users
from db.models import User
from handlers.shared.cards import send_calendar_file
from handlers.shared.flow import ClientFlow, Flow, show_where_you_are
from handlers.shared.guards import for_clients
from handlers.shared.screens import screen_of, set_buttons
from keyboards.cabinet import CabinetAction, CabinetItem
from keyboards.couples import (
    CoupleEnd,
    PartnerAccept,
    PartnerConsent,
    PartnerInvite,
    PartnerName,
    PartnerSkip,
    PartnerSkipAsk,
    consent_keyboard,
    name_keyboard,
    pick_keyboard,
    skip_keyboard,
)
from keyboards.messaging import write_therapist_button

LINK_PREFIX = "p_"
PICK_REQUEST = 1  # the user picker's request id: a partner
PARTNER_LINK = re.compile(r"p_[A-Za-z0-9_-]{16,43}")
NAME_LIMIT = 64


def _cabinet_button(flow: Flow) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=flow.t("cabinet-back"), callback_data=CabinetAction(action=CabinetItem.home).pack()
    )


async def on_invite(
    callback: CallbackQuery, callback_data: PartnerInvite, flow: ClientFlow, clock: Clock
) -> None:
    """A link for the partner, from one of the booker's couple sessions."""
    t = flow.t
    booking = await bookings.own_booking(flow.session, flow.user, callback_data.booking_id)
    if booking is None or booking.format != couples.COUPLE or booking.ends_at <= clock.now():
        await callback.answer(t("couple-session-gone"), show_alert=True)
        return
    try:
        code = await couples.invite(flow.session, flow.user, clock.now())
    except Refused as refused:
        await callback.answer(t(refused.key, **refused.values), show_alert=True)
        return
    await callback.answer()
    me = await flow.bot.me()
    link = f"https://t.me/{me.username}?start={LINK_PREFIX}{code}"
    await flow.bot.send_message(
        flow.chat_id,
        t("couple-invite-link", link=link, days=couples.INVITE_TTL.days),
        reply_markup=pick_keyboard(t, PICK_REQUEST),
    )


async def on_picked(message: Message, flow: ClientFlow, clock: Clock) -> None:
    """The partner picked in Telegram: invited with a button when they use the bot,
    otherwise the link is theirs to forward (nothing is kept of the person picked)."""
    t = flow.t
    shared = message.users_shared
    picked = shared.users[0] if shared is not None and shared.users else None
    if picked is None:
        await message.answer(t("couple-pick-closed"), reply_markup=ReplyKeyboardRemove())
        return
    try:
        partner = await couples.invite_known(flow.session, flow.user, picked.user_id, clock.now())
    except Refused as refused:
        await message.answer(t(refused.key), reply_markup=ReplyKeyboardRemove())
        return
    if partner is None:
        name = picked.first_name or t("couple-pick-someone")
        text = t("couple-pick-not-user", name=name)
    else:
        text = t("couple-pick-sent", name=partner.first_name or t("couple-pick-someone"))
    await message.answer(text, reply_markup=ReplyKeyboardRemove())


class PickNone(BaseFilter):
    """«Не нужно» under the user picker, in the reader's language."""

    async def __call__(self, message: Message, t: Texts) -> bool:
        return message.text == t("couple-pick-none")


async def on_pick_none(message: Message, flow: ClientFlow) -> None:
    await message.answer(flow.t("couple-pick-closed"), reply_markup=ReplyKeyboardRemove())


async def on_accept(
    callback: CallbackQuery, callback_data: PartnerAccept, flow: ClientFlow, clock: Clock
) -> None:
    """The answer of someone the booker picked; the id is checked to name them."""
    await callback.answer()
    await set_buttons(screen_of(callback), None)
    if not callback_data.agree:
        await flow.bot.send_message(flow.chat_id, flow.t("couple-accept-declined"))
        return
    await _join(flow, None, clock, partnership_id=callback_data.partnership_id)


async def on_link(message: Message, command: CommandObject, flow: Flow, clock: Clock) -> None:
    """`/start p_<code>`: a person with a profile joins at once; anyone else is asked for
    their consent first, the code travelling only in the buttons."""
    code = (command.args or "").removeprefix(LINK_PREFIX)
    t = flow.t
    booker = await couples.inviter(flow.session, code, clock.now())
    if booker is None:
        await show_where_you_are(flow, notice=t("couple-invite-gone"))
        return
    if isinstance(flow, ClientFlow):
        await _join(flow, code, clock)
        return
    await message.answer(
        t("couple-consent", name=booker.first_name or t("notice-client-erased")),
        reply_markup=consent_keyboard(t, code),
    )


async def on_consent(
    callback: CallbackQuery,
    callback_data: PartnerConsent,
    flow: Flow,
    settings: Settings,
    clock: Clock,
) -> None:
    t = flow.t
    await callback.answer()
    await set_buttons(screen_of(callback), None)
    if not callback_data.agree:
        if flow.user is None:
            await flow.forget()  # nothing is kept
        await flow.bot.send_message(flow.chat_id, t("consent-declined"))
        return
    user = flow.user
    if user is None:
        user = await users.register(
            flow.session,
            telegram_id=callback.from_user.id,
            language=t.language,
            timezone=settings.default_timezone,
            now=clock.now(),
        )
        if flow.telegram_name:
            await users.update_profile(flow.session, user, first_name=flow.telegram_name[:64])
    await _join(ClientFlow.of(flow, user), callback_data.code, clock)


async def _join(
    flow: ClientFlow, code: str | None, clock: Clock, *, partnership_id: int | None = None
) -> None:
    t = flow.t
    try:
        partnership = await couples.join(
            flow.session, code, flow.user, clock.now(), partnership_id=partnership_id
        )
    except Refused as refused:
        await show_where_you_are(flow, notice=t(refused.key, **refused.values))
        return
    booker = await flow.session.get_one(User, partnership.booker_id)
    shared = await couples.shared_sessions(flow.session, flow.user, clock.now())
    lines = [t("couple-joined", name=booker.first_name or "")]
    named = t("couple-name-now", name=flow.user.first_name or t("messaging-client-unnamed"))
    lines += [
        t(
            "couple-shared-line",
            when=when_html(t, booking.starts_at, flow.timezone),
            name=local_name(booking.therapist, t.language),
        )
        for booking in shared
    ]
    lines += ["", named]
    await flow.bot.send_message(flow.chat_id, "\n".join(lines), reply_markup=name_keyboard(t))
    for booking in shared:  # each session for their own calendar
        await send_calendar_file(
            flow.bot,
            flow.session,
            flow.chat_id,
            t,
            booking,
            booking.therapist,
            flow.timezone,
            clock.now(),
        )
    await show_where_you_are(flow)


async def on_skip_ask(
    callback: CallbackQuery, callback_data: PartnerSkipAsk, flow: ClientFlow, clock: Clock
) -> None:
    """A shared session: when, with whom, and «Я не смогу прийти»."""
    t = flow.t
    shared = await couples.shared_sessions(flow.session, flow.user, clock.now())
    booking = next((b for b in shared if b.id == callback_data.booking_id), None)
    if booking is None:
        await callback.answer(t("couple-session-gone"), show_alert=True)
        return
    await callback.answer()
    booker = await couples.booker_of(flow.session, flow.user)
    text = t(
        "couple-shared-screen",
        when=when_html(t, booking.starts_at, flow.timezone),
        zone=flow.timezone,
        name=local_name(booking.therapist, t.language),
        booker=(booker.first_name if booker else None) or "",
    )
    markup = skip_keyboard(t, booking.id, _cabinet_button(flow))
    markup.inline_keyboard.insert(1, [write_therapist_button(t, booking.therapist_id)])
    await flow.display(text, markup, screen_of(callback))


async def on_skip(
    callback: CallbackQuery, callback_data: PartnerSkip, flow: ClientFlow, clock: Clock
) -> None:
    t = flow.t
    try:
        booking = await couples.skip(flow.session, flow.user, callback_data.booking_id, clock.now())
    except Refused as refused:
        await callback.answer(t(refused.key), show_alert=True)
        return
    await callback.answer()
    when = when_html(t, booking.starts_at, flow.timezone)
    text = t("couple-skipped", when=when)
    markup = skip_keyboard(t, booking.id, _cabinet_button(flow))
    markup.inline_keyboard.pop(0)  # said once; only the way back stays
    await flow.display(text, markup, screen_of(callback))


async def on_end(
    callback: CallbackQuery, callback_data: CoupleEnd, flow: ClientFlow, clock: Clock
) -> None:
    """Ending the couple: asked once more, then the other one is told."""
    t = flow.t
    if not callback_data.confirmed:
        if await couples.current(flow.session, flow.user.id) is None:
            await callback.answer(t("couple-end-none"), show_alert=True)
            return
        await callback.answer()
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=t("couple-end-yes"),
                        callback_data=CoupleEnd(confirmed=True).pack(),
                        style="danger",
                    )
                ],
                [_cabinet_button(flow)],
            ]
        )
        await flow.display(t("couple-end-ask"), markup, screen_of(callback))
        return
    ended = await couples.end(flow.session, flow.user, clock.now())
    await callback.answer()
    text = t("couple-ended") if ended else t("couple-end-none")
    await flow.display(
        text, InlineKeyboardMarkup(inline_keyboard=[[_cabinet_button(flow)]]), screen_of(callback)
    )


class PartnerNaming(StatesGroup):
    name = State()


async def on_name_change(callback: CallbackQuery, flow: ClientFlow) -> None:
    """The partner's own name, as the therapist and the booker read it (their Telegram
    name until they type another). Only a partner has it (the button is untrusted)."""
    if await couples.booker_of(flow.session, flow.user) is None:
        await callback.answer(flow.t.plain("stale-button-short"), show_alert=True)
        return
    await callback.answer()
    await flow.state.set_state(PartnerNaming.name)
    await flow.bot.send_message(flow.chat_id, flow.t("couple-name-ask", limit=NAME_LIMIT))


async def on_name_typed(message: Message, flow: ClientFlow) -> None:
    name = visible_name(message.text or "")
    if not name or len(name) > NAME_LIMIT:
        await message.answer(flow.t("couple-name-invalid", limit=NAME_LIMIT))
        return
    await users.update_profile(flow.session, flow.user, first_name=name)
    await flow.state.set_state(None)
    await message.answer(flow.t("couple-name-saved", name=name))


async def on_name_not_text(message: Message, flow: ClientFlow) -> None:
    await message.answer(flow.t("couple-name-invalid", limit=NAME_LIMIT))


def create_router() -> Router:
    router = Router(name="couples")
    link = CommandStart(deep_link=True, magic=F.args.regexp(PARTNER_LINK, mode="fullmatch"))
    router.message.register(on_link, link)
    router.callback_query.register(on_consent, PartnerConsent.filter())
    clients = for_clients("couples")
    clients.callback_query.register(on_invite, PartnerInvite.filter())
    clients.message.register(on_picked, F.users_shared.request_id == PICK_REQUEST)
    clients.message.register(on_pick_none, PickNone())
    clients.callback_query.register(on_accept, PartnerAccept.filter())
    clients.callback_query.register(on_end, CoupleEnd.filter())
    clients.callback_query.register(on_skip_ask, PartnerSkipAsk.filter())
    clients.callback_query.register(on_skip, PartnerSkip.filter())
    clients.callback_query.register(on_name_change, PartnerName.filter())
    # Commands go through while the name is asked for, as at every typed step.
    clients.message.register(on_name_typed, PartnerNaming.name, F.text, ~F.text.startswith("/"))
    clients.message.register(on_name_not_text, PartnerNaming.name, ~F.text)
    router.include_router(clients)
    return router
