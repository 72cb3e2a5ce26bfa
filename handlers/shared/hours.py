"""The therapist's working hours and days off, shared by the chat (`handlers.therapist`)
and the Mini App (`handlers.miniapp`): their screen, and what follows a change."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import day_label, when_html
from bot.i18n import Markup, Texts
from bot.rules.policy import Rules
from bot.rules.timezones import Clock
from db import schedule, series_booking, series_changes
from db.models import Therapist, User
from handlers.shared.screens import send_lines
from keyboards.therapist import hours_keyboard, series_tell_keyboard


def clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


async def hours_screen(
    t: Texts, session: AsyncSession, therapist: Therapist
) -> tuple[str, InlineKeyboardMarkup]:
    current = await schedule.availability_of(session, therapist.id)
    pause = current.rules[0].break_minutes if current.rules else 10
    lines = [t("availability-title", zone=therapist.timezone), ""]
    windows: list[tuple[int, str]] = []
    if current.rules:
        lines.append(t("availability-windows"))
        for rule in current.rules:
            names = {
                "weekday": t(f"weekday-{rule.weekday}"),
                "from": clock_text(rule.start_minute),
                "to": clock_text(rule.end_minute),
            }
            lines.append(t("availability-window", **names))
            windows.append((rule.id, t.plain("availability-remove", **names)))
    else:
        lines.append(t("availability-no-windows"))
    lines += ["", t("availability-format", minutes=therapist.session_minutes, pause=pause)]
    offs: list[tuple[int, str]] = []
    if current.time_off:
        lines += ["", t("availability-off")]
        for period in current.time_off:
            lines.append(
                t("availability-off-line", **{"from": period.starts_on, "to": period.ends_on})
            )
            offs.append(
                (
                    period.id,
                    t.plain(
                        "availability-remove-off",
                        **{"from": period.starts_on, "to": period.ends_on},
                    ),
                )
            )
    markup = hours_keyboard(t, windows, offs, minutes=therapist.session_minutes, pause=pause)
    return "\n".join(lines), markup


def horizon_end(rules: Rules, clock: Clock) -> datetime:
    return clock.now() + rules.horizon


def touched_lines(t: Texts, touched: list[series_changes.Touched]) -> list[str]:
    return [
        t(
            "tseries-touched-line",
            day=day_label(t, one.day),
            client=one.client_name or "—",
            reason=t(f"series-gap-{one.gap}"),
        )
        for one in touched
    ]


async def after_change(
    bot: Bot,
    chat_id: int,
    t: Texts,
    session: AsyncSession,
    therapist: Therapist,
    rules: Rules,
    clock: Clock,
) -> None:
    """After the hours or the days off changed (in the chat or the Mini App): regenerate
    the free slots (the regular times take their dates first), and tell the therapist in
    their chat what changed, which sessions no longer fit and which regular times further
    ahead it touches."""
    now = clock.now()

    async def regular_times_first(session: AsyncSession) -> None:
        await series_booking.fill(
            session,
            rules=rules,
            now=now,
            pay_each=rules.paid,
            therapist_id=therapist.id,
        )

    report = await schedule.sync_free_slots(
        session,
        therapist,
        now=now,
        horizon_days=rules.horizon.days,
        then=regular_times_first,
    )
    lines = [t("availability-synced", added=report.added, removed=report.removed)]
    if report.outside:
        lines += ["", t("availability-outside")]
        for booking in report.outside:
            client = await session.get(User, booking.client_id)
            when = when_html(t, booking.starts_at, therapist.timezone)
            if booking.series_id is not None:
                when = Markup(t("series-mark", when=when))
            lines.append(
                t(
                    "availability-outside-line",
                    when=when,
                    client=(client.first_name if client else None) or "—",
                )
            )
    # Regular times further ahead (no bookings yet) that the new hours no longer allow.
    later = await series_changes.touched_ahead(
        session, therapist, start=horizon_end(rules, clock), weeks=rules.series_ahead_weeks
    )
    markup = None
    if later:
        lines += ["", t("tseries-touched")]
        lines += touched_lines(t, later)
        markup = series_tell_keyboard(t)
    await send_lines(bot, chat_id, lines, markup)
    text, markup = await hours_screen(t, session, therapist)
    await bot.send_message(chat_id, text, reply_markup=markup)
