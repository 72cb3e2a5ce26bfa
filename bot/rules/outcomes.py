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


def decided_at(first: datetime, second: datetime | None, now: datetime) -> datetime:
    """When it became clear whether the client came back: their second session, if it
    came within the window, else the window's end (still ahead while too early)."""
    if came_back(first, second, now):
        assert second is not None
        return second
    return first + RETURN_WINDOW


def tally(pairs: list[tuple[datetime, datetime | None]], now: datetime) -> ReturnRate:
    """One therapist's return rate from each client's (first, second) held sessions."""
    outcomes = [came_back(first, second, now) for first, second in pairs]
    counted = [outcome for outcome in outcomes if outcome is not None]
    return ReturnRate(clients=len(counted), returned=sum(counted))


# -- ranking ---------------------------------------------------------------------------

# A therapist "answers quickly" when half their answered-or-lapsed requests of the last
# `QUICK_LOOKBACK` were answered within `QUICK_ANSWER`, from `QUICK_FROM` requests on.
QUICK_ANSWER = timedelta(hours=4)
QUICK_LOOKBACK = timedelta(days=90)
QUICK_FROM = 3
# How far the shrunk return rate must stand from the catalogue's to count as above or
# below it (in the rate's units: 0.1 is ten points).
RATE_MARGIN = Fraction(1, 10)


@dataclass(frozen=True)
class Ranking:
    """How much what happened after earlier matches moves a therapist in the catalogue,
    within their topic tier: their first fitting free time counts as `return_shift`
    sooner when their (shrunk) return rate is above the catalogue's, as much later when
    it is below, and `quick_shift` sooner when they answer requests quickly. The term is
    bounded: a therapist without history is never passed by one whose free time is later
    by more than `lift`. `prior_clients`: how many clients at the catalogue's rate the
    shrinking adds."""

    return_shift: timedelta = timedelta(hours=48)
    quick_shift: timedelta = timedelta(hours=12)
    prior_clients: int = 10

    def __post_init__(self) -> None:
        if self.return_shift < timedelta(0) or self.quick_shift < timedelta(0):
            raise ValueError("a shift is not negative")
        if self.prior_clients < 0:
            raise ValueError("the prior's weight is not negative")

    @property
    def lift(self) -> timedelta:
        """The most a therapist can be moved ahead of one without history."""
        return self.return_shift + self.quick_shift

    def shift(self, standing: int, quick: bool) -> timedelta:
        """What is added to a therapist's first fitting time (negative: sooner)."""
        return -(standing * self.return_shift) - (self.quick_shift if quick else timedelta(0))

    def helped(self, standing: int) -> bool:
        """Whether the return rate moved this therapist up (the card says so)."""
        return standing > 0 and self.return_shift > timedelta(0)


# The settings' defaults (`bot.config`): what the catalogue is ranked by unless told.
DEFAULT_RANKING = Ranking()


def prior(rates: list[ReturnRate]) -> Fraction:
    """The catalogue's return rate: every counted client of every therapist together."""
    clients = sum(rate.clients for rate in rates)
    return Fraction(sum(rate.returned for rate in rates), clients) if clients else Fraction(0)


def standing(rate: ReturnRate, catalogue: Fraction, weight: int) -> int:
    """+1 above the catalogue's rate, -1 below it, 0 about it or without history: the rate
    shrunk toward the catalogue's first, so two clients never decide it."""
    gap = rate.shrunk(catalogue, weight) - catalogue
    if gap >= RATE_MARGIN:
        return 1
    if gap <= -RATE_MARGIN:
        return -1
    return 0


def answers_quickly(waits: list[timedelta | None]) -> bool:
    """From how long each request waited for its answer (None: it lapsed unanswered)."""
    if len(waits) < QUICK_FROM:
        return False
    quick = sum(1 for wait in waits if wait is not None and wait <= QUICK_ANSWER)
    return 2 * quick >= len(waits)
