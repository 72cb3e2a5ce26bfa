"""/stats, /export and /audit: numbers, spreadsheets for accounting, and the audit log.

Exports are CSV in UTF-8 with a byte order mark and semicolons between fields: the form
spreadsheet apps open with a double click in Russian locales (where the comma is the
decimal separator). Times are in the admin's zone, written as ``YYYY-MM-DD HH:MM``."""

from __future__ import annotations

import asyncio
import csv
import html
import io
from collections.abc import Callable, Coroutine
from datetime import date, datetime, timedelta
from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.charts import ChartTexts, stats_chart
from bot.formatting import local_name, when_html
from bot.rules.timezones import zone
from db import admin_catalog, admin_reports, audit, practice, waitlist
from handlers.admin.common import (
    TEXT_LIMIT,
    Admin,
    fit,
    local_midnight,
    parse_day,
    pressed_therapist,
    refused,
    therapist_id_arg,
)
from handlers.shared import practice as practice_screens
from handlers.shared.screens import screen_of
from keyboards.practice import PracticePeriod, period_keyboard

AUDIT_SHOWN = 30
REFUSAL_DAYS = 30
REFUSALS_SHOWN = 10
DETAIL_LIMIT = 40
PERIODS = (("today", None), ("7d", 7), ("30d", 30))
MEASURES = ("created", "confirmed", "cancelled", "completed", "no_show")
CSV_DELIMITER = ";"
# A cell a spreadsheet would run as a formula (CSV injection) gets a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Exporter = Callable[
    [AsyncSession, datetime | None, datetime | None], Coroutine[Any, Any, admin_reports.Table]
]
EXPORTS: dict[str, Exporter] = {
    "bookings": admin_reports.export_bookings,
    "users": admin_reports.export_users,
    "payments": admin_reports.export_payments,
}
# The practice's numbers per therapist (`db.practice`): counted up to now at the latest.
PRACTICE_EXPORT = "practice"


# -- /stats ------------------------------------------------------------------------------


def _share(count: int, base: int) -> str:
    return f"{count * 100 // base}%" if base else "—"


async def _waitlist_lines(admin: Admin) -> list[str]:
    """How many wait now (the longest lines; the offers are in the practice's numbers)."""
    t = admin.t
    sizes = await waitlist.sizes(admin.session)
    lines = [t("adm-waitlist-title"), t("adm-waitlist-size", count=sizes.waiting)]
    lines += [
        t("adm-waitlist-line", name=local_name(therapist, t.language), count=count)
        for therapist, count in sizes.therapists
    ]
    return lines


async def on_stats(message: Message, command: CommandObject, admin: Admin) -> None:
    await admin.begin()
    t, now = admin.t, admin.now()
    if (command.args or "").strip():
        await _therapist_stats(admin, command)
        return
    today = local_midnight(now.astimezone(zone(admin.timezone)).date(), admin.timezone)
    starts = {name: today if days is None else now - timedelta(days=days) for name, days in PERIODS}
    numbers = await admin_reports.stats(admin.session, starts, now)
    lines = [t("adm-stats-title", zone=admin.timezone), t("adm-stats-users", count=numbers.users)]
    for name, _ in PERIODS:
        period = numbers.periods[name]
        lines += [
            "",
            t(f"adm-period-{name}-title"),
            t(
                "adm-stats-people",
                users=period.new_users,
                questionnaires=period.questionnaires,
            ),
            t(
                "adm-stats-bookings",
                created=period.created,
                confirmed=period.confirmed,
                cancelled=period.cancelled,
                completed=period.completed,
                no_show=period.no_show,
            ),
            t("adm-stats-checkins", finished=period.checkins, risks=period.risk_flags),
        ]
    funnel = numbers.funnel
    start_count = funnel.get("start", 0)
    lines += ["", t("adm-funnel-title")]
    lines += [
        t(
            "adm-funnel-line",
            stage=t(f"adm-funnel-{kind}"),
            count=funnel.get(kind, 0),
            share=_share(funnel.get(kind, 0), start_count),
        )
        for kind in admin_reports.FUNNEL
    ]
    lines += ["", t("adm-sources-title")]
    if not numbers.sources:
        lines.append(t("adm-sources-none"))
    lines += [
        t("adm-source-line", source=source, count=count, share=_share(count, start_count))
        for source, count in numbers.sources
    ]
    lines += ["", *await _waitlist_lines(admin)]
    await admin.send("\n".join(lines))

    texts = ChartTexts(
        bookings_title=t("adm-chart-bookings"),
        funnel_title=t("adm-funnel-chart"),
        measures=[t(f"adm-measure-{measure}") for measure in MEASURES],
        periods=[t(f"adm-period-{name}") for name, _ in PERIODS],
    )
    values = [
        [getattr(numbers.periods[name], measure) for measure in MEASURES] for name, _ in PERIODS
    ]
    stages = [(t(f"adm-funnel-{kind}"), funnel.get(kind, 0)) for kind in admin_reports.FUNNEL]
    # Drawing takes a fraction of a second of CPU: keep it off the event loop.
    png = await asyncio.to_thread(stats_chart, texts, values, stages)
    await admin.bot.send_photo(
        admin.chat_id,
        BufferedInputFile(png, filename="stats.png"),
        caption=t("adm-stats-chart-caption"),
    )
    await _practice(admin, None, t("practice-whom-all"))


async def _therapist_stats(admin: Admin, command: CommandObject) -> None:
    """`/stats <therapist>`: one therapist's numbers."""
    t = admin.t
    therapist_id = therapist_id_arg(command)
    therapist = (
        None
        if therapist_id is None
        else await admin_catalog.get_therapist(admin.session, therapist_id)
    )
    if therapist is None:
        await admin.send(t("adm-stats-usage", args=html.escape((command.args or "")[:40])))
        return
    await _practice(admin, therapist.id, local_name(therapist, t.language))


async def _practice(admin: Admin, therapist_id: int | None, whom: str) -> None:
    """The practice's numbers over the default period, with the period buttons, and the
    chart of its rates over every period."""
    await practice_screens.send_numbers(
        admin.bot,
        admin.chat_id,
        admin.t,
        admin.session,
        admin.now(),
        therapist_id,
        whom,
        button_therapist=therapist_id or 0,
    )


async def on_practice_period(
    callback: CallbackQuery, callback_data: PracticePeriod, admin: Admin
) -> None:
    if await refused(callback, admin):
        return
    t = admin.t
    if callback_data.days not in practice.PERIODS:
        await callback.answer(t("stale-button-short"))
        return
    whom = t("practice-whom-all")
    therapist_id = callback_data.therapist_id or None
    if therapist_id is not None:
        therapist = await pressed_therapist(callback, admin, therapist_id)
        if therapist is None:
            return
        whom = local_name(therapist, t.language)
    await callback.answer()
    now = admin.now()
    numbers = await practice.numbers(
        admin.session, now - timedelta(days=callback_data.days), now, therapist_id
    )
    await admin.show(
        practice_screens.practice_text(t, numbers, callback_data.days, whom),
        period_keyboard(t, callback_data.days, callback_data.therapist_id),
        screen_of(callback),
    )


# -- /export -----------------------------------------------------------------------------


def cell(value: Any, timezone: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value.astimezone(zone(timezone)):%Y-%m-%d %H:%M}"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def to_csv(table: admin_reports.Table, timezone: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([cell(value, timezone) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def parse_export(args: str) -> tuple[str, date | None, date | None] | None:
    """`kind [from] [to]`; None when it cannot be read."""
    parts = args.split()
    if not parts or parts[0].lower() not in (*EXPORTS, PRACTICE_EXPORT) or len(parts) > 3:
        return None
    days = [parse_day(part) for part in parts[1:]]
    if any(day is None for day in days):
        return None
    first = days[0] if days else None
    last = days[1] if len(days) > 1 else None
    return parts[0].lower(), first, last


async def on_export(message: Message, command: CommandObject, admin: Admin) -> None:
    await admin.begin()
    t = admin.t
    parsed = parse_export(command.args or "")
    if parsed is None:
        await admin.send(t("adm-export-usage"))
        return
    kind, first, last = parsed
    if first is not None and last is not None and first > last:
        await admin.send(t("adm-export-order"))
        return
    start = local_midnight(first, admin.timezone) if first else None
    end = local_midnight(last + timedelta(days=1), admin.timezone) if last else None
    if kind == PRACTICE_EXPORT:
        now = admin.now()
        columns, rows = await practice.export(admin.session, start, min(end or now, now))
        table = admin_reports.Table(columns, rows)
    else:
        table = await EXPORTS[kind](admin.session, start, end)
    await audit.write(
        admin.session,
        actor=admin.actor,
        action=f"export.{kind}",
        now=admin.now(),
        details={
            "from": first.isoformat() if first else None,
            "to": last.isoformat() if last else None,
            "rows": len(table.rows),
        },
    )
    name = f"{kind}_{first.isoformat() if first else 'start'}_{last.isoformat() if last else 'now'}"
    caption = t(
        "adm-export-caption",
        kind=kind,
        rows=len(table.rows),
        first=first.isoformat() if first else "—",
        last=last.isoformat() if last else "—",
        zone=admin.timezone,
    )
    await admin.bot.send_document(
        admin.chat_id,
        BufferedInputFile(to_csv(table, admin.timezone), filename=f"{name}.csv"),
        caption=caption,
    )


# -- /audit ------------------------------------------------------------------------------


def _value(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"from", "to"}:
        return f"{value['from']}→{value['to']}"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def _details(details: dict[str, Any] | None) -> str:
    if not details:
        return ""
    parts = []
    for key, value in details.items():
        text = _value(value)
        if len(text) > DETAIL_LIMIT:
            text = text[: DETAIL_LIMIT - 1] + "…"
        parts.append(f"{key}={text}")
    return ", ".join(parts)


def _refusal_lines(admin: Admin, refusals: audit.Refusals) -> list[str]:
    t = admin.t
    lines = [
        t(
            "adm-audit-refusals-title",
            days=REFUSAL_DAYS,
            attempts=refusals.attempts,
            people=refusals.people,
        )
    ]
    if not refusals.lines:
        lines.append(t("adm-audit-refusals-empty"))
    lines += [
        t(
            "adm-audit-refusal",
            when=when_html(t, refusal.last_at, admin.timezone),
            actor=str(refusal.actor or "—"),
            action=audit.DENIED,
            details=_details({"attempt": refusal.attempt}),
            count=refusal.count,
        )
        for refusal in refusals.lines
    ]
    if refusals.groups > len(refusals.lines):
        lines.append(t("adm-audit-refusals-more", count=refusals.groups - len(refusals.lines)))
    return lines


async def on_audit(message: Message, admin: Admin) -> None:
    """Admin actions, then refused attempts summed up per person and attempt: refusals are
    written by people who are not admins, so they must not be able to crowd out the rest."""
    await admin.begin()
    t, now = admin.t, admin.now()
    entries = await audit.latest(admin.session, AUDIT_SHOWN)
    refusals = await audit.refusals(
        admin.session, now - timedelta(days=REFUSAL_DAYS), REFUSALS_SHOWN
    )
    lines = [t("adm-audit-title", count=len(entries), zone=admin.timezone), ""]
    if not entries:
        lines.append(t("adm-audit-empty"))
    lines += [
        t(
            "adm-audit-line",
            when=when_html(t, entry.created_at, admin.timezone),
            actor=str(entry.actor_telegram_id or "—"),
            action=entry.action,
            target=entry.target or "—",
            details=_details(entry.details) or "—",
        )
        for entry in entries
    ]
    summary = "\n".join(["", *_refusal_lines(admin, refusals)])
    # The summary is short and always shown; the actions give way if both do not fit.
    actions = fit(lines, t("adm-list-cut"), limit=TEXT_LIMIT - 200 - len(summary))
    await admin.send(actions + "\n" + summary)


def create_router() -> Router:
    router = Router(name="admin-reports")
    router.message.register(on_stats, Command("stats"))
    router.callback_query.register(on_practice_period, PracticePeriod.filter())
    router.message.register(on_export, Command("export"))
    router.message.register(on_audit, Command("audit"))
    return router
