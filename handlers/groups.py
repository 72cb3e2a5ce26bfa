"""Group sessions. Clients: the groups that fit their questionnaire («👥 Группы» in the
menu), a group's card with its dates and seats taken (never who took them),
a seat booked like any session (held while paying, with its invoice), the waiting list of
a full date, and a seat kept for them when one comes free. Therapists: one of their dates
from /schedule with its members, and calling it off. Writing to every member is in
`handlers.messaging`; the catalogue commands are the admins' and the therapists' `/groups`
(`handlers.admin.groups`)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.formatting import local_name, money, when_html, when_text
from bot.i18n import Texts
from bot.rules.policy import Rules
from bot.rules.refusals import Refused
from bot.rules.timezones import Clock
from db import groups
from db.models import Booking, BookingStatus, Therapist
from handlers.shared import group_catalogue
from handlers.shared.cards import send_calendar_file
from handlers.shared.flow import ClientFlow
from handlers.shared.guards import for_clients, for_therapists
from handlers.shared.invoices import hold_text, send_invoice
from handlers.shared.refusals import tell
from handlers.shared.screens import screen_of, show
from keyboards.groups import (
    GroupDateCancel,
    GroupDateView,
    GroupOffer,
    GroupOpen,
    GroupSeat,
    GroupWaiting,
    cancel_date_keyboard,
    confirm_keyboard,
    dates_keyboard,
    list_keyboard,
    therapist_date_keyboard,
)
from keyboards.menu import MenuAction, MenuItem

# -- clients -------------------------------------------------------------------------------


async def _list(
    flow: ClientFlow,
    rules: Rules,
    clock: Clock,
    *,
    notice: str | None = None,
    edit: Message | None = None,
) -> None:
    t = flow.t
    found = await groups.fitting(flow.session, flow.user, rules=rules, now=clock.now())
    lines = [notice, ""] if notice else []
    if not found:
        lines.append(t("group-list-empty"))
        await flow.display("\n".join(lines), list_keyboard(t, []), edit)
        return
    lines += [t("group-list-title"), ""]
    buttons = []
    for view in found:
        free = sum(date.capacity - date.taken for date in view.dates)
        lines.append(
            t(
                "group-list-line",
                title=view.group.title,
                name=local_name(view.therapist, t.language),
                price=money(view.group.price),
                next=when_html(t, view.dates[0].starts_at, flow.timezone),
                free=free,
            )
        )
        buttons.append((view.group.id, view.group.title))
    lines += ["", t("group-list-zone", zone=flow.timezone)]
    await flow.display("\n".join(lines), list_keyboard(t, buttons), edit)


async def on_menu_groups(
    callback: CallbackQuery, flow: ClientFlow, rules: Rules, clock: Clock
) -> None:
    await callback.answer()
    await _list(flow, rules, clock, edit=screen_of(callback))


async def _card(
    flow: ClientFlow,
    rules: Rules,
    clock: Clock,
    group_id: int,
    *,
    notice: str | None = None,
    edit: Message | None = None,
) -> bool:
    """A group's card: what it is, and its dates with the seats taken; False when it is
    not offered any more (closed, or no date ahead). The list shows only groups that fit
    the questionnaire; a card reached by its id is the practice's public description."""
    t = flow.t
    found = await groups.views(flow.session, rules=rules, now=clock.now(), group_id=group_id)
    if not found:
        return False
    view = found[0]
    mine = await groups.seats_of(flow.session, flow.user, [date.id for date in view.dates])
    dates = []
    for date in view.dates:
        state = mine.get(date.id) or ("full" if date.full else "free")
        dates.append(
            (
                date.id,
                t.plain(
                    f"group-date-{state}",
                    when=when_text(t, date.starts_at, flow.timezone),
                    taken=date.taken,
                    capacity=date.capacity,
                ),
                state,
            )
        )
    text = t(
        "group-card",
        title=view.group.title,
        name=local_name(view.therapist, t.language),
        about=view.group.description or "—",
        minutes=view.group.minutes,
        price=money(view.group.price),
        capacity=view.group.capacity,
        zone=flow.timezone,
    )
    if notice:
        text = f"{notice}\n\n{text}"
    await flow.display(text, dates_keyboard(t, dates), edit)
    return True


async def on_open(
    callback: CallbackQuery, callback_data: GroupOpen, flow: ClientFlow, rules: Rules, clock: Clock
) -> None:
    screen = screen_of(callback)
    if callback_data.group_id == 0:
        await callback.answer()
        await _list(flow, rules, clock, edit=screen)
        return
    if not await _card(flow, rules, clock, callback_data.group_id, edit=screen):
        await callback.answer(flow.t("group-gone"), show_alert=True)
        await _list(flow, rules, clock, edit=screen)
        return
    await callback.answer()


async def _after_refusal(
    callback: CallbackQuery,
    flow: ClientFlow,
    rules: Rules,
    clock: Clock,
    date_id: int,
    refusal: Refused,
) -> None:
    """Say why, and show the group's dates as they are now (or the list, when it is gone)."""
    text = await tell(callback, flow.t, refusal)
    group_id = await groups.group_of_date(flow.session, date_id)
    if group_id is None or not await _card(flow, rules, clock, group_id, notice=text):
        await _list(flow, rules, clock, notice=text)


async def on_seat(
    callback: CallbackQuery,
    callback_data: GroupSeat,
    flow: ClientFlow,
    rules: Rules,
    clock: Clock,
    settings: Settings,
) -> None:
    t = flow.t
    if callback_data.step == "ask":
        found = await groups.date_view(flow.session, callback_data.date_id)
        if found is None or found.group.closed_at is not None or found.date.cancelled_at:
            await _after_refusal(
                callback, flow, rules, clock, callback_data.date_id, groups.GroupGone()
            )
            return
        await callback.answer()
        text = t(
            "group-confirm",
            title=found.group.title,
            name=local_name(found.therapist, t.language),
            when=when_html(t, found.date.starts_at, flow.timezone),
            zone=flow.timezone,
            minutes=found.group.minutes,
            price=money(found.group.price),
            hours=settings.free_cancel_hours,
            taken=found.date.taken,
            capacity=found.date.capacity,
        )
        markup = confirm_keyboard(t, found.date.id, found.group.id)
        await flow.display(text, markup, screen_of(callback))
        return
    try:
        booking = await groups.book_seat(
            flow.session,
            client=flow.user,
            date_id=callback_data.date_id,
            rules=rules,
            now=clock.now(),
            hold=rules.payment_hold,
        )
    except Refused as refusal:  # full (the waiting list is on the card), gone, busy
        await _after_refusal(callback, flow, rules, clock, callback_data.date_id, refusal)
        return
    await callback.answer()
    await seat_taken(flow, booking, settings, clock, edit=screen_of(callback))


async def seat_taken(
    flow: ClientFlow, booking: Booking, settings: Settings, clock: Clock, *, edit: Message | None
) -> None:
    """After a seat is booked: "booked" and the calendar file, or the hold and its
    invoice (the seat is confirmed once paid)."""
    t, user = flow.t, flow.user
    seat = await groups.seat_of(flow.session, booking)
    therapist = await flow.session.get_one(Therapist, booking.therapist_id)
    assert seat is not None
    if booking.status == BookingStatus.pending_payment:
        text = (
            t("group-seat-held", title=seat.group.title)
            + "\n"
            + hold_text(t, booking, user, settings)
        )
        await show(flow.bot, flow.chat_id, text, None, edit=edit)
        await send_invoice(
            flow.bot, flow.chat_id, t, booking, therapist, user, settings, group=seat.group.title
        )
        return
    text = t(
        "group-seat-booked",
        title=seat.group.title,
        when=when_html(t, booking.starts_at, flow.timezone),
        zone=flow.timezone,
        hours=settings.free_cancel_hours,
    )
    await show(flow.bot, flow.chat_id, text, None, edit=edit)
    await send_calendar_file(
        flow.bot, flow.session, flow.chat_id, t, booking, therapist, flow.timezone, clock.now()
    )


async def on_waiting(
    callback: CallbackQuery,
    callback_data: GroupWaiting,
    flow: ClientFlow,
    rules: Rules,
    clock: Clock,
) -> None:
    t, date_id = flow.t, callback_data.date_id
    if not callback_data.join:
        left = await groups.leave(flow.session, flow.user, date_id, rules=rules, now=clock.now())
        notice = t("group-wait-left" if left else "group-wait-not")
        await callback.answer(notice)
        group_id = await groups.group_of_date(flow.session, date_id)
        if group_id is None or not await _card(flow, rules, clock, group_id, notice=notice):
            await _list(flow, rules, clock, notice=notice)
        return
    try:
        await groups.wait(
            flow.session, client=flow.user, date_id=date_id, rules=rules, now=clock.now()
        )
    except Refused as refusal:
        await _after_refusal(callback, flow, rules, clock, date_id, refusal)
        return
    await callback.answer()
    found = await groups.date_view(flow.session, date_id)
    assert found is not None
    notice = t(
        "group-wait-joined",
        title=found.group.title,
        when=when_html(t, found.date.starts_at, flow.timezone),
        minutes=int(rules.offer_hold.total_seconds() // 60),
    )
    await _card(flow, rules, clock, found.group.id, notice=notice)


async def on_offer(
    callback: CallbackQuery,
    callback_data: GroupOffer,
    flow: ClientFlow,
    rules: Rules,
    clock: Clock,
    settings: Settings,
) -> None:
    t = flow.t
    if not callback_data.take:
        declined = await groups.decline_offer(
            flow.session,
            client=flow.user,
            wait_id=callback_data.wait_id,
            rules=rules,
            now=clock.now(),
        )
        await callback.answer()
        text = t("group-offer-declined" if declined else "group-offer-gone")
        await flow.display(text, None, screen_of(callback))
        return
    try:
        booking = await groups.take_offer(
            flow.session,
            client=flow.user,
            wait_id=callback_data.wait_id,
            rules=rules,
            now=clock.now(),
            hold=rules.payment_hold,
        )
    except Refused as refusal:
        text = await tell(callback, t, refusal)
        await flow.display(text, None, screen_of(callback))
        return
    await callback.answer()
    await seat_taken(flow, booking, settings, clock, edit=screen_of(callback))


# -- therapists ----------------------------------------------------------------------------


def members_text(t: Texts, found: groups.TherapistDate, timezone: str) -> str:
    names = [member.first_name or t("messaging-client-unnamed") for member in found.members]
    return t(
        "group-date-card",
        title=found.group.title,
        when=when_html(t, found.date.starts_at, timezone),
        zone=timezone,
        taken=len(found.members),
        capacity=found.date.capacity,
        members=", ".join(names) if names else t("group-members-none"),
    )


async def on_date_view(
    callback: CallbackQuery,
    callback_data: GroupDateView,
    t: Texts,
    session: AsyncSession,
    therapist_id: int,
    clock: Clock,
    bot: Bot,
) -> None:
    found = await groups.own_date(session, therapist_id, callback_data.date_id)
    if found is None:
        await callback.answer(t("group-date-not-yours"), show_alert=True)
        return
    await callback.answer()
    therapist = await session.get_one(Therapist, therapist_id)
    text = members_text(t, found, therapist.timezone)
    if found.date.cancelled_at is not None:
        text += "\n" + t("group-date-was-cancelled")
    upcoming = found.date.cancelled_at is None and found.date.ends_at > clock.now()
    markup = therapist_date_keyboard(
        t, found.date.id, members=bool(found.members) and upcoming, upcoming=upcoming
    )
    await show(bot, callback.from_user.id, text, markup, edit=screen_of(callback))


async def on_date_cancel(
    callback: CallbackQuery,
    callback_data: GroupDateCancel,
    t: Texts,
    session: AsyncSession,
    therapist_id: int,
    rules: Rules,
    clock: Clock,
    bot: Bot,
) -> None:
    found = await groups.own_date(session, therapist_id, callback_data.date_id)
    if found is None:
        await callback.answer(t("group-date-not-yours"), show_alert=True)
        return
    therapist = await session.get_one(Therapist, therapist_id)
    if not callback_data.confirmed:
        await callback.answer()
        text = t(
            "group-cancel-date-ask",
            title=found.group.title,
            when=when_html(t, found.date.starts_at, therapist.timezone),
            count=len(found.members),
        )
        await show(
            bot,
            callback.from_user.id,
            text,
            cancel_date_keyboard(t, found.date.id),
            edit=screen_of(callback),
        )
        return
    done = await groups.cancel_date(
        session, therapist_id=therapist_id, date_id=found.date.id, rules=rules, now=clock.now()
    )
    await callback.answer()
    text = t(
        "group-date-cancelled",
        title=found.group.title,
        when=when_html(t, found.date.starts_at, therapist.timezone),
        count=len(done),
    )
    await show(bot, callback.from_user.id, text, None, edit=screen_of(callback))


async def on_therapist_groups(
    message: Message,
    command: CommandObject,
    t: Texts,
    session: AsyncSession,
    therapist_id: int,
    rules: Rules,
    clock: Clock,
) -> None:
    """A therapist's own groups (`handlers.shared.group_catalogue`)."""
    assert message.from_user is not None
    desk = group_catalogue.Desk(
        session, t, rules, clock.now(), message.from_user.id, therapist_id=therapist_id
    )
    await message.answer(await group_catalogue.run(desk, command.args or ""))


def create_router() -> Router:
    router = Router(name="groups")
    clients = for_clients("groups")
    clients.callback_query.register(on_menu_groups, MenuAction.filter(F.action == MenuItem.groups))
    clients.callback_query.register(on_open, GroupOpen.filter())
    clients.callback_query.register(on_seat, GroupSeat.filter())
    clients.callback_query.register(on_waiting, GroupWaiting.filter())
    clients.callback_query.register(on_offer, GroupOffer.filter())
    therapists = for_therapists("groups")
    therapists.message.register(on_therapist_groups, Command("groups"))
    therapists.callback_query.register(on_date_view, GroupDateView.filter())
    therapists.callback_query.register(on_date_cancel, GroupDateCancel.filter())
    router.include_routers(therapists, clients)
    return router
