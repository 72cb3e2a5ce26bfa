"""The practice's rules (pure): minimum notice, horizon, reschedule and cancellation
windows, when reminders go out, how long a time is held for its payment, a confirming
therapist's answer or a waiting client, and how far a regular time looks ahead. Built once
from the settings (`Settings.rules`) by the app factory and handed to what needs them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.rules.outcomes import DEFAULT_RANKING, Ranking
from bot.rules.reminders import ReminderPlan

# How long a client may choose to wait for a therapist's freed time, in days: two weeks or a
# month (the waitlist).
WAIT_DAYS = (14, 30)


class Refusal(enum.StrEnum):
    past = "past"
    too_soon = "too_soon"
    too_far = "too_far"
    started = "started"
    too_late = "too_late"
    too_many = "too_many"


class CancelTerms(enum.StrEnum):
    free = "free"
    late = "late"


@dataclass(frozen=True)
class Rules:
    min_notice: timedelta
    horizon: timedelta
    reschedule_until: timedelta
    free_cancel: timedelta
    max_reschedules: int
    reminders: ReminderPlan
    # How long a time is held for its payment (None: sessions are not paid in the bot).
    payment_hold: timedelta | None = None
    # A therapist who confirms bookings answers a request within this long (or by the
    # minimum notice before the session, if sooner).
    approval: timedelta = timedelta(hours=24)
    # The waitlist: a freed time is held for one waiting client this long, and at most
    # `offers_per_day` offers reach one client in their calendar day.
    offer_hold: timedelta = timedelta(minutes=30)
    offers_per_day: int = 3
    # A regular time: how many weeks its preview and screens look ahead.
    series_ahead_weeks: int = 6
    # How what happened after earlier matches moves therapists in the catalogue.
    ranking: Ranking = DEFAULT_RANKING

    @property
    def paid(self) -> bool:
        """Whether sessions are paid in the bot (each one held until paid)."""
        return self.payment_hold is not None

    def answer_due(self, start: datetime, now: datetime) -> datetime:
        """When a booking request for a session at `start`, made now, lapses unanswered."""
        return min(now + self.approval, start - self.min_notice)

    def offer_expires(self, start: datetime, now: datetime) -> datetime:
        """Until when a waitlist offer of a time at `start`, made now, is held."""
        return min(now + self.offer_hold, start - self.min_notice)

    def pay_by(self, start: datetime, now: datetime) -> datetime:
        """When an unpaid regular session is released: its free-cancellation deadline, or,
        when that has passed already (a date taken late), a payment hold from now."""
        return max(start - self.free_cancel, now + (self.payment_hold or timedelta(0)))

    def booking_window(self, now: datetime) -> tuple[datetime, datetime]:
        """Slots starting in [earliest, latest) can be booked now."""
        return now + self.min_notice, now + self.horizon

    def can_book(self, start: datetime, now: datetime) -> Refusal | None:
        earliest, latest = self.booking_window(now)
        if start <= now:
            return Refusal.past
        if start < earliest:
            return Refusal.too_soon
        if start >= latest:
            return Refusal.too_far
        return None

    def can_reschedule(self, start: datetime, moves: int, now: datetime) -> Refusal | None:
        if start <= now:
            return Refusal.started
        if start - now < self.reschedule_until:
            return Refusal.too_late
        if moves >= self.max_reschedules:
            return Refusal.too_many
        return None

    def can_cancel(self, start: datetime, now: datetime) -> Refusal | None:
        return Refusal.started if start <= now else None

    def words(self, refusal: Refusal) -> tuple[str, dict[str, int]]:
        """The text that tells a person the refusal (a key of the locale files) and its
        values: a move or a change refused for the session's sake, a time for the time's."""
        hour = timedelta(hours=1)
        if refusal in (Refusal.started, Refusal.too_late, Refusal.too_many):
            key = f"refusal-{refusal.value}"
            hours = self.reschedule_until // hour
        else:
            key = f"book-{refusal.value}"
            hours = self.min_notice // hour
        return key, {
            "hours": hours,
            "count": self.max_reschedules,
            "days": self.horizon // timedelta(days=1),
        }

    def cancel_terms(self, start: datetime, now: datetime) -> CancelTerms:
        return CancelTerms.free if start - now >= self.free_cancel else CancelTerms.late
