"""Payment rules (pure): what an invoice asks for, and what looks like a card number."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.config import Settings

STARS = "XTR"
# 13–19 digits, optionally grouped by spaces or dashes: what a card number looks like.
_CARD = re.compile(r"(?<![\d])(?:\d[ \-\u00a0]?){12,18}\d(?![\d])")


@dataclass(frozen=True)
class Price:
    amount: int  # in the currency's smallest unit, as Telegram counts it
    currency: str


def invoice_price(roubles: int, settings: Settings) -> Price:
    """Stars: the price converted by STARS_PER_RUB, rounded up, at least one star.
    A provider currency: roubles in kopecks (the currency's hundredths)."""
    if settings.payments_mode == "stars":
        return Price(max(1, math.ceil(roubles * settings.stars_per_rub)), STARS)
    return Price(roubles * 100, settings.payment_currency)


def looks_like_card_number(text: str | None) -> bool:
    return bool(text) and _CARD.search(text or "") is not None
