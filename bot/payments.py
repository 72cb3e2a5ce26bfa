"""Payment rules (pure): what an invoice asks for, and what looks like a card number."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.config import Settings

STARS = "XTR"
_DIGIT_RUN = re.compile(r"\d(?:[\d \-\u00a0]*\d)?")
_SEPARATORS = re.compile(r"[ \-\u00a0]+")


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
    """13–19 digits, written together or in groups of at least four (the last group may be
    shorter), as cards are printed: 4111 1111 1111 1111, 3782 822463 10005. Dates, phone
    numbers and times are grouped differently and do not match."""
    for run in _DIGIT_RUN.findall(text or ""):
        groups = _SEPARATORS.split(run)
        digits = sum(len(group) for group in groups)
        for start in range(len(groups)):
            # A card number may follow other digits in one run ("30 4111 1111 1111 1111").
            tail = groups[start:]
            count = sum(len(group) for group in tail)
            if 13 <= count <= 19 and all(len(group) >= 4 for group in tail[:-1]):
                return True
            digits -= len(groups[start])
            if digits < 13:
                break
    return False
