"""The practice's numbers as an admin (`/stats`, `/stats <therapist>`) and a therapist
(`/mystats`) read them: the text for one period, and the chart of the rates over each
period (`db.practice`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from fractions import Fraction

from aiogram import Bot
from aiogram.types import BufferedInputFile
from sqlalchemy.ext.asyncio import AsyncSession

from bot.charts import practice_chart
from bot.i18n import Texts
from bot.rules.payments import amount_text
from db import practice
from db.practice import Numbers
from keyboards.practice import period_keyboard

CANCELLED_BY = ("client", "therapist", "admin", "erasure", "hold_expired")
REQUEST_ENDS = ("accepted", "declined", "lapsed")
RATES = ("no_show_rate", "return_rate", "rematch_rate")


def share(rate: Fraction | None) -> str:
    return "—" if rate is None else f"{round(100 * rate)}%"


def _duration(t: Texts, length: timedelta) -> str:
    days, hours = length.days, length.seconds // 3600
    return t("practice-days-hours", days=days, hours=hours)


def _money(totals: dict[str, int]) -> str:
    return ", ".join(
        f"{amount_text(amount, currency)} {currency}" for currency, amount in sorted(totals.items())
    )


def practice_text(t: Texts, numbers: Numbers, days: int, whom: str) -> str:
    lines = [
        t("practice-title", days=days, whom=whom),
        t(
            "practice-sessions",
            held=numbers.held,
            no_shows=numbers.no_shows,
            rate=share(numbers.no_show_rate),
        ),
        t("practice-confirmed", count=numbers.confirmed, shown=numbers.shown),
    ]
    cancelled = [
        t(f"practice-cancelled-{by}", count=numbers.cancelled[by])
        for by in CANCELLED_BY
        if numbers.cancelled.get(by)
    ]
    lines.append(
        t("practice-cancelled", list=", ".join(cancelled))
        if cancelled
        else t("practice-cancelled-none")
    )
    lines += [
        "",
        t("practice-firsts", count=numbers.firsts),
        t(
            "practice-second",
            returned=numbers.returning.returned,
            clients=numbers.returning.clients,
            rate=share(numbers.return_rate),
        ),
        t(
            "practice-to-first",
            time="—" if numbers.to_first is None else _duration(t, numbers.to_first),
        ),
        t(
            "practice-rematch",
            count=numbers.rematches,
            seen=numbers.seen,
            rate=share(numbers.rematch_rate),
        ),
    ]
    if numbers.reasons:
        reasons = ", ".join(
            t("practice-reason", reason=t(f"change-reason-{reason}"), count=count)
            for reason, count in numbers.reasons
        )
        lines.append(t("practice-reasons", list=reasons))
    requests = numbers.requests
    lines += [
        "",
        t(
            "practice-offers",
            offered=numbers.offered,
            taken=numbers.offers_taken,
            rate=share(
                Fraction(numbers.offers_taken, numbers.offered) if numbers.offered else None
            ),
        ),
        t(
            "practice-requests",
            total=sum(requests.values()),
            **{status: requests.get(status, 0) for status in REQUEST_ENDS},
        ),
        t(
            "practice-revenue",
            total=_money(numbers.revenue),
            per_client=_money(numbers.per_client()),
        )
        if numbers.revenue
        else t("practice-revenue-none"),
    ]
    bought = numbers.packages
    if bought.sold or bought.outstanding or bought.spent or bought.refunded:
        lines.append(
            t(
                "practice-packages",
                sold=bought.sold,
                amount=_money(bought.sold_amount) or "—",
                spent=bought.spent,
                refunded=_money(bought.refunded) or "—",
                outstanding=bought.outstanding,
                owed=_money(bought.outstanding_amount) or "—",
            )
        )
    seats = numbers.seats
    if seats.dates:
        lines.append(
            t(
                "practice-groups",
                dates=seats.dates,
                filled=seats.filled,
                seats=seats.seats,
                percent=round(100 * seats.share),
            )
        )
    return "\n".join(lines)


async def by_period(
    session: AsyncSession, now: datetime, therapist_id: int | None
) -> dict[int, Numbers]:
    """The numbers of every period (`practice.PERIODS`), for one therapist or all."""
    return {
        days: await practice.numbers(session, now - timedelta(days=days), now, therapist_id)
        for days in practice.PERIODS
    }


async def send_numbers(
    bot: Bot,
    chat_id: int,
    t: Texts,
    session: AsyncSession,
    now: datetime,
    therapist_id: int | None,
    whom: str,
    *,
    button_therapist: int | None,
) -> None:
    """The numbers over the default period with the period buttons (an admin's for
    `button_therapist`, 0 for the whole practice; a therapist's own when None), then the
    chart of the rates over every period."""
    periods = await by_period(session, now, therapist_id)
    days = practice.DEFAULT_PERIOD
    await bot.send_message(
        chat_id,
        practice_text(t, periods[days], days, whom),
        reply_markup=period_keyboard(t, days, button_therapist),
    )
    await _send_chart(bot, chat_id, t, periods, whom)


async def _send_chart(
    bot: Bot, chat_id: int, t: Texts, periods: dict[int, Numbers], whom: str
) -> None:
    shares = [
        [None if (rate := getattr(numbers, name)) is None else float(rate) for name in RATES]
        for numbers in periods.values()
    ]
    # Drawing takes a fraction of a second of CPU: keep it off the event loop.
    png = await asyncio.to_thread(
        practice_chart,
        t("practice-chart-title", whom=whom),
        [t(f"practice-measure-{name}") for name in RATES],
        [t("practice-period", days=days) for days in periods],
        shares,
    )
    await bot.send_photo(
        chat_id,
        BufferedInputFile(png, filename="practice.png"),
        caption=t("practice-chart-caption"),
    )
