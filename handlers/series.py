"""A regular time, from the client's side: «Сделать это время постоянным» on a booked
session → every week or every two weeks → the preview of the weeks ahead (what will be
booked now, what is kept for later, what cannot be had and why, with the nearest other
times of that week) → confirm; and the series' own screen in the cabinet. Every button
carries a booking or series id, which is untrusted: each is loaded as this client's own."""

from __future__ import annotations

from datetime import date, datetime

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.formatting import day_label, local_name, when_html, when_text
from bot.i18n import Markup, Texts
from bot.rules.policy import Rules
from bot.rules.series import Occurrence, Rhythm
from bot.rules.timezones import Clock
from db import bookings, series, series_booking, series_calendar, series_changes, series_move
from db.models import Booking, Series, Slot, Therapist
from handlers.shared.cards import (
    cancel_list,
    send_calendar_file,
    send_series_file,
)
from handlers.shared.flow import ClientFlow
from handlers.shared.guards import for_clients
from handlers.shared.notices import money_line
from handlers.shared.screens import screen_of
from handlers.shared.series import pattern_text, series_pattern
from keyboards.series import (
    RHYTHMS,
    SeriesCalendarFile,
    SeriesCancelFollowing,
    SeriesCancelScope,
    SeriesConfirm,
    SeriesEnd,
    SeriesEndConfirm,
    SeriesMoveFollowing,
    SeriesOpen,
    SeriesPause,
    SeriesPauseConfirm,
    SeriesResume,
    SeriesRhythm,
    SeriesStart,
    SeriesTake,
    back_to_booking,
    cancel_following_keyboard,
    cancel_scope_keyboard,
    end_keyboard,
    move_following_keyboard,
    pause_confirm_keyboard,
    pause_weeks_keyboard,
    preview_keyboard,
    rhythm_keyboard,
    series_keyboard_of,
    take_confirm_keyboard,
    take_keyboard,
)


def _occurrence_when(t: Texts, occurrence: Occurrence, timezone: str) -> str:
    if occurrence.starts_at is None:
        return day_label(t, occurrence.day)
    return when_html(t, occurrence.starts_at, timezone)


def occurrence_lines(
    t: Texts, occurrences: list[Occurrence], timezone: str, days: int
) -> list[str]:
    lines = []
    for occurrence in occurrences:
        when = _occurrence_when(t, occurrence, timezone)
        if occurrence.slot is not None:
            key = "series-preview-booked" if occurrence.slot.slot_id > 0 else "series-preview-kept"
            lines.append(t(key, when=when, days=days))
            continue
        lines.append(t("series-preview-gap", when=when, reason=t(f"series-gap-{occurrence.gap}")))
        if occurrence.alternatives:
            times = Markup(
                ", ".join(
                    when_html(t, slot.starts_at, timezone) for slot in occurrence.alternatives
                )
            )
            lines.append(t("series-preview-alternatives", times=times))
        else:
            lines.append(t("series-preview-no-alternatives"))
    return lines


def _rhythm(value: int) -> Rhythm | None:
    """The rhythm a button names (a number: a forged one gets the short stale answer)."""
    return Rhythm(value) if value in RHYTHMS else None


async def on_start(
    callback: CallbackQuery, callback_data: SeriesStart, flow: ClientFlow, clock: Clock
) -> None:
    booking = await bookings.own_booking(flow.session, flow.user, callback_data.booking_id)
    if booking is None:
        raise bookings.BookingGone
    await series.startable(flow.session, flow.user, booking.id, clock.now())
    await callback.answer()
    t = flow.t
    text = t(
        "series-ask-rhythm",
        when=when_html(t, booking.starts_at, flow.timezone),
        zone=flow.timezone,
        name=local_name(booking.therapist, t.language),
    )
    markup = rhythm_keyboard(t, booking.id, back_to_booking(t, booking.id))
    await flow.display(text, markup, screen_of(callback))


async def on_rhythm(
    callback: CallbackQuery,
    callback_data: SeriesRhythm,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    t = flow.t
    rhythm = _rhythm(callback_data.rhythm)
    if rhythm is None:
        await callback.answer(t("stale-button-short"))
        return
    seen = await series_booking.preview(
        flow.session,
        client=flow.user,
        booking_id=callback_data.booking_id,
        rhythm=rhythm,
        rules=rules,
        now=clock.now(),
        ahead_weeks=rules.series_ahead_weeks,
    )
    await callback.answer()
    booking = seen.booking
    lines = [
        t(
            "series-preview-title",
            pattern=pattern_text(t, rhythm, booking.starts_at, flow.timezone),
            name=local_name(booking.therapist, t.language),
            zone=flow.timezone,
        ),
        "",
        t("series-preview-first", when=when_html(t, booking.starts_at, flow.timezone)),
        *occurrence_lines(t, seen.occurrences, flow.timezone, settings.booking_horizon_days),
        "",
    ]
    can_confirm = any(occurrence.available for occurrence in seen.occurrences)
    if can_confirm:
        lines.append(t("series-preview-footer"))
        if rules.paid:
            lines.append(t("series-preview-pay"))
    else:
        lines.append(t("series-preview-nothing"))
    markup = preview_keyboard(t, booking.id, int(rhythm), can_confirm=can_confirm)
    await flow.display("\n".join(lines), markup, screen_of(callback))


async def on_confirm(
    callback: CallbackQuery,
    callback_data: SeriesConfirm,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    t = flow.t
    rhythm = _rhythm(callback_data.rhythm)
    if rhythm is None:
        await callback.answer(t("stale-button-short"))
        return
    made = await series_booking.create(
        flow.session,
        client=flow.user,
        booking_id=callback_data.booking_id,
        rhythm=rhythm,
        rules=rules,
        now=clock.now(),
        pay_each=rules.paid,
    )
    await callback.answer()
    therapist = await flow.session.get(Therapist, made.series.therapist_id)
    assert therapist is not None
    if made.awaiting:
        text = t(
            "series-asked",
            pattern=series_pattern(t, made.series, therapist, flow.timezone),
            name=local_name(therapist, t.language),
        )
        await flow.display(text, None, screen_of(callback))
        await show_series(flow, clock, settings, made.series)
        return
    lines = [
        t(
            "series-made",
            pattern=series_pattern(t, made.series, therapist, flow.timezone),
            name=local_name(therapist, t.language),
            days=settings.booking_horizon_days,
        )
    ]
    lines += [
        t("series-made-booked", when=when_html(t, booking.starts_at, flow.timezone))
        for booking in made.booked
    ]
    lines += [
        t(
            "series-made-missed",
            when=day_label(t, date.fromisoformat(skip.day)),
            reason=t(f"series-gap-{skip.reason}"),
        )
        for skip in made.missed
    ]
    await flow.display("\n".join(lines), None, screen_of(callback))
    # One event for all the sessions to come; the first keeps the file it had.
    await send_series_file(flow.bot, flow.session, flow.chat_id, t, made.series, clock.now())
    await show_series(flow, clock, settings, made.series)


# -- the series' screen ------------------------------------------------------------------


def _line(t: Texts, booking: Booking, timezone: str) -> str:
    return t(
        "series-occurrence",
        when=when_html(t, booking.starts_at, timezone),
        status=t(f"status-{booking.status}"),
    )


async def show_series(
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    item: Series,
    *,
    edit: CallbackQuery | None = None,
) -> None:
    t, now = flow.t, clock.now()
    view = await series.view_of(flow.session, item, now)
    therapist = view.therapist
    lines = [
        t(
            "series-title",
            pattern=series_pattern(t, item, therapist, flow.timezone),
            name=local_name(therapist, t.language),
            zone=flow.timezone,
        ),
        "",
    ]
    if view.upcoming:
        lines.append(t("series-booked-title"))
        lines += [_line(t, booking, flow.timezone) for booking in view.upcoming]
    later = series.later_dates(view, now, settings.series_ahead_weeks)
    if later:
        lines += ["", t("series-later-title", days=settings.booking_horizon_days)]
        lines += [t("series-later", when=when_html(t, moment, flow.timezone)) for moment in later]
    if item.approval_asked_at is not None:
        lines += ["", t("series-awaiting", name=local_name(therapist, t.language))]
    paused = series.pattern_of(item, therapist.timezone).is_paused(now)
    if paused:
        assert item.paused_until is not None
        lines += ["", t("series-paused", day=day_label(t, date.fromisoformat(item.paused_until)))]
    occurrences = [
        (booking.id, when_text(t, booking.starts_at, flow.timezone)) for booking in view.upcoming
    ]
    markup = series_keyboard_of(t, item.id, occurrences, paused=paused)
    await flow.display("\n".join(lines), markup, screen_of(edit) if edit else None)


async def on_open(
    callback: CallbackQuery,
    callback_data: SeriesOpen,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
) -> None:
    item = await series.own_series(flow.session, flow.user, callback_data.series_id)
    if item is None or item.ended_at is not None:
        await callback.answer(flow.t("series-gone"), show_alert=True)
        return
    await callback.answer()
    await show_series(flow, clock, settings, item, edit=callback)


async def _own_active(callback: CallbackQuery, flow: ClientFlow, series_id: int) -> Series | None:
    item = await series.own_series(flow.session, flow.user, series_id)
    if item is None or item.ended_at is not None:
        await callback.answer(flow.t("series-gone"), show_alert=True)
        return None
    return item


# -- pause and resume --------------------------------------------------------------------


async def on_pause(
    callback: CallbackQuery,
    callback_data: SeriesPause,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    item = await _own_active(callback, flow, callback_data.series_id)
    if item is None:
        return
    t, now = flow.t, clock.now()
    if callback_data.weeks == 0:
        await callback.answer()
        await flow.display(
            t("series-pause-ask"), pause_weeks_keyboard(t, item.id), screen_of(callback)
        )
        return
    await callback.answer()
    therapist = await flow.session.get(Therapist, item.therapist_id)
    assert therapist is not None
    until = series.pattern_of(item, therapist.timezone).resumes_after(now, callback_data.weeks)
    touched = await series_changes.paused_sessions(
        flow.session, item, therapist, now, callback_data.weeks
    )
    lines = [t("series-pause-confirm", day=day_label(t, until))]
    if touched:
        lines += [
            t("series-pause-cancels"),
            await cancel_list(flow, touched, bookings.CancelledBy.client, settings, now, rules),
        ]
    markup = pause_confirm_keyboard(t, item.id, callback_data.weeks)
    await flow.display("\n".join(lines), markup, screen_of(callback))


async def on_pause_confirm(
    callback: CallbackQuery,
    callback_data: SeriesPauseConfirm,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    t = flow.t
    item, done = await series_changes.pause(
        flow.session,
        client=flow.user,
        series_id=callback_data.series_id,
        weeks=callback_data.weeks,
        rules=rules,
        now=clock.now(),
    )
    await callback.answer(t("series-paused-done"))
    if not done:
        await show_series(flow, clock, settings, item, edit=callback)
        await send_series_file(flow.bot, flow.session, flow.chat_id, t, item, clock.now())
        return
    # What was cancelled replaces the question; the series' screen comes after the files.
    await _tell_cancelled(flow, clock, done, item, edit=screen_of(callback))
    await show_series(flow, clock, settings, item)


async def _tell_cancelled(
    flow: ClientFlow,
    clock: Clock,
    done: list[bookings.Cancelled],
    item: Series,
    *,
    edit: Message | None = None,
    head: str | None = None,
) -> None:
    """What happened (`head`), each cancelled session and its money, on the screen `edit`;
    then the calendar files: one for a session with its own event, and the regular time's
    event as it is now."""
    t = flow.t
    lines = [head] if head else []
    for each in done:
        line = t("cancel-done", when=when_html(t, each.booking.starts_at, flow.timezone))
        money = money_line(t, each.money)
        lines.append(f"{line} {money}" if money else line)
    await flow.display("\n".join(lines), None, edit)
    now = clock.now()
    for each in done:
        booking = each.booking
        if booking.confirmed_at is None:
            continue
        if (await series_calendar.calendar_place(flow.session, booking)).recurrence_id is None:
            await send_calendar_file(
                flow.bot,
                flow.session,
                flow.chat_id,
                t,
                booking,
                booking.therapist,
                flow.timezone,
                now,
            )
    await send_series_file(flow.bot, flow.session, flow.chat_id, t, item, now)


async def on_resume(
    callback: CallbackQuery,
    callback_data: SeriesResume,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    t = flow.t
    made = await series_changes.resume(
        flow.session,
        client=flow.user,
        series_id=callback_data.series_id,
        rules=rules,
        now=clock.now(),
        pay_each=rules.paid,
    )
    await callback.answer(t("series-resumed"))
    await show_series(flow, clock, settings, made.series, edit=callback)
    await send_series_file(flow.bot, flow.session, flow.chat_id, t, made.series, clock.now())


# -- ending ------------------------------------------------------------------------------


async def on_end(
    callback: CallbackQuery,
    callback_data: SeriesEnd,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    item = await _own_active(callback, flow, callback_data.series_id)
    if item is None:
        return
    await callback.answer()
    t, now = flow.t, clock.now()
    sessions = await series.upcoming_occurrences(flow.session, item, now)
    lines = [t("series-end-ask")]
    if sessions:
        lines += [
            t("series-end-sessions"),
            await cancel_list(flow, sessions, bookings.CancelledBy.client, settings, now, rules),
        ]
    markup = end_keyboard(t, item.id, has_sessions=bool(sessions))
    await flow.display("\n".join(lines), markup, screen_of(callback))


async def on_end_confirm(
    callback: CallbackQuery,
    callback_data: SeriesEndConfirm,
    flow: ClientFlow,
    clock: Clock,
    rules: Rules,
) -> None:
    now = clock.now()
    done = await series_changes.end_by_client(
        flow.session,
        client=flow.user,
        series_id=callback_data.series_id,
        cancel_from=now if callback_data.cancel else None,
        rules=rules,
        now=now,
    )
    await callback.answer()
    await _ended(callback, flow, clock, done, callback_data.series_id)


async def _ended(
    callback: CallbackQuery,
    flow: ClientFlow,
    clock: Clock,
    done: list[bookings.Cancelled],
    series_id: int,
) -> None:
    item = await series.own_series(flow.session, flow.user, series_id)
    assert item is not None
    await flow.session.refresh(item)  # ended by a bulk update
    head = flow.t("series-ended")
    await _tell_cancelled(flow, clock, done, item, edit=screen_of(callback), head=head)


async def on_calendar(
    callback: CallbackQuery, callback_data: SeriesCalendarFile, flow: ClientFlow, clock: Clock
) -> None:
    """The regular time's calendar event, on request."""
    item = await _own_active(callback, flow, callback_data.series_id)
    if item is None:
        return
    await callback.answer()
    await send_series_file(flow.bot, flow.session, flow.chat_id, flow.t, item, clock.now())


# -- a missed date's other time -----------------------------------------------------------


def _iso_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


async def on_take(
    callback: CallbackQuery,
    callback_data: SeriesTake,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    """One of the other times offered for a missed date: asked once, then booked as the
    series' session for that date (so the next dates go on at the usual time)."""
    t, now = flow.t, clock.now()
    day = _iso_day(callback_data.day)
    if day is None:
        await callback.answer(t("stale-button-short"))
        return
    item = await _own_active(callback, flow, callback_data.series_id)
    if item is None:
        return
    if not callback_data.sure:
        slot = await flow.session.get(Slot, callback_data.slot_id)
        if slot is None or slot.therapist_id != item.therapist_id:
            await callback.answer(t("stale-button-short"))
            return
        await callback.answer()
        text = t(
            "series-take-ask",
            when=when_html(t, slot.starts_at, flow.timezone),
            zone=flow.timezone,
            day=day_label(t, day),
        )
        markup = take_confirm_keyboard(t, item.id, day.isoformat(), slot.id)
        await flow.display(text, markup, None)
        return
    pay_each = rules.paid
    try:
        booking = await series_booking.take_instead(
            flow.session,
            client=flow.user,
            series_id=item.id,
            day=day,
            slot_id=callback_data.slot_id,
            rules=rules,
            now=now,
            pay_each=pay_each,
        )
    except (bookings.SlotTaken, bookings.SlotUnavailable):  # the week's times as they are now
        await callback.answer()
        await _offer_again(callback, flow, item, day, now)
        return
    await callback.answer()
    therapist = await flow.session.get(Therapist, item.therapist_id)
    assert therapist is not None
    lines = [
        t(
            "series-take-done",
            when=when_html(t, booking.starts_at, flow.timezone),
            zone=flow.timezone,
            name=local_name(therapist, t.language),
            day=day_label(t, day),
        )
    ]
    if pay_each:
        lines.append(t("series-take-done-pay"))
    await flow.display("\n".join(lines), None, screen_of(callback))
    # The session stands in the regular time's event as that date's instance, at its time.
    await send_series_file(flow.bot, flow.session, flow.chat_id, t, item, now)


async def _offer_again(
    callback: CallbackQuery, flow: ClientFlow, item: Series, day: date, now: datetime
) -> None:
    """The time went meanwhile: the week's free times as they are now."""
    t = flow.t
    slots = await series.alternatives(flow.session, item, day, now)
    labels = [(slot.id, when_text(t, slot.starts_at, flow.timezone)) for slot in slots]
    if not labels:
        await flow.display(t("series-take-none"), None, screen_of(callback))
        return
    text = t("series-take-taken", zone=flow.timezone)
    await flow.display(text, take_keyboard(item.id, day.isoformat(), labels), screen_of(callback))


# -- cancelling "this and following" -----------------------------------------------------


async def on_cancel_scope(
    callback: CallbackQuery, callback_data: SeriesCancelScope, flow: ClientFlow, clock: Clock
) -> None:
    await series.following(flow.session, flow.user, callback_data.booking_id, clock.now())
    await callback.answer()
    t = flow.t
    markup = cancel_scope_keyboard(t, callback_data.booking_id)
    await flow.display(t("series-cancel-scope"), markup, screen_of(callback))


async def on_cancel_following(
    callback: CallbackQuery,
    callback_data: SeriesCancelFollowing,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    t, now = flow.t, clock.now()
    item, sessions = await series.following(flow.session, flow.user, callback_data.booking_id, now)
    if not sessions:  # this one has started meanwhile
        await callback.answer(t("refusal-started"), show_alert=True)
        return
    if not callback_data.sure:
        await callback.answer()
        listed = await cancel_list(
            flow, sessions, bookings.CancelledBy.client, settings, now, rules
        )
        text = t("series-cancel-following-ask", count=len(sessions)) + "\n" + listed
        await flow.display(
            text, cancel_following_keyboard(t, callback_data.booking_id), screen_of(callback)
        )
        return
    done = await series_changes.end_by_client(
        flow.session,
        client=flow.user,
        series_id=item.id,
        cancel_from=sessions[0].starts_at,
        rules=rules,
        now=now,
    )
    await callback.answer()
    await _ended(callback, flow, clock, done, item.id)


# -- moving "this and following" ---------------------------------------------------------


def _why(t: Texts, why: str | None, settings: Settings) -> str:
    if why and why.startswith("rules-"):
        return t(f"series-move-why-{why}", hours=settings.reschedule_until_hours)
    if why == "beyond":
        return t("series-move-why-beyond")
    return t(f"series-gap-{why}")


def _move_lines(
    t: Texts,
    timezone: str,
    settings: Settings,
    moved: list[tuple[datetime, datetime]],
    stayed: list[series_move.FollowingMove],
) -> list[str]:
    """Each session: from when to when, or that it stays (and why), in time order."""
    lines = [
        (
            was,
            t("series-move-line", was=when_html(t, was, timezone), when=when_html(t, to, timezone)),
        )
        for was, to in moved
    ]
    lines += [
        (
            item.booking.starts_at,
            t(
                "series-move-stays",
                was=when_html(t, item.booking.starts_at, timezone),
                why=_why(t, item.why, settings),
            ),
        )
        for item in stayed
    ]
    return [line for _, line in sorted(lines)]


async def on_move_following(
    callback: CallbackQuery,
    callback_data: SeriesMoveFollowing,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    t, now, zone_name = flow.t, clock.now(), flow.timezone
    booking_id, slot_id = callback_data.booking_id, callback_data.slot_id
    if not callback_data.sure:
        plan = await series_move.plan_following(
            flow.session,
            client=flow.user,
            booking_id=booking_id,
            slot_id=slot_id,
            rules=rules,
            now=now,
        )
    else:
        done = await series_move.move_following(
            flow.session,
            client=flow.user,
            booking_id=booking_id,
            slot_id=slot_id,
            expected_moves=callback_data.moves,
            rules=rules,
            now=now,
        )
    await callback.answer()
    if not callback_data.sure:
        pattern = series_pattern(t, series_move.shifted(plan), plan.therapist, zone_name)
        moved = [(item.booking.starts_at, item.slot.starts_at) for item in plan.moves if item.slot]
        stayed = [item for item in plan.moves if item.slot is None]
        lines = [t("series-move-following-ask", pattern=pattern, zone=zone_name)]
        lines += _move_lines(t, zone_name, settings, moved, stayed)
        lines.append(t("series-move-later", pattern=pattern))
        markup = move_following_keyboard(t, booking_id, slot_id, callback_data.moves)
        await flow.display("\n".join(lines), markup, screen_of(callback))
        return
    therapist = await flow.session.get(Therapist, done.new.therapist_id)
    assert therapist is not None
    pattern = series_pattern(t, done.new, therapist, zone_name)
    lines = [t("series-move-following-done", pattern=pattern)]
    moved = [(was, booking.starts_at) for booking, was in done.moved]
    lines += _move_lines(t, zone_name, settings, moved, done.stayed)
    await flow.display("\n".join(lines), None, screen_of(callback))
    this = done.moved[0][0]
    if done.own_event:  # the session the regular time began with has its own event
        await send_calendar_file(
            flow.bot, flow.session, flow.chat_id, t, this, therapist, zone_name, now
        )
    for item in (done.old, done.new):
        await send_series_file(flow.bot, flow.session, flow.chat_id, t, item, now)
    await show_series(flow, clock, settings, done.new)


def create_router() -> Router:
    router = for_clients("series")
    router.callback_query.register(on_pause, SeriesPause.filter())
    router.callback_query.register(on_pause_confirm, SeriesPauseConfirm.filter())
    router.callback_query.register(on_resume, SeriesResume.filter())
    router.callback_query.register(on_end, SeriesEnd.filter())
    router.callback_query.register(on_end_confirm, SeriesEndConfirm.filter())
    router.callback_query.register(on_cancel_scope, SeriesCancelScope.filter())
    router.callback_query.register(on_cancel_following, SeriesCancelFollowing.filter())
    router.callback_query.register(on_start, SeriesStart.filter())
    router.callback_query.register(on_rhythm, SeriesRhythm.filter())
    router.callback_query.register(on_confirm, SeriesConfirm.filter())
    router.callback_query.register(on_open, SeriesOpen.filter())
    router.callback_query.register(on_calendar, SeriesCalendarFile.filter())
    router.callback_query.register(on_move_following, SeriesMoveFollowing.filter())
    router.callback_query.register(on_take, SeriesTake.filter())
    return router
