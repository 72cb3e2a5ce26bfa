"""Payment rules (pure): what an invoice asks for, and what looks like a card number."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

STARS = "XTR"
# Between the digit groups of a card number: spaces and line breaks of every kind (by
# str.isspace), dashes (Pd), underscores (Pc), and these dots, slashes, commas, semicolons,
# colons, asterisks, bars and pluses. Times, dates, phone numbers and amounts stay apart
# whatever joins them: their groups are shorter than a card's (see `_holds_card`).
_SEPARATOR_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Pd", "Pc"})
_SEPARATOR_MARKS = frozenset(
    "./\\,;:*|+"
    "\u00b7\u2022\u2024\u2027\u2219\u22c5\u30fb\uff0e"  # middle dots, bullets, wide full stop
    "\u2044\u2215\uff0f"  # fraction, division and wide slashes
    "\u2212"  # minus sign
    "\uff0c\u3001\uff1b\uff1a"  # wide and ideographic commas, wide semicolon and colon
    "\u2217\uff0a\uff5c\u00a6\uff0b"  # asterisk operator, wide asterisk, bars, wide plus
)


@dataclass(frozen=True)
class Price:
    amount: int  # in the currency's smallest unit, as Telegram counts it
    currency: str


def invoice_price(roubles: int, *, currency: str, stars_per_rub: float) -> Price:
    """Stars: the price converted by `stars_per_rub`, rounded up, at least one star.
    A provider currency: roubles in kopecks (the currency's hundredths)."""
    if currency == STARS:
        return Price(max(1, math.ceil(roubles * stars_per_rub)), STARS)
    return Price(roubles * 100, currency)


def looks_like_card_number(text: str | None) -> bool:
    """13–19 digits that pass the Luhn check, written together or in groups of at least
    four (the last group may be shorter), as cards are printed: 4111 1111 1111 1111,
    3782 822463 10005. Any run of separators may stand between groups: spaces of every
    kind, line breaks, dots, dashes, slashes, underscores, commas, semicolons, colons,
    asterisks, bars, pluses. Phone numbers, dates and times are grouped differently, and a
    number that fails Luhn is not a card."""
    return any(_holds_card(groups) for groups in _digit_runs(text or ""))


def luhn_valid(digits: str) -> bool:
    """The check digit every payment card number carries (ISO/IEC 7812)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _holds_card(groups: list[str]) -> bool:
    # Any consecutive groups may be the card: other digits can stand before it
    # ("30 4111 1111 1111 1111") or after it ("2202 2020 1234 5678 9").
    for start in range(len(groups)):
        digits = ""
        for group in groups[start:]:
            digits += group
            if len(digits) > 19:
                break
            if len(digits) >= 13 and luhn_valid(digits):
                return True
            if len(group) < 4:
                break
    return False


def _digit_runs(text: str) -> Iterator[list[str]]:
    """Groups of digits joined by separators; any other character ends a run."""
    groups: list[str] = []
    group: list[str] = []
    for char in text:
        if char.isdecimal():
            group.append(char)
            continue
        category = unicodedata.category(char)
        if category == "Cf":
            # Invisible (zero-width space, word joiner, soft hyphen): as if not typed.
            continue
        if group:
            groups.append("".join(group))
            group = []
        if not (char.isspace() or category in _SEPARATOR_CATEGORIES or char in _SEPARATOR_MARKS):
            if groups:
                yield groups
            groups = []
    if group:
        groups.append("".join(group))
    if groups:
        yield groups


def amount_text(amount: int, currency: str) -> str:
    """An amount as Telegram counts it, in the currency's units."""
    return str(amount) if currency == STARS else f"{amount / 100:.2f}"


def amount_label(amount: int, currency: str) -> str:
    """An amount with its currency, for a person to read: «12 600 ₽», «550,50 ₽», «50 ⭐»,
    «12.00 USD»."""
    if currency == STARS:
        return f"{amount} ⭐"
    if currency != "RUB":
        return f"{amount_text(amount, currency)} {currency}"
    roubles = f"{amount // 100:,}".replace(",", "\u00a0")
    kopecks = amount % 100
    return f"{roubles},{kopecks:02d} ₽" if kopecks else f"{roubles} ₽"
