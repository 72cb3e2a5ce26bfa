"""When reminders are due (pure): their kinds and the practice's plan of offsets.

Kinds: ``client:<offset>`` and ``therapist:<offset>`` before the session (``client:24h``,
``therapist:1h``), and ``rating`` after it. A regular time's session that waits for payment
gets ``invoice:<offset>`` (its invoice) and ``invoice-again:<offset>`` (a reminder to pay,
halfway to the free-cancellation deadline, when it is released unpaid)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.rules.timezones import parse_durations

CLIENT = "client"
THERAPIST = "therapist"
RATING = "rating"
INVOICE = "invoice"
INVOICE_AGAIN = "invoice-again"
# Asked a little after the planned end: sessions often run over by a few minutes.
RATING_AFTER = timedelta(minutes=10)


def kind_for(audience: str, offset: timedelta) -> str:
    """``client:24h``, ``therapist:90m``: the offset in the largest unit that divides it."""
    seconds = int(offset.total_seconds())
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{audience}:{seconds // size}{unit}"
    return f"{audience}:{seconds}s"


@dataclass(frozen=True)
class Kind:
    audience: str  # client, therapist or rating
    offset: timedelta | None  # before the start; None for the rating request

    @classmethod
    def parse(cls, kind: str) -> Kind | None:
        if kind == RATING:
            return cls(RATING, None)
        audience, _, offset = kind.partition(":")
        if audience not in (CLIENT, THERAPIST, INVOICE, INVOICE_AGAIN):
            return None
        try:
            parsed = parse_durations(offset)
        except ValueError:
            return None
        return cls(audience, parsed[0]) if len(parsed) == 1 else None

    def due_at(self, starts_at: datetime, ends_at: datetime) -> datetime:
        return ends_at + RATING_AFTER if self.offset is None else starts_at - self.offset


@dataclass(frozen=True)
class ReminderPlan:
    """The offsets before a session at which the client and the therapist are reminded."""

    client: tuple[timedelta, ...]
    therapist: tuple[timedelta, ...]
    # Payments on: a regular session's invoice this long before it, and the moment it is
    # released unpaid (the free-cancellation deadline) before it.
    invoice: timedelta | None = None
    pay_by: timedelta = timedelta(0)

    def invoice_times(self, starts_at: datetime) -> dict[str, datetime]:
        """When a regular session waiting for payment gets its invoice and the reminder."""
        if self.invoice is None:
            return {}
        again = (self.invoice + self.pay_by) / 2
        return {
            kind_for(INVOICE, self.invoice): starts_at - self.invoice,
            kind_for(INVOICE_AGAIN, again): starts_at - again,
        }

    def due_times(self, starts_at: datetime, ends_at: datetime) -> dict[str, datetime]:
        due = {
            kind_for(audience, offset): starts_at - offset
            for audience, offsets in ((CLIENT, self.client), (THERAPIST, self.therapist))
            for offset in offsets
            if offset > timedelta(0)
        }
        due[RATING] = ends_at + RATING_AFTER
        return due
