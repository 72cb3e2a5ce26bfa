"""The practice's numbers that matter, for a period (the whole practice, or one
therapist's): what happened after each match, from the rows the bot keeps.

- cards shown, bookings confirmed, sessions held, no-shows (and their rate),
  cancellations by whom;
- clients whose first session (with a therapist) was held in the period; and the clients
  whose return was decided in the period (they came back for a second session in it,
  or the 30 days after their first one ran out in it), with how many came back
  (`bot.rules.outcomes`): a short period counts those who did not come back too;
- clients who changed therapist in the period, their share of the clients seen in it,
  and the reasons they gave (the chips; never their own words);
- the median time from signing up to the first session held;
- waitlist offers made and booked; booking requests made, by how they ended;
- money paid in the bot and not returned, by currency, and per client seen;
- packages of sessions sold, their credits spent, money refunded, and the credits
  outstanding at the period's end (`db.packages.numbers`);
- group dates held in the period, their seats and the seats filled (`db.groups.numbers`).

Everything is counted from bookings, payments, requests, offers and rematches as they
are now: an erased client's sessions stay counted (their rows stay, emptied), their
requests and waitlist offers do not (erased with them), except the practice's offers,
counted from the anonymous funnel events."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.outcomes import ReturnRate, decided_at, tally
from db import groups, packages
from db.admin_reports import count
from db.groups import SeatNumbers
from db.models import (
    Booking,
    BookingRequest,
    BookingStatus,
    OfferStatus,
    Payment,
    PaymentStatus,
    Rematch,
    Therapist,
    User,
    WaitlistOffer,
)
from db.offers import offer_counts
from db.outcomes import as_utc, first_sessions, held, shown
from db.packages import PackageNumbers

PERIODS = (7, 30, 90)  # days a period may last (/stats, /mystats)
DEFAULT_PERIOD = 30
REASONS_SHOWN = 3


@dataclass(frozen=True)
class Numbers:
    start: datetime
    end: datetime
    shown: int  # cards shown (on the UTC days the period touches)
    held: int  # sessions that took place
    no_shows: int
    confirmed: int  # bookings confirmed in the period
    cancelled: dict[str, int]  # by whom (`db.bookings.CancelledBy`)
    firsts: int  # clients whose first session (with a therapist) was held in the period
    # Clients whose return was decided in the period (they came back in it, or their 30
    # days after the first session ran out in it), and of them those who came back.
    returning: ReturnRate
    seen: int  # clients with a session held, or who changed therapist, in the period
    rematches: int  # clients who changed therapist in the period
    reasons: list[tuple[str, int]]  # the most given first
    to_first: timedelta | None  # median, from signing up to the first session held
    offered: int  # waitlist offers made
    offers_taken: int
    requests: dict[str, int]  # made in the period, by status (`RequestStatus`)
    revenue: dict[str, int]  # currency -> paid and not returned, in its smallest unit
    packages: PackageNumbers
    seats: SeatNumbers

    @property
    def no_show_rate(self) -> Fraction | None:
        due = self.held + self.no_shows
        return Fraction(self.no_shows, due) if due else None

    @property
    def return_rate(self) -> Fraction | None:
        rate = self.returning
        return Fraction(rate.returned, rate.clients) if rate.clients else None

    @property
    def rematch_rate(self) -> Fraction | None:
        return Fraction(self.rematches, self.seen) if self.seen else None

    def per_client(self) -> dict[str, int]:
        """Money per client seen in the period, by currency (rounded down)."""
        if not self.seen:
            return {}
        return {currency: total // self.seen for currency, total in self.revenue.items()}


async def numbers(
    session: AsyncSession, start: datetime, end: datetime, therapist_id: int | None = None
) -> Numbers:
    """The numbers of [start, end] (end is usually now), for one therapist or all."""

    def mine(column: Any) -> list[ColumnElement[bool]]:
        return [] if therapist_id is None else [column == therapist_id]

    def within(column: Any) -> list[ColumnElement[bool]]:
        return [column >= start, column <= end]

    held_rows = await session.execute(
        select(Booking.client_id, func.count())
        .where(held(end), *within(Booking.starts_at), *mine(Booking.therapist_id))
        .group_by(Booking.client_id)
    )
    held_by_client = {client: int(count) for client, count in held_rows.all()}
    no_shows = await count(
        session,
        Booking.id,
        Booking.status == BookingStatus.no_show,
        *within(Booking.starts_at),
        *mine(Booking.therapist_id),
    )
    confirmed = await count(
        session, Booking.id, *within(Booking.confirmed_at), *mine(Booking.therapist_id)
    )
    cancelled_rows = await session.execute(
        select(Booking.cancelled_by, func.count())
        .where(
            Booking.status == BookingStatus.cancelled,
            *within(Booking.cancelled_at),
            *mine(Booking.therapist_id),
        )
        .group_by(Booking.cancelled_by)
    )
    cancelled = {str(by or "unknown"): int(count) for by, count in cancelled_rows.all()}

    # First sessions: with each therapist for the return rate; with the practice (or
    # this therapist) for the time from signing up.
    pairs = [
        (client, first, second)
        for _, client, first, second in await first_sessions(session, end, therapist_id)
    ]
    firsts_in = [
        (client, first, second) for client, first, second in pairs if start <= first <= end
    ]
    decided = [
        (first, second)
        for _, first, second in pairs
        if start <= decided_at(first, second, end) <= end
    ]
    returning = tally(decided, end)
    earliest: dict[int, datetime] = {}
    for client, first, _ in pairs:
        if client not in earliest or first < earliest[client]:
            earliest[client] = first
    newcomers = {client: first for client, first in earliest.items() if start <= first <= end}
    to_first = None
    if newcomers:
        signed_up = dict(
            (
                await session.execute(
                    select(User.id, User.created_at).where(User.id.in_(list(newcomers)))
                )
            ).all()
        )
        waits = [newcomers[client] - as_utc(signed_up[client]) for client in newcomers]
        to_first = timedelta(seconds=statistics.median(wait.total_seconds() for wait in waits))

    rematch_rows = await session.execute(
        select(Rematch.client_id, Rematch.reason).where(
            *within(Rematch.created_at), *mine(Rematch.therapist_id)
        )
    )
    rematches = rematch_rows.all()
    leaving = {client for client, _ in rematches}
    reasons = Counter(reason for _, reason in rematches)

    if therapist_id is None:
        # The whole practice: the anonymous counts, which stay after an erasure.
        offered, offers_taken = await offer_counts(session, start, end)
    else:
        offer_rows = await session.execute(
            select(WaitlistOffer.status, func.count())
            .where(*within(WaitlistOffer.offered_at), *mine(WaitlistOffer.therapist_id))
            .group_by(WaitlistOffer.status)
        )
        offers = {status: int(count) for status, count in offer_rows.all()}
        offered, offers_taken = sum(offers.values()), offers.get(OfferStatus.taken, 0)
    request_rows = await session.execute(
        select(BookingRequest.status, func.count())
        .where(*within(BookingRequest.created_at), *mine(BookingRequest.therapist_id))
        .group_by(BookingRequest.status)
    )
    revenue_rows = await session.execute(
        select(Payment.currency, func.sum(Payment.amount))
        .join(Booking, Booking.id == Payment.booking_id)
        .where(
            Payment.status == PaymentStatus.paid,
            *within(Payment.created_at),
            *mine(Booking.therapist_id),
        )
        .group_by(Payment.currency)
    )
    return Numbers(
        start=start,
        end=end,
        shown=await shown(session, start, end, therapist_id),
        held=sum(held_by_client.values()),
        no_shows=no_shows,
        confirmed=confirmed,
        cancelled=cancelled,
        firsts=len(firsts_in),
        returning=returning,
        seen=len(set(held_by_client) | leaving),
        rematches=len(leaving),
        reasons=sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:REASONS_SHOWN],
        to_first=to_first,
        offered=offered,
        offers_taken=offers_taken,
        requests={status: int(count) for status, count in request_rows.all()},
        revenue={currency: int(total) for currency, total in revenue_rows.all() if total},
        packages=await packages.numbers(session, start, end, therapist_id),
        seats=await groups.numbers(session, start, end, therapist_id=therapist_id),
    )


# The practice's beginning, for an export without a "from" date.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
EXPORT_COLUMNS = (
    "therapist_id",
    "therapist",
    "cards_shown",
    "sessions_held",
    "no_shows",
    "no_show_percent",
    "confirmed",
    "cancelled_by_client",
    "cancelled_by_therapist",
    "cancelled_by_admin",
    "cancelled_other",
    "first_sessions",
    "return_decided",
    "returned",
    "return_percent",
    "clients_seen",
    "rematches",
    "rematch_percent",
    "rematch_reasons",
    "median_days_to_first_session",
    "waitlist_offered",
    "waitlist_booked",
    "requests",
    "requests_accepted",
    "requests_declined",
    "requests_lapsed",
    "paid",
    "paid_per_client",
    "packages_sold",
    "packages_sold_amount",
    "package_sessions_spent",
    "packages_refunded",
    "package_sessions_outstanding",
    "packages_outstanding_amount",
    "group_dates",
    "group_seats",
    "group_seats_filled",
)


def _percent(rate: Fraction | None) -> int | str:
    return "" if rate is None else round(100 * rate)


def _totals(totals: dict[str, int]) -> str:
    return " ".join(f"{currency}:{amount}" for currency, amount in sorted(totals.items()))


def export_row(therapist_id: int | str, name: str, found: Numbers) -> tuple[Any, ...]:
    by = found.cancelled
    return (
        therapist_id,
        name,
        found.shown,
        found.held,
        found.no_shows,
        _percent(found.no_show_rate),
        found.confirmed,
        by.get("client", 0),
        by.get("therapist", 0),
        by.get("admin", 0),
        sum(count for who, count in by.items() if who not in ("client", "therapist", "admin")),
        found.firsts,
        found.returning.clients,
        found.returning.returned,
        _percent(found.return_rate),
        found.seen,
        found.rematches,
        _percent(found.rematch_rate),
        " ".join(f"{reason}:{count}" for reason, count in found.reasons),
        "" if found.to_first is None else round(found.to_first / timedelta(days=1), 1),
        found.offered,
        found.offers_taken,
        sum(found.requests.values()),
        found.requests.get("accepted", 0),
        found.requests.get("declined", 0),
        found.requests.get("lapsed", 0),
        _totals(found.revenue),
        _totals(found.per_client()),
        found.packages.sold,
        _totals(found.packages.sold_amount),
        found.packages.spent,
        _totals(found.packages.refunded),
        found.packages.outstanding,
        _totals(found.packages.outstanding_amount),
        found.seats.dates,
        found.seats.seats,
        found.seats.filled,
    )


async def export(
    session: AsyncSession, start: datetime | None, end: datetime
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The numbers of [start, end] as a table: the whole practice first ("all"), then one
    row per therapist. Amounts in the currency's smallest unit, like the payments."""
    first = start or EPOCH
    rows = [export_row("all", "", await numbers(session, first, end))]
    therapists = await session.execute(
        select(Therapist.id, Therapist.name_ru).order_by(Therapist.id)
    )
    for therapist_id, name in therapists.all():
        rows.append(
            export_row(therapist_id, name, await numbers(session, first, end, therapist_id))
        )
    return EXPORT_COLUMNS, rows
