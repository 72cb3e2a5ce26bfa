"""What happened after a match (pure): whether a client came back for a second session
with the same therapist, and the return rate a card shows and ranking may use.

A client counts for a therapist once their first session with them was held (completed,
or confirmed and over and not marked a no-show). They "came back" when they had another
held session with that therapist within `RETURN_WINDOW` of the first. A client whose
first session is more recent than that and who has not come back yet is not counted
either way: it is too early to say, and counting them would pull a busy new therapist
down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

RETURN_WINDOW = timedelta(days=30)
# A card shows the return rate only from this many counted clients on (never a zero for a
# newcomer, never a rate from two or three people).
BADGE_FROM = 5


@dataclass(frozen=True)
class ReturnRate:
    clients: int  # counted clients (their first session held, old enough to tell)
    returned: int  # of them, those who came back within the window

    def __post_init__(self) -> None:
        if not 0 <= self.returned <= self.clients:
            raise ValueError(f"returned {self.returned} of {self.clients}")

    def badge(self) -> int | None:
        """ "N of 10 came back", rounded half up; None below `BADGE_FROM` clients."""
        if self.clients < BADGE_FROM:
            return None
        tenths = Fraction(10 * self.returned, self.clients)
        return int(tenths + Fraction(1, 2))

    def shrunk(self, prior: Fraction, weight: int) -> Fraction:
        """The rate pulled toward `prior` (the catalogue's) as if `weight` more clients
        had returned at that rate: a therapist with few clients sits near the average."""
        if weight < 0 or not 0 <= prior <= 1:
            raise ValueError("the prior is a rate and its weight not negative")
        if self.clients + weight == 0:
            return prior
        return (self.returned + prior * weight) / (self.clients + weight)


def came_back(first: datetime, second: datetime | None, now: datetime) -> bool | None:
    """Whether a client whose first held session began at `first` (and the next one at
    `second`, if any) came back: True, False, or None while it is too early to tell."""
    if second is not None and second - first <= RETURN_WINDOW:
        return True
    if now - first < RETURN_WINDOW:
        return None
    return False


def tally(pairs: list[tuple[datetime, datetime | None]], now: datetime) -> ReturnRate:
    """One therapist's return rate from each client's (first, second) held sessions."""
    outcomes = [came_back(first, second, now) for first, second in pairs]
    counted = [outcome for outcome in outcomes if outcome is not None]
    return ReturnRate(clients=len(counted), returned=sum(counted))
