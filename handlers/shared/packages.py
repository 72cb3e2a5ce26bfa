"""Packages in the client's words: a package held, and what closing packages gives back
(the cabinet, a change of therapist, an erasure)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import day_html, local_name
from bot.i18n import Texts
from bot.rules.packages import refunded_by_telegram
from bot.rules.payments import amount_label
from db.models import PackagePurchase, Therapist
from db.packages import Closed, Holding


def refund_how(currency: str, refund: int, paid: int) -> str:
    """Which words say how a package's refund comes back: «stars» or «manual»."""
    return "stars" if refunded_by_telegram(currency, refund, paid) else "manual"


def package_line(t: Texts, item: Holding, timezone: str) -> str:
    return t(
        "package-line",
        name=local_name(item.therapist, t.language),
        free=item.purchase.balance,
        sessions=item.purchase.sessions,
        held=item.held,
        until=day_html(t, item.purchase.expires_at, timezone),
    )


async def refund_lines(t: Texts, session: AsyncSession, closing: Sequence[Closed]) -> list[str]:
    """For each package closing with credits unused: how many, and what comes back how
    (Telegram returns Stars only for a whole payment; anything else an admin returns)."""
    lines = []
    for closed in closing:
        if not closed.credits:
            continue
        purchase = await session.get_one(PackagePurchase, closed.purchase_id)
        therapist = await session.get_one(Therapist, purchase.therapist_id)
        lines.append(
            t(
                "package-refund-line",
                name=local_name(therapist, t.language),
                credits=closed.credits,
                amount=amount_label(closed.refund, closed.currency),
                how=refund_how(closed.currency, closed.refund, purchase.amount),
            )
        )
    return lines
