"""Where other features offer check-ins (`handlers.checkins` runs them): after a booking,
the consent to them, asked until the client answers; with consent, a check-in when one
is due (or one left half-way)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardButton
from sqlalchemy.ext.asyncio import AsyncSession

from bot.charts import ScaleLine, clients_chart, progress_chart
from bot.formatting import day_html, day_text, moment_html
from bot.i18n import Texts
from bot.rules.checkins import SCALES, Scale, trend
from bot.rules.timezones import zone
from db import checkins
from db.models import Checkin, User
from keyboards.checkins import (
    StartReason,
    consent_keyboard,
    start_keyboard,
    therapist_card_buttons,
)


async def after_booking(
    bot: Bot, session: AsyncSession, chat_id: int, t: Texts, user: User, now: datetime
) -> None:
    """After a booking: the consent to check-ins when never answered (one read for a
    client who has not); with consent, a check-in when one may be asked now."""
    answer = await checkins.answer_of(session, user)
    if answer is None:
        await bot.send_message(chat_id, t("checkin-consent"), reply_markup=consent_keyboard(t))
    elif answer.given_at is not None:
        await offer(bot, session, chat_id, t, user, now, "booked")


async def offer(
    bot: Bot,
    session: AsyncSession,
    chat_id: int,
    t: Texts,
    user: User,
    now: datetime,
    reason: StartReason,
) -> None:
    """Offer a check-in when one may be asked now (consent given, one due or open)."""
    kind = await checkins.offer_kind(session, user, now)
    if kind is None:
        return
    resume = kind == "resume"
    key = "checkin-offer-resume" if resume else "checkin-offer"
    await bot.send_message(chat_id, t(key), reply_markup=start_keyboard(t, reason, resume=resume))


def by_scale(found: Iterable[Checkin]) -> list[tuple[Scale, list[Checkin]]]:
    """Finished check-ins by scale, in the usual order, oldest first; a scale without any
    is left out."""
    finished = [checkin for checkin in found if checkin.finished_at is not None]
    grouped = [
        (SCALES[code], [checkin for checkin in finished if checkin.scale == code])
        for code in checkins.ORDER
    ]
    return [(scale, mine) for scale, mine in grouped if mine]


def totals(mine: list[Checkin]) -> list[int]:
    return [checkin.total or 0 for checkin in mine]


async def for_therapist(
    session: AsyncSession, t: Texts, therapist_id: int, client_id: int, now: datetime
) -> tuple[str | None, list[InlineKeyboardButton]]:
    """On a therapist's session card: the client's latest score of each scale with its
    trend (only what the therapist may see), and the buttons to see them and ask for one."""
    view = await checkins.therapist_view(session, therapist_id, client_id, now)
    parts = [
        t(
            "checkin-card-scale",
            scale=t(f"checkin-scale-{scale.code}"),
            total=mine[-1].total or 0,
            band=t(f"checkin-band-{mine[-1].band}"),
            trend=t(f"checkin-trend-{trend(totals(mine))}"),
        )
        for scale, mine in by_scale(view.checkins)
    ]
    if any(checkin.risk for checkin in view.checkins):
        parts.append(t("checkin-card-risk"))
    line = t("checkin-card-line", scales="; ".join(parts)) if parts else None
    buttons = therapist_card_buttons(
        t, client_id, visible=bool(view.checkins), askable=view.may_ask
    )
    return line, buttons


async def progress_picture(
    t: Texts, title: str, finished: list[Checkin], timezone: str
) -> BufferedInputFile | None:
    """The chart of finished check-ins (one panel per scale answered); None without any."""
    lines = [
        ScaleLine(
            label=t(f"checkin-scale-{scale.code}"),
            days=[
                day_text(t, checkin.finished_at or checkin.started_at, timezone)
                for checkin in mine[-12:]
            ],
            totals=totals(mine[-12:]),
            most=scale.most,
            bands=[(lowest, t(f"checkin-band-{band}")) for lowest, band in scale.bands],
        )
        for scale, mine in by_scale(finished)
    ]
    if not lines:
        return None
    # Drawing takes a fraction of a second of CPU: keep it off the event loop.
    png = await asyncio.to_thread(progress_chart, title, lines)
    return BufferedInputFile(png, filename="progress.png")


async def my_data_lines(session: AsyncSession, t: Texts, user: User, timezone: str) -> list[str]:
    """What /my_data shows of check-ins: the consent, and each check-in with every answer."""
    answer = await checkins.answer_of(session, user)
    if answer is None:
        return []
    lines = [""]
    if answer.given_at is None:
        lines.append(t("my-data-checkins-off"))
    else:
        given = answer.given_at.astimezone(zone(timezone)).strftime("%Y-%m-%d %H:%M")
        lines.append(t("my-data-checkins-on", date=moment_html(answer.given_at, given, "dt")))
        if answer.earlier_shared_at is not None:
            lines.append(t("my-data-checkins-shared"))
    asked = await checkins.all_of(session, user.id)
    answers = await checkins.answers_of(session, [checkin.id for checkin in asked])
    for checkin in asked:
        given_answers = answers.get(checkin.id, {})
        if checkin.finished_at is not None:
            state = t(
                "my-data-checkin-score",
                total=checkin.total or 0,
                band=t(f"checkin-band-{checkin.band}"),
            )
        else:
            state = t("my-data-checkin-skipped" if checkin.skipped_at else "my-data-checkin-open")
        lines.append(
            t(
                "my-data-checkin",
                scale=t(f"checkin-scale-{checkin.scale}"),
                date=day_html(t, checkin.started_at, timezone),
                answers=", ".join(str(given_answers[item]) for item in sorted(given_answers))
                or "—",
                state=state,
            )
        )
    return lines


async def for_schedule(
    session: AsyncSession,
    t: Texts,
    therapist_id: int,
    clients: list[tuple[int, str]],
    now: datetime,
) -> tuple[list[str], BufferedInputFile | None]:
    """/schedule's clients (id, name) with the latest check-in score of each scale they
    let this therapist see, and its trend; a chart of them when there are any."""
    lines: list[str] = []
    rows: list[tuple[str, list[int]]] = []
    views = await checkins.therapist_views(session, therapist_id, [id_ for id_, _ in clients], now)
    for client_id, name in clients:
        view = views[client_id]
        scales = {scale.code: totals(mine) for scale, mine in by_scale(view.checkins)}
        if not scales:
            continue
        parts = [
            f"{t(f'checkin-scale-short-{code}')} {found[-1]} "
            + t(f"checkin-trend-short-{trend(found)}")
            for code, found in scales.items()
        ]
        risk = any(checkin.risk for checkin in view.checkins)
        lines.append(
            t("checkin-schedule-client", client=name, scores=", ".join(parts))
            + (" " + t("checkin-card-risk") if risk else "")
        )
        rows.append((name, [scales[code][-1] if code in scales else -1 for code in checkins.ORDER]))
    if not rows:
        return [], None
    labels = [(t(f"checkin-scale-short-{code}"), SCALES[code].most) for code in checkins.ORDER]
    png = await asyncio.to_thread(clients_chart, t("checkin-schedule-chart"), labels, rows)
    return [t("checkin-schedule-title"), *lines], BufferedInputFile(png, filename="clients.png")
