"""Booking rules (pure): minimum notice, horizon, reschedule and cancellation windows."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings


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

    @classmethod
    def from_settings(cls, settings: Settings) -> Rules:
        return cls(
            min_notice=timedelta(hours=settings.min_booking_notice_hours),
            horizon=timedelta(days=settings.booking_horizon_days),
            reschedule_until=timedelta(hours=settings.reschedule_until_hours),
            free_cancel=timedelta(hours=settings.free_cancel_hours),
            max_reschedules=settings.max_reschedules,
        )

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

    def cancel_terms(self, start: datetime, now: datetime) -> CancelTerms:
        return CancelTerms.free if start - now >= self.free_cancel else CancelTerms.late
