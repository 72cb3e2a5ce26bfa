"""The client's cabinet (/my): upcoming sessions, moving, cancelling, history, and changing
therapist. Every button carries a booking id, which is untrusted: each handler loads the
booking as this client's own (`db.bookings.own_booking`) and checks the rules again."""

from __future__ import annotations

import math
from datetime import date, datetime

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.formatting import local_name, money, when_html, when_text
from bot.i18n import Markup, Texts
from bot.rules.pattern import SHIFT_DAYS
from bot.rules.policy import CancelTerms, Rules
from bot.rules.timezones import Clock
from db import (
    bookings,
    catalog,
    couples,
    groups,
    outcomes,
    packages,
    payments,
    requests,
    series,
    series_changes,
    series_move,
    users,
    waitlist,
)
from db.models import Booking, BookingStatus, Therapist
from handlers.shared.cards import (
    Catalog,
    cancel_list,
    has_portrait,
    payment_state,
    portrait,
    remember_portrait,
    send_calendar_file,
    slots_by_day,
    week_url,
)
from handlers.shared.flow import ClientFlow
from handlers.shared.guards import NOT_COMMAND, for_clients
from handlers.shared.memory import CHANGE, ChangeData
from handlers.shared.notices import money_line
from handlers.shared.packages import package_line, refund_lines
from handlers.shared.refusals import tell
from handlers.shared.screens import screen_of
from handlers.shared.series import series_pattern
from keyboards.cabinet import (
    CabinetAction,
    CabinetItem,
    CancelAsk,
    CancelConfirm,
    ChangeCancel,
    ChangeReason,
    HistoryPage,
    MoveConfirm,
    MoveDay,
    MovePick,
    OpenBooking,
    booking_keyboard,
    cabinet_keyboard,
    cancel_keyboard,
    change_cancel_keyboard,
    change_reason_keyboard,
    history_keyboard,
    move_confirm_keyboard,
    move_keyboard,
)
from keyboards.catalog import week_button
from keyboards.couples import end_button, invite_button, shared_button
from keyboards.menu import MenuAction, MenuItem
from keyboards.packages import PackageRefund, offers_button, refund_keyboard
from keyboards.requests import withdraw_button
from keyboards.series import (
    SeriesCancelScope,
    move_scope_keyboard,
    open_series_button,
    series_buttons,
    start_button,
)
from keyboards.waitlist import wait_button, waits_button

HISTORY_PAGE = 5
UPCOMING_SHOWN = 8


async def current_therapist(flow: ClientFlow, upcoming: list[Booking]) -> Therapist | None:
    """The client's current therapist (`db.users.current_therapists`), from their
    upcoming sessions (soonest first) when they have any."""
    if upcoming:
        return upcoming[0].therapist
    found = (await users.latest_therapists(flow.session, [flow.user.id])).get(flow.user.id)
    return None if found is None else await flow.session.get(Therapist, found)


def _label(
    t: Texts,
    booking: Booking,
    timezone: str,
    titles: dict[int, str] | None = None,
    *,
    html: bool = False,
) -> str:
    """A session's time, marked when it belongs to a regular time; a group's seat named
    by its group (`titles`: by date id). A button's label is plain text; `html` makes
    the message's line, with the time as a `date_time` entity."""
    say = t if html else t.plain
    when = (when_html if html else when_text)(t, booking.starts_at, timezone)
    if booking.group_date_id is not None and titles:
        when = say("cabinet-seat", title=titles.get(booking.group_date_id, ""), when=when)
    elif booking.series_id is not None:
        when = say("series-mark", when=when)
    return Markup(when) if html else when


async def home(flow: ClientFlow, clock: Clock, *, edit: Message | None = None) -> None:
    t, user = flow.t, flow.user
    assert user is not None
    await _stop_asking(flow)
    upcoming = (await bookings.upcoming_of(flow.session, user, clock.now()))[:UPCOMING_SHOWN]
    # A group's therapist is not the client's own: the cabinet's therapist is the one of
    # their own sessions.
    therapist = await current_therapist(
        flow, [booking for booking in upcoming if booking.group_date_id is None]
    )
    titles = await groups.titles(
        flow.session, [b.group_date_id for b in upcoming if b.group_date_id is not None]
    )
    regular = await series.series_of(flow.session, user, clock.now())
    patterns = [
        (view.series.id, series_pattern(t, view.series, view.therapist, flow.timezone))
        for view in regular
    ]
    lines = [t("cabinet-title"), ""]
    if therapist is not None:
        lines.append(t("cabinet-therapist", name=local_name(therapist, t.language)))
    lines += [t("cabinet-series", pattern=pattern) for _, pattern in patterns]
    asked = await requests.open_of(flow.session, user)
    withdraws = []
    for request in asked:
        asked_of = await flow.session.get(Therapist, request.therapist_id)
        assert asked_of is not None
        start = request.proposed_starts_at or request.starts_at
        lines.append(
            t(
                f"cabinet-request-{request.status}",
                name=local_name(asked_of, t.language),
                when=when_html(t, start, flow.timezone),
            )
        )
        label = t.plain("cabinet-request-withdraw", when=when_text(t, start, flow.timezone))
        withdraws.append(withdraw_button(t, request.id, label))
    waits = await waitlist.waiting_of(flow.session, user)
    if waits:
        names = ", ".join(local_name(item.therapist, t.language) for item in waits)
        lines.append(t("cabinet-waiting", names=names))
    held = await packages.holdings(flow.session, user.id, clock.now())
    lines += [package_line(t, item, flow.timezone) for item in held]
    extra = []
    couple = await couples.current(flow.session, user.id)
    if couple is not None and couple.partner_id == user.id:
        # The partner's side of a couple: the booker's couple sessions, theirs to attend.
        shared = await couples.shared_sessions(flow.session, user, clock.now())
        lines.append(t("cabinet-shared", zone=flow.timezone))
        for booking in shared:
            line = _label(t, booking, flow.timezone, html=True)
            lines.append(t("cabinet-shared-line", when=line))
            extra.append(shared_button(t, booking.id, _label(t, booking, flow.timezone)))
        extra.append(end_button(t))
    if therapist is not None and await packages.offers_for(flow.session, therapist):
        extra.append(offers_button(t, therapist.id))
    if (url := week_url(flow.settings)) is not None:
        extra.append(week_button(t, url))  # the Mini App: the week, «Мои сессии»
    waiting = [*withdraws, *([waits_button(t, len(waits))] if waits else [])]
    if (
        therapist is not None
        and therapist.active
        and all(item.therapist.id != therapist.id for item in waits)
    ):
        waiting.append(wait_button(t, therapist.id))
    if upcoming:
        lines.append(t("cabinet-upcoming", zone=flow.timezone))
        lines += [
            t(
                "cabinet-line",
                when=_label(t, booking, flow.timezone, titles, html=True),
                status=t(f"status-{booking.status}"),
            )
            for booking in upcoming
        ]
        lines += ["", t("cabinet-pick")]
    else:
        lines.append(t("cabinet-none"))
    text = "\n".join(lines)
    markup = cabinet_keyboard(
        t,
        [(b.id, _label(t, b, flow.timezone, titles)) for b in upcoming],
        has_therapist=therapist is not None,
        therapist_id=therapist.id if therapist is not None else None,
        series=series_buttons(t, patterns),
        waiting=waiting,
        extra=extra,
    )
    if edit is None and therapist is not None and has_portrait(therapist):
        sent = await flow.bot.send_photo(
            flow.chat_id, portrait(therapist), caption=text, reply_markup=markup
        )
        await remember_portrait(flow.session, therapist, sent)
        return
    await flow.display(text, markup, edit)


async def on_menu_my(callback: CallbackQuery, flow: ClientFlow, clock: Clock) -> None:
    await callback.answer()
    await home(flow, clock)


async def on_my_command(message: Message, flow: ClientFlow, clock: Clock) -> None:
    await home(flow, clock)


async def on_cabinet(
    callback: CallbackQuery,
    callback_data: CabinetAction,
    flow: ClientFlow,
    clock: Clock,
) -> None:
    await callback.answer()
    if callback_data.action == CabinetItem.change:
        # The reason is a chip, after the client's own words if they write any.
        await CHANGE.clear(flow.state)
        await flow.state.set_state(Changing.reason)
        await flow.display(
            flow.t("change-why", limit=outcomes.NOTE_LIMIT),
            change_reason_keyboard(flow.t),
            screen_of(callback),
        )
        return
    await home(flow, clock, edit=screen_of(callback))


# -- one booking -------------------------------------------------------------------------


async def _active_booking(
    callback: CallbackQuery, flow: ClientFlow, clock: Clock, booking_id: int
) -> Booking | None:
    """The client's own active booking; otherwise the client is told, and sees the cabinet."""
    booking = await bookings.own_booking(flow.session, flow.user, booking_id)
    if booking is None or booking.status not in (
        BookingStatus.pending_payment,
        BookingStatus.confirmed,
    ):
        await callback.answer(flow.t("refusal-gone"), show_alert=True)
        await home(flow, clock, edit=screen_of(callback))
        return None
    return booking


async def on_open_booking(
    callback: CallbackQuery,
    callback_data: OpenBooking,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
) -> None:
    booking = await _active_booking(callback, flow, clock, callback_data.booking_id)
    if booking is None:
        return
    await callback.answer()
    t = flow.t
    therapist = booking.therapist
    seat = await groups.seat_of(flow.session, booking)
    if seat is not None:
        await _seat_screen(callback, flow, clock, booking, seat)
        return
    lines = [
        t(
            "booking-title",
            when=when_html(t, booking.starts_at, flow.timezone),
            zone=flow.timezone,
            name=local_name(therapist, t.language),
            minutes=therapist.session_minutes,
            price=money(booking.price),
            status=t(f"status-{booking.status}"),
        ),
        t("booking-moves-left", count=max(settings.max_reschedules - booking.reschedule_count, 0)),
        payment_state(
            t, booking, await payments.payment_of(flow.session, booking.id), flow.timezone
        ),
    ]
    payable = _payable(booking, clock.now())
    extra, cancel = None, None
    regular = await series.series_of_booking(flow.session, booking)
    if regular is not None:
        pattern = series_pattern(t, regular, therapist, flow.timezone)
        lines.append(t("booking-series", pattern=pattern))
        extra = open_series_button(t, regular.id)
        cancel = SeriesCancelScope(booking_id=booking.id)
    elif booking.starts_at > clock.now():
        extra = start_button(t, booking.id)
    partner_button = None
    if booking.format == couples.COUPLE:
        # A couple session: who shares it, or a link for the partner to join.
        partner = await couples.partner_of(flow.session, flow.user.id)
        if partner is not None:
            lines.append(t("booking-partner", name=partner.first_name or ""))
            partner_button = end_button(t)
        elif booking.starts_at > clock.now():
            partner_button = invite_button(t, booking.id)
    markup = booking_keyboard(
        t, booking.id, payable=payable, extra=extra, cancel=cancel, partner=partner_button
    )
    await flow.display("\n".join(lines), markup, screen_of(callback))


def _payable(booking: Booking, now: datetime) -> bool:
    """A hold that still lasts: its invoice can be paid."""
    return (
        booking.status == BookingStatus.pending_payment
        and booking.hold_expires_at is not None
        and booking.hold_expires_at > now
    )


async def _seat_screen(
    callback: CallbackQuery, flow: ClientFlow, clock: Clock, booking: Booking, seat: groups.Seat
) -> None:
    """A group's seat: its group and date, how many seats are taken (never by whom), the
    payment; it is cancelled, never moved."""
    t = flow.t
    lines = [
        t(
            "booking-seat-title",
            title=seat.group.title,
            name=local_name(booking.therapist, t.language),
            when=when_html(t, booking.starts_at, flow.timezone),
            zone=flow.timezone,
            minutes=seat.group.minutes,
            price=money(booking.price),
            status=t(f"status-{booking.status}"),
            taken=seat.date.taken,
            capacity=seat.date.capacity,
        ),
        payment_state(
            t, booking, await payments.payment_of(flow.session, booking.id), flow.timezone
        ),
    ]
    payable = _payable(booking, clock.now())
    markup = booking_keyboard(t, booking.id, payable=payable, movable=False)
    await flow.display("\n".join(lines), markup, screen_of(callback))


# -- moving ------------------------------------------------------------------------------


async def _movable(
    callback: CallbackQuery,
    flow: ClientFlow,
    clock: Clock,
    booking_id: int,
    rules: Rules,
) -> Booking | None:
    booking = await _active_booking(callback, flow, clock, booking_id)
    if booking is None:
        return None
    if booking.group_date_id is not None:  # a forged button: a seat is at its group's date
        raise bookings.SlotUnavailable("group-no-move")
    refusal = rules.can_reschedule(booking.starts_at, booking.reschedule_count, clock.now())
    if refusal is not None:
        raise bookings.OutsideRules(refusal, rules)
    return booking


async def on_move_day(
    callback: CallbackQuery,
    callback_data: MoveDay,
    flow: ClientFlow,
    clock: Clock,
    rules: Rules,
) -> None:
    booking = await _movable(callback, flow, clock, callback_data.booking_id, rules)
    if booking is None:
        return
    await callback.answer()
    await _show_move_days(flow, clock, booking, callback_data.day, screen_of(callback), rules)


async def _show_move_days(
    flow: ClientFlow,
    clock: Clock,
    booking: Booking,
    day: date | None,
    edit: Message | None,
    rules: Rules,
) -> None:
    t = flow.t
    earliest, latest = rules.booking_window(clock.now())
    free = await catalog.free_slots(flow.session, [booking.therapist_id], earliest, latest)
    by_day = slots_by_day(free.get(booking.therapist_id, []), flow.timezone)
    name = local_name(booking.therapist, t.language)
    if not by_day:
        markup = booking_keyboard(t, booking.id, payable=False)
        await flow.display(t("reschedule-none"), markup, edit)
        return
    chosen = day if day in by_day else None
    markup = move_keyboard(
        t,
        booking.id,
        days=list(by_day),
        chosen_day=chosen,
        times=by_day[chosen] if chosen else [],
    )
    await flow.display(t("reschedule-pick", name=name, zone=flow.timezone), markup, edit)


async def on_move_pick(
    callback: CallbackQuery,
    callback_data: MovePick,
    flow: ClientFlow,
    clock: Clock,
    rules: Rules,
) -> None:
    booking = await _movable(callback, flow, clock, callback_data.booking_id, rules)
    if booking is None:
        return
    view = await bookings.slot_for_booking(flow.session, callback_data.slot_id)
    if view is None or view.therapist.id != booking.therapist_id:
        await callback.answer(flow.t("book-unavailable"), show_alert=True)
        return
    await callback.answer()
    t = flow.t
    text = t(
        "reschedule-confirm",
        was=when_html(t, booking.starts_at, flow.timezone),
        when=when_html(t, view.slot.starts_at, flow.timezone),
        zone=flow.timezone,
    )
    markup = move_confirm_keyboard(t, booking.id, view.slot.id, booking.reschedule_count)
    regular = await series.series_of_booking(flow.session, booking)
    if regular is not None:
        # A regular session: only this one, or this and the following ones.
        near = series_move.can_shift(regular, booking, view.slot.starts_at, view.therapist)
        pattern = series_pattern(t, regular, view.therapist, flow.timezone)
        key = "series-move-scope" if near else "series-move-scope-far"
        text += "\n\n" + t(key, pattern=pattern, days=SHIFT_DAYS)
        markup = move_scope_keyboard(
            t, booking.id, view.slot.id, booking.reschedule_count, following=near
        )
    await flow.display(text, markup, screen_of(callback))


async def on_move_confirm(
    callback: CallbackQuery,
    callback_data: MoveConfirm,
    flow: ClientFlow,
    clock: Clock,
    rules: Rules,
) -> None:
    user, t = flow.user, flow.t
    before = await bookings.own_booking(flow.session, user, callback_data.booking_id)
    screen = screen_of(callback)
    try:
        booking = await bookings.reschedule(
            flow.session,
            client=user,
            booking_id=callback_data.booking_id,
            slot_id=callback_data.slot_id,
            rules=rules,
            now=clock.now(),
            expected_moves=callback_data.moves,
        )
    except bookings.BookingError as error:  # then the cabinet, or the times free now
        await tell(callback, flow.t, error)
        if isinstance(error, bookings.OutsideRules):
            return
        if isinstance(error, bookings.BookingGone | bookings.Conflict):
            await home(flow, clock, edit=screen)
            return
        if before is not None:
            await _show_move_days(flow, clock, before, None, screen, rules)
        return
    await callback.answer()
    when = when_html(t, booking.starts_at, flow.timezone)
    await flow.display(t("reschedule-done", when=when, zone=flow.timezone), None, screen)
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


# -- cancelling --------------------------------------------------------------------------


async def on_cancel_ask(
    callback: CallbackQuery,
    callback_data: CancelAsk,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    booking = await _active_booking(callback, flow, clock, callback_data.booking_id)
    if booking is None:
        return
    refusal = rules.can_cancel(booking.starts_at, clock.now())
    if refusal is not None:
        raise bookings.OutsideRules(refusal, rules)
    await callback.answer()
    t = flow.t
    view = await bookings.cancel_terms(
        flow.session, booking, bookings.CancelledBy.client, rules, clock.now()
    )
    key = "cancel-confirm-free" if view.terms == CancelTerms.free else "cancel-confirm-late"
    text = t(
        key,
        when=when_html(t, booking.starts_at, flow.timezone),
        zone=flow.timezone,
        hours=settings.free_cancel_hours,
    )
    money = money_line(t, view.money)
    if money:
        text += "\n" + money
    await flow.display(text, cancel_keyboard(t, booking.id), screen_of(callback))


async def on_cancel_confirm(
    callback: CallbackQuery,
    callback_data: CancelConfirm,
    flow: ClientFlow,
    clock: Clock,
    rules: Rules,
) -> None:
    booking = await _active_booking(callback, flow, clock, callback_data.booking_id)
    if booking is None:
        return
    try:
        done = await bookings.cancel(
            flow.session,
            booking=booking,
            by=bookings.CancelledBy.client,
            rules=rules,
            now=clock.now(),
        )
    except bookings.BookingGone as error:  # then the cabinet as it is now
        await tell(callback, flow.t, error)
        await home(flow, clock, edit=screen_of(callback))
        return
    await callback.answer()
    when = when_html(flow.t, done.booking.starts_at, flow.timezone)
    lines = [flow.t("cancel-done", when=when)]
    money = money_line(flow.t, done.money)
    if money:
        lines.append(money)
    await flow.display("\n".join(lines), None, screen_of(callback))
    if done.booking.confirmed_at is not None:
        # The client has the session's calendar file: this one takes it out again.
        await send_calendar_file(
            flow.bot,
            flow.session,
            flow.chat_id,
            flow.t,
            done.booking,
            done.booking.therapist,
            flow.timezone,
            clock.now(),
        )
    await home(flow, clock)


# -- history -----------------------------------------------------------------------------


async def on_history(
    callback: CallbackQuery, callback_data: HistoryPage, flow: ClientFlow, clock: Clock
) -> None:
    user, t = flow.user, flow.t
    if callback_data.page < 0:
        await callback.answer(t("stale-button-short"))
        return
    rows, total = await bookings.history_of(
        flow.session,
        user,
        clock.now(),
        offset=callback_data.page * HISTORY_PAGE,
        limit=HISTORY_PAGE,
    )
    pages = max(math.ceil(total / HISTORY_PAGE), 1)
    page = min(callback_data.page, pages - 1)
    if page != callback_data.page:
        rows, total = await bookings.history_of(
            flow.session, user, clock.now(), offset=page * HISTORY_PAGE, limit=HISTORY_PAGE
        )
    await callback.answer()
    lines = [t("history-title", zone=flow.timezone), ""]
    if not rows:
        lines.append(t("history-empty"))
    for booking in rows:
        # A confirmed session that is over counts as held until someone marks a no-show.
        status = booking.status
        if status == BookingStatus.confirmed:
            status = BookingStatus.completed
        lines.append(
            t(
                "history-line",
                when=when_html(t, booking.starts_at, flow.timezone),
                name=local_name(booking.therapist, t.language),
                status=t(f"status-{status}"),
            )
        )
    if pages > 1:
        lines += ["", t("history-page", page=page + 1, pages=pages)]
    await flow.display("\n".join(lines), history_keyboard(t, page, pages), screen_of(callback))


# -- changing therapist ------------------------------------------------------------------


class Changing(StatesGroup):
    reason = State()  # the client may write why they change therapist, in their own words


async def _stop_asking(flow: ClientFlow) -> None:
    """The question of why is over (answered, or the client went elsewhere): the next
    text is not an answer to it."""
    if await flow.state.get_state() == Changing.reason.state:
        await flow.state.set_state(None)


async def on_change_reason(
    callback: CallbackQuery,
    callback_data: ChangeReason,
    flow: ClientFlow,
    cards: Catalog,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    await _stop_asking(flow)
    words = (await CHANGE.load(flow.state)).words
    edit = screen_of(callback)
    if not await _leave(flow, cards, clock, settings, rules, callback_data.reason, words, edit):
        await callback.answer(flow.t("stale-button-short"))
        await home(flow, clock, edit=edit)
        return
    await callback.answer()


async def on_change_words(message: Message, flow: ClientFlow) -> None:
    """Why, in the client's own words: kept until a chip says the reason (nothing is
    decided by a text alone, so words typed much later change nothing by themselves);
    recorded with the rematch, never shown to the therapist they leave."""
    t = flow.t
    words = (message.text or "").strip()
    if len(words) > outcomes.NOTE_LIMIT:
        # Nothing is cut: the client shortens their own words (still in the chat above).
        await message.answer(t("change-words-long", limit=outcomes.NOTE_LIMIT, length=len(words)))
        return
    await CHANGE.save(flow.state, ChangeData(words=words or None))
    await flow.display(t("change-words-kept"), change_reason_keyboard(t))


async def on_change_not_words(message: Message, flow: ClientFlow) -> None:
    await message.answer(flow.t("change-words-text-only"))


async def _leave(
    flow: ClientFlow,
    cards: Catalog,
    clock: Clock,
    settings: Settings,
    rules: Rules,
    reason: str,
    note: str | None,
    edit: Message | None,
) -> bool:
    """The client leaves their current therapist for another one: recorded with why,
    then either the sessions booked with them are offered to cancel or the search opens
    without them. False when there is no current therapist (anymore)."""
    user, t = flow.user, flow.t
    upcoming = await bookings.upcoming_of(flow.session, user, clock.now())
    therapist = await current_therapist(flow, upcoming)
    if therapist is None:
        return False
    await outcomes.left_for_another(flow.session, user.id, therapist.id, reason, clock.now(), note)
    await cards.exclude(therapist.id)
    await CHANGE.save(flow.state, ChangeData(therapist.id, reason))  # the words are recorded
    with_old = await bookings.cancellable_of(
        flow.session, user, clock.now(), therapist_id=therapist.id
    )
    name = local_name(therapist, t.language)
    regular = [
        view
        for view in await series.series_of(flow.session, user, clock.now())
        if view.therapist.id == therapist.id
    ]
    if with_old:
        listed = await cancel_list(
            flow, with_old, bookings.CancelledBy.client, settings, clock.now(), rules
        )
        text = t("change-cancel-ask", count=len(with_old), name=name) + "\n\n" + listed
        text += "".join(
            "\n\n"
            + t(
                "series-change-ends",
                pattern=series_pattern(t, view.series, view.therapist, flow.timezone),
            )
            for view in regular
        )
        await flow.display(text, change_cancel_keyboard(t), edit)
        return True
    if regular:
        await series_changes.end_with(flow.session, user, therapist.id, clock.now())
    if await _ask_package_refund(flow, therapist, clock, [], edit):
        return True
    await flow.display(t("change-searching", name=name), None, edit)
    await cards.open()
    return True


async def _ask_package_refund(
    flow: ClientFlow, therapist: Therapist, clock: Clock, lines: list[str], edit: Message | None
) -> bool:
    """Leaving a therapist with a package of theirs: what is left of it, and whether to
    have it back (pro rata) or keep it; False when there is nothing left to ask about."""
    t = flow.t
    closing = await packages.closing_for(
        flow.session, flow.user.id, None, therapist_id=therapist.id
    )
    refunds = await refund_lines(t, flow.session, closing)
    if not refunds:
        return False
    text = "\n".join([*lines, t("package-refund-ask"), *refunds])
    await flow.display(text, refund_keyboard(t, therapist.id), edit)
    return True


async def on_package_refund(
    callback: CallbackQuery,
    callback_data: PackageRefund,
    flow: ClientFlow,
    cards: Catalog,
    clock: Clock,
) -> None:
    """What is left of a package with the therapist the client leaves: refunded pro rata,
    or kept. The button's therapist only narrows the presser's own packages."""
    t = flow.t
    await callback.answer()
    if callback_data.refund:
        closed = await packages.refund_unused(
            flow.session, flow.user.id, callback_data.therapist_id, clock.now()
        )
        lines = await refund_lines(t, flow.session, closed)
        text = "\n".join([t("package-refunded"), *lines]) if lines else t("package-refund-none")
    else:
        text = t("package-kept")
    await flow.display(text, None, screen_of(callback))
    await cards.open()


async def on_change_cancel(
    callback: CallbackQuery,
    callback_data: ChangeCancel,
    flow: ClientFlow,
    cards: Catalog,
    clock: Clock,
    rules: Rules,
) -> None:
    user, t = flow.user, flow.t
    change = await CHANGE.load(flow.state)
    if change.therapist_id is None:
        await callback.answer(t("stale-button-short"))
        return
    await callback.answer()
    await CHANGE.clear(flow.state)
    therapist = await flow.session.get(Therapist, change.therapist_id)
    lines = []
    if not callback_data.cancel and therapist is not None:
        # The booked sessions stay; a regular time with the old therapist ends.
        await series_changes.end_with(flow.session, user, therapist.id, clock.now())
    if callback_data.cancel and therapist is not None:
        cancelled = await bookings.cancel_upcoming(
            flow.session,
            user,
            by=bookings.CancelledBy.client,
            rules=rules,
            now=clock.now(),
            reason=f"change:{change.reason}",
            therapist_id=therapist.id,
        )
        lines.append(t("change-cancelled", count=len(cancelled)))
        lines += [line for item in cancelled if (line := money_line(t, item.money))]
    if therapist is not None and await _ask_package_refund(
        flow, therapist, clock, lines, screen_of(callback)
    ):
        return
    if therapist is not None:
        lines.append(t("change-searching", name=local_name(therapist, t.language)))
    await flow.display("\n".join(lines) or t("menu-title"), None, screen_of(callback))
    await cards.open()


def create_router() -> Router:
    router = for_clients("cabinet")
    router.message.register(on_my_command, Command("my"))
    router.callback_query.register(on_menu_my, MenuAction.filter(F.action == MenuItem.my))
    router.callback_query.register(on_cabinet, CabinetAction.filter())
    router.callback_query.register(on_open_booking, OpenBooking.filter())
    router.callback_query.register(on_move_day, MoveDay.filter())
    router.callback_query.register(on_move_pick, MovePick.filter())
    router.callback_query.register(on_move_confirm, MoveConfirm.filter())
    router.callback_query.register(on_cancel_ask, CancelAsk.filter())
    router.callback_query.register(on_cancel_confirm, CancelConfirm.filter())
    router.callback_query.register(on_history, HistoryPage.filter())
    router.callback_query.register(on_change_reason, ChangeReason.filter())
    router.message.register(on_change_words, StateFilter(Changing.reason), F.text, NOT_COMMAND)
    router.message.register(on_change_not_words, StateFilter(Changing.reason), NOT_COMMAND)
    router.callback_query.register(on_change_cancel, ChangeCancel.filter())
    router.callback_query.register(on_package_refund, PackageRefund.filter())
    return router
