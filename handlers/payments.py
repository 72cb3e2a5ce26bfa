"""Telegram Payments: the invoice, pre-checkout, the successful payment, refunds, and the
guard that keeps card numbers out of the chat. Card data never reaches the bot: the card
is typed into Telegram's own form and handled by Telegram and the payment provider."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import CopyMessage
from aiogram.types import (
    CallbackQuery,
    Message,
    PreCheckoutQuery,
    TelegramObject,
    Update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.formatting import day_html, local_name, when_html
from bot.i18n import Markup, Texts, Translator
from bot.notify import Outgoing
from bot.rules.packages import expires_at as valid_until
from bot.rules.payments import Price, looks_like_card_number
from bot.rules.policy import Rules
from bot.rules.timezones import Clock
from db import bookings, groups, packages
from db.models import BookingStatus, Therapist, User
from handlers.shared import checkins as checkin_offers
from handlers.shared.cards import Catalog, send_calendar_file
from handlers.shared.flow import ClientFlow, Flow
from handlers.shared.guards import for_clients
from handlers.shared.invoices import booking_id_of, package_of, send_invoice
from keyboards.packages import find_button
from keyboards.payments import PayBooking

log = logging.getLogger(__name__)


class PaySupport(StatesGroup):
    waiting = State()


# A command is never a question: it belongs to the bot (see `on_paysupport_command`).
COMMAND = F.text.regexp(r"^/[A-Za-z]")


# -- the card-number guard ---------------------------------------------------------------


class CardNumberGuard(BaseMiddleware):
    """A message that looks like a card number is deleted, answered and goes no further:
    no handler, no conversation state, no relay and no log ever sees it."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        message = event.message if isinstance(event, Update) else None
        if message is None or not (
            looks_like_card_number(message.text) or looks_like_card_number(message.caption)
        ):
            return await handler(event, data)
        bot: Bot = data["bot"]
        t: Texts = data["t"]
        try:
            await bot.delete_message(message.chat.id, message.message_id)
        except TelegramBadRequest:
            # Too old, or a chat where the bot may not delete: the warning still goes out.
            log.info("could not delete a card-like message in chat %s", message.chat.id)
        await bot.send_message(message.chat.id, t("card-number-warning"))
        return None


async def on_pay(
    callback: CallbackQuery,
    callback_data: PayBooking,
    flow: ClientFlow,
    settings: Settings,
    clock: Clock,
) -> None:
    """The cabinet's "Pay" button: a fresh invoice while the hold lasts."""
    t, user = flow.t, flow.user
    booking = await bookings.own_booking(flow.session, user, callback_data.booking_id)
    if booking is None or booking.status != BookingStatus.pending_payment:
        await callback.answer(t("pay-gone"), show_alert=True)
        return
    if booking.hold_expires_at is None or booking.hold_expires_at <= clock.now():
        await callback.answer(t("pay-expired"), show_alert=True)
        return
    await callback.answer()
    seat = await groups.seat_of(flow.session, booking)
    await send_invoice(
        flow.bot,
        flow.chat_id,
        t,
        booking,
        booking.therapist,
        user,
        settings,
        group=seat.group.title if seat else None,
    )


# -- pre-checkout and payment ------------------------------------------------------------


async def on_pre_checkout(
    query: PreCheckoutQuery,
    session: AsyncSession,
    t: Texts,
    user: User | None,
    settings: Settings,
    clock: Clock,
) -> None:
    """Answered within Telegram's 10 seconds: yes only for this client's live hold at the
    invoiced price, or a package still offered at its price."""
    bought = package_of(query.invoice_payload)
    if bought is not None:
        await _package_pre_checkout(query, session, t, user, settings, *bought)
        return
    booking_id = booking_id_of(query.invoice_payload)
    booking = (
        await bookings.own_booking(session, user, booking_id)
        if user is not None and booking_id is not None
        else None
    )
    if booking is None or booking.status != BookingStatus.pending_payment:
        await query.answer(ok=False, error_message=t("pay-gone"))
        return
    if booking.hold_expires_at is None or booking.hold_expires_at <= clock.now():
        await query.answer(ok=False, error_message=t("pay-expired"))
        return
    await _answer_for(query, t, settings.invoice_price(booking.price))


async def _answer_for(query: PreCheckoutQuery, t: Texts, price: Price) -> None:
    """Yes only for the amount and currency the invoice asked."""
    if (query.total_amount, query.currency) != (price.amount, price.currency):
        await query.answer(ok=False, error_message=t("pay-mismatch"))
        return
    await query.answer(ok=True)


async def _refund_unmatched(
    message: Message, t: Texts, session: AsyncSession, now: datetime
) -> None:
    """Money for something we cannot match goes back (the admins see the charge ids)."""
    paid = message.successful_payment
    assert paid is not None and message.from_user is not None
    log.error("payment %s matches nothing of its payer", paid.telegram_payment_charge_id)
    money = await bookings.refund_unmatched(
        session,
        payer_telegram_id=message.from_user.id,
        amount=paid.total_amount,
        currency=paid.currency,
        telegram_charge_id=paid.telegram_payment_charge_id,
        provider_charge_id=paid.provider_payment_charge_id,
        now=now,
    )
    if money is not bookings.MoneyBack.nothing:
        await message.answer(t(f"pay-unmatched-{money}"))


async def on_successful_payment(
    message: Message,
    flow: Flow,
    cards: Catalog | None,
    settings: Settings,
    rules: Rules,
    clock: Clock,
) -> None:
    paid = message.successful_payment
    user, t = flow.user, flow.t
    assert paid is not None and message.from_user is not None
    bought = package_of(paid.invoice_payload)
    if bought is not None and user is not None:
        await _package_paid(message, flow, user, settings, clock, *bought)
        return
    booking_id = booking_id_of(paid.invoice_payload)
    booking = (
        await bookings.own_booking(flow.session, user, booking_id)
        if user is not None and booking_id is not None
        else None
    )
    if user is None or booking is None:
        await _refund_unmatched(message, t, flow.session, clock.now())
        return
    settled = await bookings.settle(
        flow.session,
        booking=booking,
        payer_telegram_id=message.from_user.id,
        amount=paid.total_amount,
        currency=paid.currency,
        telegram_charge_id=paid.telegram_payment_charge_id,
        provider_charge_id=paid.provider_payment_charge_id,
        price=settings.invoice_price(booking.price),
        rules=rules,
        now=clock.now(),
    )
    if settled.outcome is bookings.Settled.duplicate:
        # Delivered again, or handled again after its process stopped before telling the
        # client: say where they stand, not just that the money counted.
        if settled.booking.status == BookingStatus.confirmed:
            therapist = settled.booking.therapist
            await message.answer(
                t(
                    "pay-duplicate-booked",
                    name=local_name(therapist, t.language),
                    when=when_html(t, settled.booking.starts_at, user.timezone),
                    zone=user.timezone,
                    minutes=therapist.session_minutes,
                )
            )
        else:
            await message.answer(t("pay-duplicate"))
        return
    if settled.outcome in (
        bookings.Settled.lost,
        bookings.Settled.mismatch,
        bookings.Settled.twice,
    ):
        await message.answer(t(f"pay-{settled.outcome}-{settled.money}"))
        if cards is not None and settled.outcome is bookings.Settled.lost:
            await cards.open(focus=booking.therapist_id)
        return
    therapist = booking.therapist
    when = when_html(t, booking.starts_at, user.timezone)
    await message.answer(
        f"{t('pay-confirmed')}\n\n"
        + t(
            "book-done-paid",
            name=local_name(therapist, t.language),
            when=when,
            zone=user.timezone,
            minutes=therapist.session_minutes,
        )
    )
    await send_calendar_file(
        flow.bot, flow.session, flow.chat_id, t, booking, therapist, user.timezone, clock.now()
    )
    await checkin_offers.after_booking(flow.bot, flow.session, flow.chat_id, t, user, clock.now())


# -- packages ----------------------------------------------------------------------------


async def _package_pre_checkout(
    query: PreCheckoutQuery,
    session: AsyncSession,
    t: Texts,
    user: User | None,
    settings: Settings,
    package_id: int,
    therapist_id: int,
) -> None:
    offer = await packages.offer(session, package_id, therapist_id) if user else None
    if offer is None:
        await query.answer(ok=False, error_message=t("package-gone"))
        return
    await _answer_for(query, t, settings.invoice_price(offer.price))


async def _package_paid(
    message: Message,
    flow: Flow,
    user: User,
    settings: Settings,
    clock: Clock,
    package_id: int,
    therapist_id: int,
) -> None:
    """A package paid: its credits recorded once (the charge id is unique). Money for a
    package no longer offered at that price goes back, as any payment that matches
    nothing."""
    paid = message.successful_payment
    assert paid is not None and message.from_user is not None
    t, now = flow.t, clock.now()
    offer = await packages.offer(flow.session, package_id, therapist_id)
    asked = settings.invoice_price(offer.price) if offer else None
    if asked is None or (paid.total_amount, paid.currency) != (asked.amount, asked.currency):
        await _refund_unmatched(message, t, flow.session, now)
        return
    assert offer is not None
    purchase = await packages.record_purchase(
        flow.session,
        client_id=user.id,
        therapist_id=offer.therapist_id,
        package_id=offer.package_id,
        sessions=offer.sessions,
        amount=paid.total_amount,
        currency=paid.currency,
        telegram_charge_id=paid.telegram_payment_charge_id,
        provider_charge_id=paid.provider_payment_charge_id,
        expires_at=valid_until(now, offer.weeks),
        now=now,
    )
    if purchase is None:
        await message.answer(t("pay-duplicate"))
        return
    therapist = await flow.session.get_one(Therapist, offer.therapist_id)
    text = t(
        "package-bought",
        sessions=offer.sessions,
        name=local_name(therapist, t.language),
        until=day_html(t, purchase.expires_at, user.timezone),
    )
    await message.answer(text, reply_markup=find_button(t))


# -- payment state in the cabinet -------------------------------------------------------


# -- payment support ---------------------------------------------------------------------


async def on_paysupport(message: Message, flow: Flow, settings: Settings) -> None:
    await flow.state.set_state(PaySupport.waiting)
    await message.answer(flow.t("paysupport", hours=settings.free_cancel_hours))


async def on_paysupport_cancel(message: Message, flow: Flow) -> None:
    """/cancel or /stop while the bot waits for the question: nothing is passed on."""
    await flow.state.set_state(None)
    await message.answer(flow.t("paysupport-cancelled"))


async def on_paysupport_command(message: Message, flow: Flow) -> None:
    """Another command while the bot waits for the question. The bot's own commands were
    taken by the routers before this one and worked as usual (the wait goes on, as in the
    writing mode of `handlers.messaging`); what reaches this point no router knows (/done,
    a typo): a hint, and the bot still waits for the question."""
    await message.answer(flow.t("paysupport-command"))


async def on_paysupport_question(
    message: Message, flow: Flow, settings: Settings, translator: Translator, outgoing: Outgoing
) -> None:
    await flow.state.set_state(None)
    assert message.from_user is not None
    admin_t = translator.for_language(settings.default_language)
    name = (flow.user.first_name if flow.user else None) or message.from_user.first_name
    contact = Markup(
        f'<a href="tg://user?id={message.from_user.id}">'
        f"{html.escape(admin_t('paysupport-contact'))}</a>"
    )
    for admin in sorted(settings.admin_ids):
        await outgoing.send_message(
            admin, admin_t("paysupport-admin", client=name, contact=contact)
        )
        await outgoing.call(
            CopyMessage(chat_id=admin, from_chat_id=message.chat.id, message_id=message.message_id)
        )
    await message.answer(flow.t("paysupport-sent"))


def create_router() -> Router:
    router = Router(name="payments")
    router.pre_checkout_query.register(on_pre_checkout)
    router.message.register(on_successful_payment, F.successful_payment)
    router.message.register(on_paysupport, Command("paysupport"))
    router.message.register(on_paysupport_cancel, PaySupport.waiting, Command("cancel", "stop"))
    router.message.register(on_paysupport_command, PaySupport.waiting, COMMAND)
    router.message.register(on_paysupport_question, PaySupport.waiting)
    clients = for_clients("payments")
    clients.callback_query.register(on_pay, PayBooking.filter())
    router.include_router(clients)
    return router
