"""Therapists in their own chat: linking by a one-time invite, the command menu, the
schedule, working hours and days off, sessions' outcomes, and the list of clients.

Everything but the invite is on the therapists router (`for_therapists`: handlers receive
the linked `therapist_id`); callback
handlers check ownership again, since callback data is untrusted."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.formatting import day_label, local_name, time_html, when_html
from bot.i18n import Markup, Texts, Translator
from bot.rules.availability import WeeklyWindow
from bot.rules.policy import Rules
from bot.rules.refusals import told
from bot.rules.timezones import Clock, zone
from db import (
    bookings,
    groups,
    practice,
    requests,
    schedule,
    series,
    series_booking,
    series_changes,
    waitlist,
)
from db.models import ACTIVE_BOOKING_STATUSES, Booking, Therapist, User
from handlers.shared import checkins as checkin_view
from handlers.shared import practice as practice_screens
from handlers.shared.flow import Flow
from handlers.shared.guards import for_therapists
from handlers.shared.hours import after_change, horizon_end, hours_screen, touched_lines
from handlers.shared.memory import HOURS, HoursData
from handlers.shared.notices import client_topics
from handlers.shared.screens import pieces, screen_of, send_lines, show, text_screen
from handlers.shared.series import series_pattern
from keyboards.practice import MyPeriod, period_keyboard
from keyboards.therapist import (
    PAUSES,
    SESSION_LENGTHS,
    Hours,
    HoursAction,
    Outcome,
    SeriesAnswer,
    SeriesStop,
    SeriesTell,
    SessionCancel,
    SessionCard,
    choices_keyboard,
    clients_keyboard,
    schedule_keyboard,
    series_stop_keyboard,
    session_cancel_keyboard,
    session_card_keyboard,
)

THERAPIST_COMMANDS = (
    ("schedule", "tcmd-schedule"),
    ("availability", "tcmd-availability"),
    ("clients", "tcmd-clients"),
    ("calendar", "tcmd-calendar"),
    ("confirmations", "tcmd-confirmations"),
    ("groups", "tcmd-groups"),
    ("mystats", "tcmd-mystats"),
    ("language", "tcmd-language"),
    ("help", "tcmd-help"),
)
SCHEDULE_DAYS = 8  # today and the next 7
WINDOW = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})\s*$")
MAX_TIME_OFF_DAYS = 366


class HoursInput(StatesGroup):
    window = State()
    time_off = State()


async def set_therapist_commands(bot: Bot, chat_id: int, translator: Translator) -> None:
    """The therapist's own command menu, in each language, for their chat only."""
    for language in (None, *translator.languages):
        t = translator.for_language(language or translator.default)
        commands = [
            BotCommand(command=name, description=t(key)) for name, key in THERAPIST_COMMANDS
        ]
        await bot.set_my_commands(
            commands, scope=BotCommandScopeChat(chat_id=chat_id), language_code=language
        )


async def on_startup(
    bot: Bot, translator: Translator, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session:
        linked = await schedule.linked_therapists(session)
    for therapist in linked:
        assert therapist.telegram_id is not None
        await set_therapist_commands(bot, therapist.telegram_id, translator)


# -- linking -----------------------------------------------------------------------------

# The shape of the codes `db.admin_catalog.create_invite` makes (`secrets.token_urlsafe(16)`). Any
# other `/start` payload is a referral or ad tag and goes on to the usual onboarding.
INVITE_CODE = re.compile(r"[A-Za-z0-9_-]{22}")


async def on_invite(
    message: Message,
    command: CommandObject,
    bot: Bot,
    t: Texts,
    session: AsyncSession,
    translator: Translator,
    clock: Clock,
) -> None:
    assert message.from_user is not None
    therapist = await schedule.link_by_invite(
        session, command.args or "", message.from_user.id, t.language, clock.now()
    )
    await set_therapist_commands(bot, message.chat.id, translator)
    await message.answer(t("invite-linked", name=local_name(therapist, t.language)))


# -- for linked therapists ---------------------------------------------------------------


async def _therapist(session: AsyncSession, therapist_id: int) -> Therapist:
    therapist = await session.get(Therapist, therapist_id)
    assert therapist is not None
    return therapist


async def on_help(message: Message, t: Texts) -> None:
    await message.answer(t("therapist-help"))


async def on_schedule(
    message: Message, t: Texts, session: AsyncSession, therapist_id: int, clock: Clock, bot: Bot
) -> None:
    therapist = await _therapist(session, therapist_id)
    tz = zone(therapist.timezone)
    today = clock.now().astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    end = today + timedelta(days=SCHEDULE_DAYS)
    # A group's seats are shown by their date (`groups.dates_of`), not one by one.
    items = [
        item
        for item in await schedule.agenda(session, therapist.id, today, end)
        if item.booking.group_date_id is None
    ]
    free = await schedule.free_slot_starts(session, therapist.id, clock.now(), end)
    meetings = await groups.dates_of(session, therapist.id, today, end)
    lines = [t("schedule-title", zone=therapist.timezone)]
    buttons: list[tuple[int, str]] = []
    group_buttons: list[tuple[int, str]] = []
    for offset in range(SCHEDULE_DAYS):
        day = (today + timedelta(days=offset)).date()
        sessions = [i for i in items if i.booking.starts_at.astimezone(tz).date() == day]
        free_count = sum(1 for start in free if start.astimezone(tz).date() == day)
        lines += ["", t("schedule-day", day=day_label(t, day))]
        for meeting in meetings:
            if meeting.date.starts_at.astimezone(tz).date() != day:
                continue
            start = meeting.date.starts_at
            seats = {"taken": len(meeting.members), "capacity": meeting.date.capacity}
            lines.append(
                t(
                    "schedule-group",
                    time=time_html(start, therapist.timezone),
                    title=meeting.group.title,
                    **seats,
                )
            )
            time = f"{start.astimezone(tz):%H:%M}"
            label = t.plain("schedule-group-button", day=day_label(t, day), time=time, **seats)
            group_buttons.append((meeting.date.id, f"{label} {meeting.group.title}"))
        for item in sessions:
            start = item.booking.starts_at
            shown, time = time_html(start, therapist.timezone), f"{start.astimezone(tz):%H:%M}"
            client = item.client_name or "—"
            status = t(f"status-{item.booking.status}")
            if item.booking.series_id is not None:
                shown = Markup(t("series-mark", when=shown))
                time = t.plain("series-mark", when=time)
            lines.append(t("schedule-session", time=shown, client=client, status=status))
            buttons.append((item.booking.id, f"{day_label(t, day)} {time} {client}"))
        if free_count:
            lines.append(t("schedule-free", count=free_count))
        elif not sessions and not any(
            meeting.date.starts_at.astimezone(tz).date() == day for meeting in meetings
        ):
            lines.append(t("schedule-nothing"))
    asked = await requests.open_for_therapist(session, therapist.id)
    if asked:
        # Requests to answer: the cards came as messages; each is listed with its due time.
        lines += ["", t("schedule-requests", count=len(asked))]
        lines += [
            t(
                "schedule-request",
                when=when_html(t, request.starts_at, therapist.timezone),
                client=client.first_name or "—",
                due=when_html(t, request.answer_due_at, therapist.timezone),
            )
            for request, client in asked
        ]
    waiting = await waitlist.waiting_count(session, therapist.id)
    if waiting:
        # How many clients wait for a freed time (a cancellation, new hours); not who.
        lines += ["", t("schedule-waiting", count=waiting)]
    clients = list({item.booking.client_id: item.client_name or "—" for item in items}.items())
    scores, chart = await checkin_view.for_schedule(session, t, therapist.id, clients, clock.now())
    if scores:
        lines += ["", *scores]
    if buttons or group_buttons:
        lines += ["", t("schedule-hint")]
    markup = schedule_keyboard(buttons[:40], group_buttons[:20])
    await send_lines(bot, message.chat.id, lines, markup)
    if chart is not None:
        await bot.send_photo(message.chat.id, chart, caption=t("checkin-schedule-chart"))


async def _own_session(
    session: AsyncSession, therapist_id: int, booking_id: int
) -> tuple[Booking, User] | None:
    booking = await session.get(Booking, booking_id)
    if booking is None or booking.therapist_id != therapist_id:
        return None
    client = await session.get(User, booking.client_id)
    assert client is not None
    return booking, client


async def session_card_text(
    t: Texts, session: AsyncSession, booking: Booking, client: User, therapist: Therapist
) -> str:
    return t(
        "tbooking-card",
        when=when_html(t, booking.starts_at, therapist.timezone),
        zone=therapist.timezone,
        client=client.first_name or "—",
        format=t(f"format-{booking.format}"),
        topics=await client_topics(session, client, t.language),
        status=t(f"status-{booking.status}"),
    )


async def on_session_card(
    callback: CallbackQuery,
    callback_data: SessionCard,
    flow: Flow,
    session: AsyncSession,
    therapist_id: int,
    clock: Clock,
) -> None:
    t = flow.t
    owned = await _own_session(session, therapist_id, callback_data.booking_id)
    if owned is None:
        await callback.answer(t("tbooking-not-yours"), show_alert=True)
        return
    await callback.answer()
    booking, client = owned
    therapist = await _therapist(session, therapist_id)
    text = await session_card_text(t, session, booking, client, therapist)
    regular = await series.therapists_series(session, therapist_id, booking.id)
    if regular is not None:
        pattern = series_pattern(t, regular[1], therapist, therapist.timezone)
        text += "\n" + t("tseries-line", pattern=pattern)
    scores, buttons = await checkin_view.for_therapist(
        session, t, therapist_id, client.id, clock.now()
    )
    if scores is not None:
        text += "\n" + scores
    markup = session_card_keyboard(
        t,
        booking.id,
        client.id,
        started=booking.starts_at <= clock.now(),
        cancellable=booking.status in ACTIVE_BOOKING_STATUSES,
        regular=regular is not None,
        extra=buttons,
    )
    await flow.bot.send_message(flow.chat_id, text, reply_markup=markup)


async def on_series_stop(
    callback: CallbackQuery,
    callback_data: SeriesStop,
    flow: Flow,
    session: AsyncSession,
    therapist_id: int,
    clock: Clock,
    rules: Rules,
) -> None:
    """The therapist ends a client's regular time: first what it means (its sessions ahead
    are cancelled, the client told and refunded in full), then, on the second tap, done."""
    t, now = flow.t, clock.now()
    found = await series.therapists_series(session, therapist_id, callback_data.booking_id)
    if found is None:
        await callback.answer(t("tseries-gone"), show_alert=True)
        return
    booking, item = found
    therapist = await _therapist(session, therapist_id)
    client = await session.get(User, item.client_id)
    name = (client.first_name if client else None) or "—"
    if not callback_data.sure:
        await callback.answer()
        ahead = await series.upcoming_occurrences(session, item, now)
        lines = [
            t(
                "tseries-end-ask",
                client=name,
                pattern=series_pattern(t, item, therapist, therapist.timezone),
                count=len(ahead),
            )
        ]
        lines += [
            t("tseries-end-item", when=when_html(t, b.starts_at, therapist.timezone)) for b in ahead
        ]
        await flow.display(
            "\n".join(lines), series_stop_keyboard(t, booking.id), screen_of(callback)
        )
        return
    done = await series_changes.end_by_therapist(
        session, therapist_id=therapist_id, series_id=item.id, rules=rules, now=now
    )
    await callback.answer(t("tseries-ended"))
    await flow.display(
        t("tseries-ended-text", client=name, count=len(done)), None, screen_of(callback)
    )


async def on_series_answer(
    callback: CallbackQuery,
    callback_data: SeriesAnswer,
    flow: Flow,
    session: AsyncSession,
    therapist_id: int,
    clock: Clock,
    rules: Rules,
) -> None:
    """The therapist agrees to a client's regular time (its dates are booked now) or not
    (it ends; the session it was made from stays)."""
    t = flow.t
    made = await series_booking.answer(
        session,
        therapist_id=therapist_id,
        series_id=callback_data.series_id,
        agreed=callback_data.agreed,
        rules=rules,
        now=clock.now(),
        pay_each=rules.paid,
    )
    await callback.answer()
    therapist = await _therapist(session, therapist_id)
    client = await session.get(User, made.series.client_id)
    values = {
        "client": (client.first_name if client else None) or "—",
        "pattern": series_pattern(t, made.series, therapist, therapist.timezone),
    }
    if not callback_data.agreed:
        await flow.display(t("tseries-refused", **values), None, screen_of(callback))
        return
    lines = [t("tseries-agreed", **values)]
    lines += [
        t("tseries-end-item", when=when_html(t, booking.starts_at, therapist.timezone))
        for booking in made.booked
    ]
    await flow.display("\n".join(lines), None, screen_of(callback))


async def on_session_cancel(
    callback: CallbackQuery,
    callback_data: SessionCancel,
    flow: Flow,
    session: AsyncSession,
    therapist_id: int,
    clock: Clock,
    rules: Rules,
) -> None:
    """The therapist calls a session off: first what it means (the client is told and
    gets a full refund), then, on the second tap, done."""
    t = flow.t
    owned = await _own_session(session, therapist_id, callback_data.booking_id)
    if owned is None:
        await callback.answer(t("tbooking-not-yours"), show_alert=True)
        return
    booking, client = owned
    screen = screen_of(callback)
    therapist = await _therapist(session, therapist_id)
    if booking.status not in ACTIVE_BOOKING_STATUSES or booking.starts_at <= clock.now():
        await callback.answer(t("tbooking-cancel-gone"), show_alert=True)
        return
    if not callback_data.sure:
        await callback.answer()
        text = t(
            "tbooking-cancel-ask",
            when=when_html(t, booking.starts_at, therapist.timezone),
            zone=therapist.timezone,
            client=client.first_name or "—",
        )
        await flow.display(text, session_cancel_keyboard(t, booking.id), screen)
        return
    # The client's use case, in the therapist's words.
    with told((bookings.BookingError, "tbooking-cancel-gone")):
        done = await bookings.cancel(
            session,
            booking=booking,
            by=bookings.CancelledBy.therapist,
            rules=rules,
            now=clock.now(),
        )
    await callback.answer(t("tbooking-cancelled"))
    text = await session_card_text(t, session, done.booking, client, therapist)
    markup = session_card_keyboard(t, booking.id, client.id, started=False)
    await flow.display(text, markup, screen)


async def on_outcome(
    callback: CallbackQuery,
    callback_data: Outcome,
    flow: Flow,
    session: AsyncSession,
    therapist_id: int,
    clock: Clock,
) -> None:
    t = flow.t
    owned = await _own_session(session, therapist_id, callback_data.booking_id)
    if owned is None:
        await callback.answer(t("tbooking-not-yours"), show_alert=True)
        return
    if owned[0].starts_at > clock.now():
        await callback.answer(t("tbooking-not-started"), show_alert=True)
        return
    booking = await bookings.mark_outcome(
        session,
        therapist_id=therapist_id,
        booking_id=callback_data.booking_id,
        status=callback_data.status,
        now=clock.now(),
    )
    await callback.answer(t("tbooking-marked", status=t(f"status-{booking.status}")))
    therapist = await _therapist(session, therapist_id)
    text = await session_card_text(t, session, booking, owned[1], therapist)
    markup = session_card_keyboard(t, booking.id, booking.client_id, started=True)
    screen = screen_of(callback)
    await flow.display(text, markup, screen)


# -- working hours -----------------------------------------------------------------------


async def on_availability(
    message: Message, flow: Flow, session: AsyncSession, therapist_id: int
) -> None:
    therapist = await _therapist(session, therapist_id)
    await flow.state.set_state(None)
    text, markup = await hours_screen(flow.t, session, therapist)
    await message.answer(text, reply_markup=markup)


async def on_series_tell(
    callback: CallbackQuery,
    flow: Flow,
    session: AsyncSession,
    therapist_id: int,
    clock: Clock,
    rules: Rules,
) -> None:
    """Tell the clients now of their regular times' dates the new hours no longer allow."""
    t = flow.t
    told = await series_changes.tell_touched(
        session,
        therapist_id,
        start=horizon_end(rules, clock),
        weeks=rules.series_ahead_weeks,
        now=clock.now(),
    )
    await callback.answer(t("tseries-told", count=len(told)))
    screen = screen_of(callback)
    if screen is None:
        return
    first, *rest = pieces([t("tseries-told-title", count=len(told)), *touched_lines(t, told)])
    await flow.display(first, None, screen)
    for text in rest:
        await flow.bot.send_message(flow.chat_id, text)


# Working-hours buttons: one handler per action (`HoursAction`), for linked therapists only
# (a router filter); a value the screen did not offer finds no handler.


async def on_hours_show(
    callback: CallbackQuery, flow: Flow, session: AsyncSession, therapist_id: int
) -> None:
    await callback.answer()
    await flow.state.set_state(None)
    text, markup = await hours_screen(flow.t, session, await _therapist(session, therapist_id))
    await flow.display(text, markup, screen_of(callback))


async def on_hours_pick_weekday(callback: CallbackQuery, flow: Flow) -> None:
    t = flow.t
    await callback.answer()
    labels = [t(f"weekday-{day}") for day in range(7)]
    markup = choices_keyboard(t, HoursAction.add, list(range(7)), labels)
    await flow.display(t("availability-pick-weekday"), markup, screen_of(callback))


async def on_hours_add_window(callback: CallbackQuery, callback_data: Hours, flow: Flow) -> None:
    t, weekday = flow.t, callback_data.value
    await callback.answer()
    await flow.state.set_state(HoursInput.window)
    await HOURS.save(flow.state, HoursData(weekday=weekday))
    text = t("availability-type-window", weekday=t(f"weekday-long-{weekday}"))
    await flow.display(text, None, screen_of(callback))


async def on_hours_pick_minutes(callback: CallbackQuery, flow: Flow) -> None:
    t = flow.t
    await callback.answer()
    labels = [str(minutes) for minutes in SESSION_LENGTHS]
    markup = choices_keyboard(t, HoursAction.minutes, SESSION_LENGTHS, labels)
    await flow.display(t("availability-pick-minutes"), markup, screen_of(callback))


async def on_hours_pick_pause(callback: CallbackQuery, flow: Flow) -> None:
    t = flow.t
    await callback.answer()
    markup = choices_keyboard(t, HoursAction.pause, PAUSES, [str(pause) for pause in PAUSES])
    await flow.display(t("availability-pick-pause"), markup, screen_of(callback))


async def on_hours_set_format(
    callback: CallbackQuery,
    callback_data: Hours,
    flow: Flow,
    session: AsyncSession,
    therapist_id: int,
    rules: Rules,
    clock: Clock,
) -> None:
    await callback.answer()
    therapist = await _therapist(session, therapist_id)
    minutes = callback_data.action == HoursAction.minutes
    await schedule.set_session_format(
        session,
        therapist.id,
        minutes=callback_data.value if minutes else None,
        break_minutes=None if minutes else callback_data.value,
    )
    await after_change(flow.bot, flow.chat_id, flow.t, session, therapist, rules, clock)


async def on_hours_remove(
    callback: CallbackQuery,
    callback_data: Hours,
    flow: Flow,
    session: AsyncSession,
    therapist_id: int,
    rules: Rules,
    clock: Clock,
) -> None:
    therapist = await _therapist(session, therapist_id)
    if callback_data.action == HoursAction.remove:
        removed = await schedule.remove_window(session, therapist.id, callback_data.value)
    else:
        removed = await schedule.remove_time_off(session, therapist.id, callback_data.value)
    if not removed:  # removed meanwhile, or not this therapist's
        await callback.answer(flow.t("stale-button-short"))
        return
    await callback.answer()
    await after_change(flow.bot, flow.chat_id, flow.t, session, therapist, rules, clock)


async def on_hours_off(callback: CallbackQuery, flow: Flow) -> None:
    await callback.answer()
    await flow.state.set_state(HoursInput.time_off)
    await flow.display(flow.t("availability-type-off"), None, screen_of(callback))


async def on_hours_refused(callback: CallbackQuery, t: Texts) -> None:
    """A working-hours button with a value that screen did not offer."""
    await callback.answer(t("stale-button-short"))


async def on_not_a_therapist(callback: CallbackQuery, t: Texts) -> None:
    """A therapist's button (a session card, working hours) from someone who is not a
    linked therapist."""
    await callback.answer(t("tbooking-not-yours"), show_alert=True)


def _hours_handlers(router: Router) -> None:
    none_yet = F.value == -1
    routes: list[tuple[Callable[..., Awaitable[None]], Any]] = [
        (on_hours_show, F.action == HoursAction.show),
        (on_hours_pick_weekday, (F.action == HoursAction.add) & none_yet),
        (on_hours_add_window, (F.action == HoursAction.add) & F.value.in_(range(7))),
        (on_hours_pick_minutes, (F.action == HoursAction.minutes) & none_yet),
        (on_hours_pick_pause, (F.action == HoursAction.pause) & none_yet),
        (on_hours_set_format, (F.action == HoursAction.minutes) & F.value.in_(SESSION_LENGTHS)),
        (on_hours_set_format, (F.action == HoursAction.pause) & F.value.in_(PAUSES)),
        (on_hours_remove, F.action.in_({HoursAction.remove, HoursAction.unoff})),
        (on_hours_off, F.action == HoursAction.off),
    ]
    for handler, rule in routes:
        router.callback_query.register(handler, Hours.filter(rule))
    router.callback_query.register(on_hours_refused, Hours.filter())


def parse_window(text: str, weekday: int) -> WeeklyWindow | None:
    match = WINDOW.match(text)
    if match is None:
        return None
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_m >= 60 or end_m >= 60 or start_h > 23 or end_h > 24 or (end_h == 24 and end_m):
        return None
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start >= end:
        return None
    return WeeklyWindow(weekday, start, end)


async def on_window_typed(
    message: Message,
    flow: Flow,
    session: AsyncSession,
    therapist_id: int,
    rules: Rules,
    clock: Clock,
) -> None:
    t = flow.t
    therapist = await _therapist(session, therapist_id)
    weekday = (await HOURS.load(flow.state)).weekday
    window = parse_window(message.text or "", weekday) if 0 <= weekday <= 6 else None
    if window is None:
        await message.answer(t("availability-window-invalid"))
        return
    current = await schedule.availability_of(session, therapist.id)
    pause = current.rules[0].break_minutes if current.rules else 10
    if schedule.overlaps_window(current.rules, window):
        await message.answer(t("availability-window-overlaps"))
        return
    # The conversation state is stored through another connection: settle it before this
    # session starts writing (SQLite has one writer at a time).
    await flow.state.set_state(None)
    await schedule.add_window(session, therapist.id, window, pause)
    await after_change(flow.bot, flow.chat_id, flow.t, session, therapist, rules, clock)


def parse_time_off(text: str, today: date) -> tuple[date, date] | None:
    parts = re.split(r"\s*(?:\s|–|—|\s-\s)\s*", text.strip())
    try:
        days = [date.fromisoformat(part) for part in parts if part]
    except ValueError:
        return None
    if len(days) not in (1, 2):
        return None
    first, last = days[0], days[-1]
    if first > last or first < today or (last - first).days >= MAX_TIME_OFF_DAYS:
        return None
    return first, last


async def on_time_off_typed(
    message: Message,
    flow: Flow,
    session: AsyncSession,
    therapist_id: int,
    rules: Rules,
    clock: Clock,
) -> None:
    therapist = await _therapist(session, therapist_id)
    today = clock.now().astimezone(zone(therapist.timezone)).date()
    period = parse_time_off(message.text or "", today)
    if period is None:
        await message.answer(flow.t("availability-off-invalid"))
        return
    await flow.state.set_state(None)  # before this session writes, as above
    await schedule.add_time_off(session, therapist.id, *period)
    await after_change(flow.bot, flow.chat_id, flow.t, session, therapist, rules, clock)


async def on_hours_not_text(message: Message, t: Texts) -> None:
    await message.answer(t("text-expected"))


# -- clients -----------------------------------------------------------------------------


async def on_mystats(
    message: Message, t: Texts, session: AsyncSession, therapist_id: int, clock: Clock, bot: Bot
) -> None:
    """The therapist's own numbers over the default period, with the period buttons, and
    the chart of their rates over every period."""
    therapist = await _therapist(session, therapist_id)
    whom = local_name(therapist, t.language)
    await practice_screens.send_numbers(
        bot, message.chat.id, t, session, clock.now(), therapist.id, whom, button_therapist=None
    )


async def on_my_period(
    callback: CallbackQuery,
    callback_data: MyPeriod,
    t: Texts,
    session: AsyncSession,
    therapist_id: int,
    clock: Clock,
    bot: Bot,
) -> None:
    """Another period of the therapist's own numbers (whose: the presser's, never the
    button's)."""
    if callback_data.days not in practice.PERIODS:
        await callback.answer(t("stale-button-short"))
        return
    therapist = await _therapist(session, therapist_id)
    await callback.answer()
    now = clock.now()
    numbers = await practice.numbers(
        session, now - timedelta(days=callback_data.days), now, therapist.id
    )
    await show(
        bot,
        callback.from_user.id,
        practice_screens.practice_text(
            t, numbers, callback_data.days, local_name(therapist, t.language)
        ),
        period_keyboard(t, callback_data.days),
        edit=text_screen(screen_of(callback)),
    )


async def on_clients(
    message: Message, t: Texts, session: AsyncSession, therapist_id: int, clock: Clock
) -> None:
    therapist = await _therapist(session, therapist_id)
    clients = await schedule.clients_of(session, therapist.id, clock.now())
    if not clients:
        await message.answer(t("clients-none"))
        return
    lines = [t("clients-title"), ""]
    for client in clients:
        upcoming = (
            t("clients-next", when=when_html(t, client.next_start, therapist.timezone))
            if client.next_start
            else ""
        )
        lines.append(
            t(
                "clients-line",
                client=client.first_name or "—",
                last=when_html(t, client.last_start, therapist.timezone),
                next=upcoming,
            )
        )
    buttons = [(client.client_id, client.first_name or "—") for client in clients[:40]]
    await message.answer("\n".join(lines), reply_markup=clients_keyboard(t, buttons))


def create_router() -> Router:
    router = Router(name="therapist")
    router.startup.register(on_startup)
    router.message.register(
        on_invite, CommandStart(deep_link=True, magic=F.args.regexp(INVITE_CODE, mode="fullmatch"))
    )
    therapists = for_therapists("therapist")
    therapists.message.register(on_help, Command("help"))
    therapists.message.register(on_schedule, Command("schedule"))
    therapists.message.register(on_availability, Command("availability"))
    therapists.message.register(on_clients, Command("clients"))
    therapists.message.register(on_mystats, Command("mystats"))
    therapists.callback_query.register(on_my_period, MyPeriod.filter())
    therapists.message.register(on_window_typed, HoursInput.window, F.text)
    therapists.message.register(on_time_off_typed, HoursInput.time_off, F.text)
    therapists.message.register(
        on_hours_not_text, StateFilter(HoursInput.window, HoursInput.time_off)
    )
    therapists.callback_query.register(on_session_card, SessionCard.filter())
    therapists.callback_query.register(on_outcome, Outcome.filter())
    therapists.callback_query.register(on_session_cancel, SessionCancel.filter())
    therapists.callback_query.register(on_series_stop, SeriesStop.filter())
    therapists.callback_query.register(on_series_answer, SeriesAnswer.filter())
    therapists.callback_query.register(on_series_tell, SeriesTell.filter())
    _hours_handlers(therapists)
    others = Router(name="therapist.others")
    for button in (SessionCard, Outcome, SessionCancel, Hours, SeriesAnswer):
        others.callback_query.register(on_not_a_therapist, button.filter())
    router.include_routers(therapists, others)
    return router
