"""Matching a client's questionnaire against the therapist catalogue.

Hard filters decide who is shown at all; the topics only rank. When the filters leave
nobody, `diagnose` names the preference responsible and the one-tap relaxations that
would bring someone back, so the client never reaches a dead end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from fractions import Fraction

from bot.rules.outcomes import DEFAULT_RANKING, Ranking
from bot.rules.timezones import zone

# Local start hour in [from, to).
TIME_OF_DAY: dict[str, tuple[int, int]] = {
    "morning": (8, 12),
    "afternoon": (12, 17),
    "evening": (17, 22),
}
DAYS = ("weekdays", "weekends", "any")
FORMATS = ("individual", "couple")
GENDERS = ("female", "male", "any")
ANY = "any"

BUDGET_TIERS = (2500, 4000, 6000)  # roubles per session; above the last one: any

RELAXATIONS = ("time", "budget", "gender")


@dataclass(frozen=True)
class Preferences:
    format: str
    topics: frozenset[str]
    gender: str
    days: str
    time_of_day: str
    budget: int | None  # roubles per session; None: any
    timezone: str  # the client's zone, as `bot.rules.timezones.zone` reads it


@dataclass(frozen=True)
class Candidate:
    therapist_id: int
    gender: str
    offers_individual: bool
    offers_couple: bool
    price: int
    active: bool
    topics: frozenset[str]
    free_slots: tuple[datetime, ...]  # UTC-aware starts
    # What happened after earlier matches (`bot.rules.outcomes`): the return rate's
    # standing against the catalogue's (+1, 0, -1), and whether they answer quickly.
    standing: int = 0
    quick: bool = False


@dataclass(frozen=True)
class Match:
    therapist_id: int
    topics_matched: int
    topics_total: int
    first_slot: datetime
    fitting_slots: tuple[datetime, ...]  # ascending

    @property
    def topic_share(self) -> Fraction:
        return (
            Fraction(self.topics_matched, self.topics_total) if self.topics_total else Fraction(0)
        )


@dataclass(frozen=True)
class Diagnosis:
    """Why nobody matched, and what to offer instead.

    ``blocking`` is None when there are matches; otherwise the first preference, in the
    order format, gender, budget, time, after which nobody was left, or
    ``"none_available"`` when no active therapist has a free slot in the period at all.

    ``relaxations`` lists one-tap relaxations each of which alone brings back at least one
    match. When none does alone, it lists the combination that does when all are applied
    (``"budget"`` then repeats once per tier step needed). It is empty only when nothing a
    client may relax helps: ``blocking`` is then ``"format"`` or ``"none_available"``.
    """

    blocking: str | None
    relaxations: tuple[str, ...]


def _validate(prefs: Preferences) -> None:
    """Refuse a value the questionnaire cannot produce rather than silently match nobody."""
    for value, allowed, what in (
        (prefs.format, FORMATS, "format"),
        (prefs.gender, GENDERS, "gender preference"),
        (prefs.days, DAYS, "days preference"),
        (prefs.time_of_day, (*TIME_OF_DAY, ANY), "time of day"),
    ):
        if value not in allowed:
            raise ValueError(f"unknown {what} {value!r}")


def slot_fits(start: datetime, prefs: Preferences) -> bool:
    """Whether a slot start suits the client's days and time of day, on the client's clock."""
    _validate(prefs)
    return _fits(start, prefs)


def _fits(start: datetime, prefs: Preferences) -> bool:
    local = start.astimezone(zone(prefs.timezone))
    if not _day_fits(local.date(), prefs.days):
        return False
    if prefs.time_of_day == ANY:
        return True
    first_hour, end_hour = TIME_OF_DAY[prefs.time_of_day]
    return first_hour <= local.hour < end_hour


# -- the same filters as spans of time, for a query ---------------------------------------

WEEK_HOURS = 7 * 24
MASK_WORD = 56  # hours of the week per stored word (a signed 64-bit integer on every database)
MASK_WORDS = -(-WEEK_HOURS // MASK_WORD)


def week_hour(moment: datetime) -> int:
    """The hour of the week of a moment in UTC, Sunday 00:00 being 0 (as SQLite's `%w` and
    PostgreSQL's `dow` count)."""
    utc = moment.astimezone(UTC)
    return (utc.isoweekday() % 7) * 24 + utc.hour


def _day_fits(day: date, days: str) -> bool:
    if days == "weekdays":
        return day.weekday() < 5
    if days == "weekends":
        return day.weekday() >= 5
    return True


def _instant(day: date, hour: int, tz: tzinfo, fold: int) -> datetime:
    local = datetime.combine(day, time()) + timedelta(hours=hour)
    return local.replace(tzinfo=tz, fold=fold).astimezone(UTC)


def fitting_spans(
    prefs: Preferences, earliest: datetime, latest: datetime
) -> list[tuple[datetime, datetime]]:
    """UTC spans [start, end) within [earliest, latest), in order and merged, that hold
    every slot start fitting the client's days and time of day on their clock. Around a
    change of clocks a span may hold a little more: `slot_fits` has the last word."""
    _validate(prefs)
    tz = zone(prefs.timezone)
    first_hour, end_hour = TIME_OF_DAY.get(prefs.time_of_day, (0, 24))
    day = earliest.astimezone(tz).date() - timedelta(days=1)
    last = latest.astimezone(tz).date() + timedelta(days=1)
    spans: list[tuple[datetime, datetime]] = []
    while day <= last:
        if _day_fits(day, prefs.days):
            start = min(_instant(day, first_hour, tz, fold) for fold in (0, 1))
            end = max(_instant(day, end_hour, tz, fold) for fold in (0, 1))
            start, end = max(start, earliest), min(end, latest)
            if start < end:
                if spans and spans[-1][1] >= start:
                    spans[-1] = (spans[-1][0], max(spans[-1][1], end))
                else:
                    spans.append((start, end))
        day += timedelta(days=1)
    return spans


def week_hour_mask(spans: Iterable[tuple[datetime, datetime]]) -> tuple[int, ...]:
    """The hours of the week (UTC) the spans touch, as MASK_WORDS words of MASK_WORD bits:
    a therapist whose free hours share no bit with it has no fitting slot."""
    hours: set[int] = set()
    for start, end in spans:
        hour = start.replace(minute=0, second=0, microsecond=0)
        while hour < end and len(hours) < WEEK_HOURS:
            hours.add(week_hour(hour))
            hour += timedelta(hours=1)
    words = [0] * MASK_WORDS
    for hour_of_week in hours:
        words[hour_of_week // MASK_WORD] |= 1 << (hour_of_week % MASK_WORD)
    return tuple(words)


def _offers(candidate: Candidate, format_: str) -> bool:
    return candidate.offers_couple if format_ == "couple" else candidate.offers_individual


def _gender_ok(candidate: Candidate, prefs: Preferences) -> bool:
    return prefs.gender == ANY or candidate.gender == prefs.gender


def _budget_ok(candidate: Candidate, prefs: Preferences) -> bool:
    return prefs.budget is None or candidate.price <= prefs.budget


def _slots_in_period(candidate: Candidate, earliest: datetime, latest: datetime) -> list[datetime]:
    return sorted({start for start in candidate.free_slots if earliest <= start < latest})


def find_matches(
    prefs: Preferences,
    candidates: Iterable[Candidate],
    *,
    earliest: datetime,
    latest: datetime,
    ranking: Ranking = DEFAULT_RANKING,
) -> list[Match]:
    """Therapists passing every hard filter, best first.

    Ranked by the share of the client's topics the therapist works with, then by the
    soonest fitting slot moved by the therapist's shift (`Ranking.shift`: sooner for a
    return rate above the catalogue's and for quick answers, later for one below it,
    never by more than the shifts' sum), then by id so that equal candidates keep a
    stable order. The shifts never let anyone past a hard filter.
    """
    _validate(prefs)
    matches = []
    shifts: dict[int, timedelta] = {}
    for candidate in candidates:
        if not (
            candidate.active
            and _offers(candidate, prefs.format)
            and _gender_ok(candidate, prefs)
            and _budget_ok(candidate, prefs)
        ):
            continue
        fitting = tuple(
            start for start in _slots_in_period(candidate, earliest, latest) if _fits(start, prefs)
        )
        if not fitting:
            continue
        shifts[candidate.therapist_id] = ranking.shift(candidate.standing, candidate.quick)
        matches.append(
            Match(
                therapist_id=candidate.therapist_id,
                topics_matched=len(prefs.topics & candidate.topics),
                topics_total=len(prefs.topics),
                first_slot=fitting[0],
                fitting_slots=fitting,
            )
        )
    matches.sort(
        key=lambda match: (
            -match.topic_share,
            match.first_slot + shifts[match.therapist_id],
            match.therapist_id,
        )
    )
    return matches


def relax(prefs: Preferences, relaxation: str) -> Preferences:
    """The preferences after one tap on a relaxation button."""
    if relaxation == "time":
        return replace(prefs, days=ANY, time_of_day=ANY)
    if relaxation == "gender":
        return replace(prefs, gender=ANY)
    if relaxation == "budget":
        if prefs.budget is None:
            return prefs
        higher = [tier for tier in BUDGET_TIERS if tier > prefs.budget]
        return replace(prefs, budget=higher[0] if higher else None)
    raise ValueError(f"unknown relaxation {relaxation!r}")


def _relaxes_something(prefs: Preferences, relaxation: str) -> bool:
    return relax(prefs, relaxation) != prefs


# The hard filters, in the order a diagnosis lets them in.
FILTERS = ("format", "gender", "budget", "time")
STAGES = ("none_available", *FILTERS)


@dataclass(frozen=True)
class Question:
    """Is anyone left with these preferences and these of the hard filters? (Every
    question also asks for an active therapist with a free slot in the period.)"""

    prefs: Preferences
    filters: tuple[str, ...] = FILTERS


def _relaxed_all(prefs: Preferences) -> tuple[list[str], list[Preferences]]:
    """The applicable relaxations, and the preferences with all of them applied and then
    the budget raised tier by tier up to any."""
    applicable = [name for name in RELAXATIONS if _relaxes_something(prefs, name)]
    relaxed = prefs
    for name in applicable:
        relaxed = relax(relaxed, name)
    chain = [relaxed]
    while relaxed.budget is not None:
        relaxed = relax(relaxed, "budget")
        chain.append(relaxed)
    return applicable, chain


def diagnosis_questions(prefs: Preferences) -> list[Question]:
    """Every question `diagnose_by` may ask, to be answered up front (by the database)."""
    applicable, chain = _relaxed_all(prefs)
    return [
        *(Question(prefs, FILTERS[:n]) for n in range(len(STAGES))),
        *(Question(relax(prefs, name)) for name in applicable),
        *(Question(relaxed) for relaxed in chain),
    ]


def diagnose_by(prefs: Preferences, anyone: Callable[[Question], bool]) -> Diagnosis:
    """Explain an empty result and offer the relaxations that would end it, asking
    `anyone` (one of `diagnosis_questions(prefs)`) who would be left."""
    _validate(prefs)
    blocking = next(
        (name for n, name in enumerate(STAGES) if not anyone(Question(prefs, FILTERS[:n]))),
        None,
    )
    if blocking is None or blocking in ("none_available", "format"):
        return Diagnosis(blocking=blocking, relaxations=())
    applicable, chain = _relaxed_all(prefs)
    alone = tuple(name for name in applicable if anyone(Question(relax(prefs, name))))
    if alone:
        return Diagnosis(blocking=blocking, relaxations=alone)
    # Nothing helps alone: relax everything, raising the budget tier by tier until
    # someone appears. Someone always does, since somebody passed the format stage.
    combined = list(applicable)
    for steps, relaxed in enumerate(chain):
        if anyone(Question(relaxed)):
            combined += ["budget"] * steps
            order = {name: index for index, name in enumerate(RELAXATIONS)}
            return Diagnosis(
                blocking=blocking, relaxations=tuple(sorted(combined, key=order.__getitem__))
            )
    return Diagnosis(blocking="none_available", relaxations=())  # only if the above stops holding


def _anyone(
    question: Question, pool: Sequence[Candidate], earliest: datetime, latest: datetime
) -> bool:
    prefs, filters = question.prefs, question.filters
    for candidate in pool:
        if not candidate.active:
            continue
        if "format" in filters and not _offers(candidate, prefs.format):
            continue
        if "gender" in filters and not _gender_ok(candidate, prefs):
            continue
        if "budget" in filters and not _budget_ok(candidate, prefs):
            continue
        slots = _slots_in_period(candidate, earliest, latest)
        if "time" in filters:
            slots = [start for start in slots if _fits(start, prefs)]
        if slots:
            return True
    return False


def diagnose(
    prefs: Preferences,
    candidates: Iterable[Candidate],
    *,
    earliest: datetime,
    latest: datetime,
) -> Diagnosis:
    """Explain an empty result over candidates in hand (the specification the database's
    answers follow)."""
    pool = list(candidates)
    return diagnose_by(prefs, lambda question: _anyone(question, pool, earliest, latest))
