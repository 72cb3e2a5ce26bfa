"""Prepaid packages of sessions (pure): what a package costs with a given therapist, until
when it is valid, and how much of it goes back when unused credits are refunded.

A package holds `sessions` credits with one therapist. Booking with a balance holds one
credit instead of an invoice; the credit is spent when the session is held, completed
or a no-show (and by a late cancellation, by the usual rule), and comes back on a free
cancellation and a cancellation by the practice (a move keeps it with its booking; a
request takes one only when accepted). Credits left when the package expires (by the
practice's policy), the client changes therapist or erases their data are refunded
pro rata: each unused credit is worth what the package cost divided by its sessions,
rounded down to the smallest unit, so a refund never exceeds what was paid."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.rules.payments import STARS

MAX_DISCOUNT_PERCENT = 90


def package_price(
    sessions: int,
    session_price: int,
    *,
    price: int | None = None,
    discount_percent: int | None = None,
) -> int:
    """What a package costs in roubles: its own price, or the therapist's price for each
    session less the discount (rounded down to whole roubles)."""
    if sessions < 1:
        raise ValueError("a package holds at least one session")
    if (price is None) == (discount_percent is None):
        raise ValueError("a package has either a price or a discount")
    if price is not None:
        if price < 1:
            raise ValueError("a price is positive")
        return price
    assert discount_percent is not None
    if not 0 <= discount_percent <= MAX_DISCOUNT_PERCENT:
        raise ValueError(f"a discount is 0–{MAX_DISCOUNT_PERCENT} %")
    return sessions * session_price * (100 - discount_percent) // 100


def expires_at(bought_at: datetime, weeks: int) -> datetime:
    if weeks < 1:
        raise ValueError("a package is valid for at least a week")
    return bought_at + timedelta(weeks=weeks)


def refunded_by_telegram(currency: str, refund: int, paid: int) -> bool:
    """Whether a package's refund goes back automatically: Telegram returns a Stars
    payment only whole (`refundStarPayment`); a part of one, and any provider payment,
    is an admin's to return (/refunds)."""
    return currency == STARS and refund == paid


def refund_for(paid: int, sessions: int, unused: int) -> int:
    """What `unused` credits of a package that cost `paid` (smallest unit) for `sessions`
    are worth back: pro rata, rounded down."""
    if not 0 <= unused <= sessions or sessions < 1 or paid < 0:
        raise ValueError("unused credits are between none and all of the package's")
    return paid * unused // sessions
