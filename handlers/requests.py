"""Booking requests to therapists who confirm bookings first (`db.requests`).

Clients: send the request (with an optional note for the therapist), withdraw it, take or
refuse a time the therapist proposed. Therapists: accept, decline (with an optional
reason) or propose another time on the request card, and choose their confirmation mode
(/confirmations)."""

from __future__ import annotations

from datetime import date

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import when_html
from bot.i18n import Markup, Texts
from bot.rules.policy import Rules
from bot.rules.timezones import Clock
from db import bookings, catalog, requests, users
from db.models import Approval, BookingRequest, BookingStatus, RequestStatus, Therapist, User
from handlers.shared.cards import Catalog, slots_by_day
from handlers.shared.flow import ClientFlow
from handlers.shared.guards import for_clients, for_therapists
from handlers.shared.memory import REQUEST, RequestData
from handlers.shared.screens import screen_of, show, text_screen
from keyboards.catalog import find_others_keyboard
from keyboards.requests import (
    ApprovalMode,
    ProposalRefuse,
    ProposalTake,
    RequestAnswer,
    RequestDecline,
    RequestNote,
    RequestPropose,
    RequestProposeDay,
    RequestSend,
    RequestWithdraw,
    approval_keyboard,
    decline_keyboard,
    propose_keyboard,
)


class Requesting(StatesGroup):
    note = State()  # the client types a note for the therapist


# -- the client ----------------------------------------------------------------------------


async def _screen_again(cards: Catalog, slot_id: int, note: str | None) -> bool:
    """The request's confirmation for the time, with the note; False when it is gone."""
    view = await bookings.slot_for_booking(cards.session, slot_id)
    if view is None:
        return False
    text, markup = cards.request_screen(view, note)
    await cards.bot.send_message(cards.chat_id, text, reply_markup=markup)
    return True


async def on_note(
    callback: CallbackQuery, callback_data: RequestNote, cards: Catalog, t: Texts
) -> None:
    """«Добавить записку»: the next text is the note (up to NOTE_LIMIT characters)."""
    await callback.answer()
    kept = await REQUEST.load(cards.state)
    # A note belongs to the time it was written for: never carried to another one.
    note = kept.note if kept.slot_id == callback_data.slot_id else None
    await REQUEST.save(cards.state, RequestData(slot_id=callback_data.slot_id, note=note))
    await cards.state.set_state(Requesting.note)
    await cards.bot.send_message(cards.chat_id, t("request-note-ask", limit=requests.NOTE_LIMIT))


async def on_note_text(message: Message, cards: Catalog, t: Texts) -> None:
    text = (message.text or "").strip()
    if len(text) > requests.NOTE_LIMIT:
        # Nothing is cut: the client shortens their own words (still in the chat above).
        await message.answer(t("request-note-long", limit=requests.NOTE_LIMIT, length=len(text)))
        return
    kept = await REQUEST.load(cards.state)
    await cards.state.set_state(None)
    await REQUEST.save(cards.state, RequestData(slot_id=kept.slot_id, note=text or None))
    if not await _screen_again(cards, kept.slot_id, text or None):
        await message.answer(t("book-unavailable"))


async def on_note_other(message: Message, t: Texts) -> None:
    await message.answer(t("request-note-text-only", limit=requests.NOTE_LIMIT))


async def on_send(
    callback: CallbackQuery,
    callback_data: RequestSend,
    cards: Catalog,
    flow: ClientFlow,
) -> None:
    user = flow.user
    kept = await REQUEST.load(cards.state)
    note = kept.note if kept.slot_id == callback_data.slot_id else None
    questionnaire = await users.get_questionnaire(flow.session, user)
    request = await requests.ask(
        flow.session,
        client=user,
        slot_id=callback_data.slot_id,
        format=questionnaire.format if questionnaire else "individual",
        note=note,
        rules=cards.rules,
        now=cards.clock.now(),
    )
    await callback.answer()
    await REQUEST.clear(cards.state)
    if await cards.state.get_state() == Requesting.note.state:
        # Sent without the note asked for: the next text is no longer one.
        await cards.state.set_state(None)
    await cards.request_sent(request, edit=text_screen(screen_of(callback)))


async def on_withdraw(
    callback: CallbackQuery, callback_data: RequestWithdraw, flow: ClientFlow, clock: Clock
) -> None:
    t = flow.t
    await requests.withdraw(
        flow.session, client=flow.user, request_id=callback_data.request_id, now=clock.now()
    )
    await callback.answer()
    await flow.display(t("request-withdrawn"), None, text_screen(screen_of(callback)))


async def on_proposal_take(
    callback: CallbackQuery, callback_data: ProposalTake, cards: Catalog, flow: ClientFlow
) -> None:
    booking = await requests.take_proposal(
        flow.session,
        client=flow.user,
        request_id=callback_data.request_id,
        rules=cards.rules,
        now=cards.clock.now(),
    )
    await callback.answer()
    await cards.booked(booking, edit=text_screen(screen_of(callback)))


async def on_proposal_refuse(
    callback: CallbackQuery, callback_data: ProposalRefuse, flow: ClientFlow, clock: Clock
) -> None:
    t = flow.t
    request = await requests.refuse_proposal(
        flow.session, client=flow.user, request_id=callback_data.request_id, now=clock.now()
    )
    await callback.answer()
    await flow.display(
        t("proposal-refused"),
        find_others_keyboard(t, request.therapist_id),
        text_screen(screen_of(callback)),
    )


# -- the therapist -----------------------------------------------------------------------


async def _card_line(
    t: Texts, session: AsyncSession, request: BookingRequest, therapist: Therapist
) -> Markup:
    client = await session.get(User, request.client_id)
    name = (client.first_name if client and client.deleted_at is None else None) or "—"
    start = request.proposed_starts_at or request.starts_at
    return Markup(
        t("request-card-short", client=name, when=when_html(t, start, therapist.timezone))
    )


async def _on_card(
    callback: CallbackQuery,
    session: AsyncSession,
    t: Texts,
    request: BookingRequest,
    therapist: Therapist,
    key: str,
    markup: InlineKeyboardMarkup | None = None,
    **values: str,
) -> None:
    """The request card (the button's screen) becomes what happened, or what to pick."""
    assert callback.bot is not None
    line = await _card_line(t, session, request, therapist)
    text = t(key, card=line, **values)
    edit = text_screen(screen_of(callback))
    await show(callback.bot, therapist.telegram_id or 0, text, markup, edit=edit)


async def _pending(
    callback: CallbackQuery, session: AsyncSession, t: Texts, therapist_id: int, request_id: int
) -> tuple[BookingRequest, Therapist] | None:
    """The therapist's own request that still waits for their answer; else they are told."""
    request = await requests.therapist_request(session, therapist_id, request_id)
    therapist = await session.get(Therapist, therapist_id)
    assert therapist is not None
    if request is None or request.status != RequestStatus.pending:
        await callback.answer(t("request-gone-therapist"), show_alert=True)
        return None
    return request, therapist


async def on_answer(
    callback: CallbackQuery,
    callback_data: RequestAnswer,
    therapist_id: int,
    session: AsyncSession,
    t: Texts,
    clock: Clock,
    rules: Rules,
) -> None:
    found = await _pending(callback, session, t, therapist_id, callback_data.request_id)
    if found is None:
        return
    request, therapist = found
    if callback_data.action == "decline":
        await callback.answer()
        markup = decline_keyboard(t, request.id)
        await _on_card(callback, session, t, request, therapist, "request-decline-why", markup)
        return
    if callback_data.action == "propose":
        await callback.answer()
        await _show_propose(callback, session, t, clock, rules, therapist, request, None)
        return
    booking = await requests.accept(
        session,
        therapist_id=therapist_id,
        request_id=request.id,
        rules=rules,
        now=clock.now(),
    )
    await callback.answer()
    paid = booking.status == BookingStatus.pending_payment
    key = "request-accepted-pay" if paid else "request-accepted"
    await _on_card(callback, session, t, request, therapist, key)


async def _show_propose(
    callback: CallbackQuery,
    session: AsyncSession,
    t: Texts,
    clock: Clock,
    rules: Rules,
    therapist: Therapist,
    request: BookingRequest,
    day: date | None,
) -> None:
    earliest, latest = rules.booking_window(clock.now())
    free = (await catalog.free_slots(session, [therapist.id], earliest, latest)).get(
        therapist.id, []
    )
    by_day = slots_by_day(free, therapist.timezone)
    chosen = day if day in by_day else None
    markup = propose_keyboard(
        t,
        request.id,
        days=list(by_day),
        chosen_day=chosen,
        times=by_day.get(chosen, []) if chosen else [],
    )
    key = "request-propose-pick" if by_day else "request-propose-none"
    await _on_card(callback, session, t, request, therapist, key, markup, zone=therapist.timezone)


async def on_propose_day(
    callback: CallbackQuery,
    callback_data: RequestProposeDay,
    therapist_id: int,
    session: AsyncSession,
    t: Texts,
    clock: Clock,
    rules: Rules,
) -> None:
    found = await _pending(callback, session, t, therapist_id, callback_data.request_id)
    if found is None:
        return
    request, therapist = found
    await callback.answer()
    await _show_propose(callback, session, t, clock, rules, therapist, request, callback_data.day)


async def on_propose(
    callback: CallbackQuery,
    callback_data: RequestPropose,
    therapist_id: int,
    session: AsyncSession,
    t: Texts,
    clock: Clock,
    rules: Rules,
) -> None:
    therapist = await session.get(Therapist, therapist_id)
    assert therapist is not None
    request = await requests.propose(
        session,
        therapist_id=therapist_id,
        request_id=callback_data.request_id,
        slot_id=callback_data.slot_id,
        rules=rules,
        now=clock.now(),
    )
    await callback.answer()
    await _on_card(callback, session, t, request, therapist, "request-proposed")


async def on_decline(
    callback: CallbackQuery,
    callback_data: RequestDecline,
    therapist_id: int,
    session: AsyncSession,
    t: Texts,
    clock: Clock,
) -> None:
    therapist = await session.get(Therapist, therapist_id)
    assert therapist is not None
    reason = None if callback_data.reason == "none" else callback_data.reason
    request = await requests.decline(
        session,
        therapist_id=therapist_id,
        request_id=callback_data.request_id,
        reason=reason,
        now=clock.now(),
    )
    await callback.answer()
    await _on_card(callback, session, t, request, therapist, "request-declined-therapist")


async def _show_approval(
    bot: Bot, session: AsyncSession, t: Texts, therapist_id: int, edit: Message | None
) -> None:
    """The therapist's confirmation mode, the current one marked."""
    therapist = await session.get(Therapist, therapist_id)
    assert therapist is not None
    text = t("approval-title", current=t(f"approval-{therapist.approval}"))
    markup = approval_keyboard(t, therapist.approval)
    await show(bot, therapist.telegram_id or 0, text, markup, edit=edit)


async def on_confirmations(
    message: Message, bot: Bot, therapist_id: int, session: AsyncSession, t: Texts
) -> None:
    await _show_approval(bot, session, t, therapist_id, None)


async def on_mode(
    callback: CallbackQuery,
    callback_data: ApprovalMode,
    bot: Bot,
    therapist_id: int,
    session: AsyncSession,
    t: Texts,
) -> None:
    await requests.set_approval(session, therapist_id, Approval(callback_data.mode))
    await callback.answer(t("approval-saved"))
    await _show_approval(bot, session, t, therapist_id, text_screen(screen_of(callback)))


async def on_not_a_therapist(callback: CallbackQuery, t: Texts) -> None:
    """A request card's or the confirmation mode's button from someone who is not a linked
    therapist."""
    await callback.answer(t("tbooking-not-yours"), show_alert=True)


def create_router() -> Router:
    router = Router(name="requests")
    clients = for_clients("requests")
    clients.callback_query.register(on_note, RequestNote.filter())
    clients.message.register(on_note_text, StateFilter(Requesting.note), F.text)
    clients.message.register(on_note_other, StateFilter(Requesting.note))
    clients.callback_query.register(on_send, RequestSend.filter())
    clients.callback_query.register(on_withdraw, RequestWithdraw.filter())
    clients.callback_query.register(on_proposal_take, ProposalTake.filter())
    clients.callback_query.register(on_proposal_refuse, ProposalRefuse.filter())
    therapists = for_therapists("requests")
    therapists.message.register(on_confirmations, Command("confirmations"))
    therapists.callback_query.register(on_answer, RequestAnswer.filter())
    therapists.callback_query.register(on_propose_day, RequestProposeDay.filter())
    therapists.callback_query.register(on_propose, RequestPropose.filter())
    therapists.callback_query.register(on_decline, RequestDecline.filter())
    therapists.callback_query.register(on_mode, ApprovalMode.filter())
    others = Router(name="requests.others")
    for button in (RequestAnswer, RequestDecline, RequestProposeDay, RequestPropose, ApprovalMode):
        others.callback_query.register(on_not_a_therapist, button.filter())
    router.include_routers(therapists, clients, others)
    return router
