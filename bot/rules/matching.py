"""Matching a client's questionnaire against the therapist catalogue.

Hard filters decide who is shown at all; the topics only rank. When the filters leave
nobody, `diagnose` names the preference responsible and the one-tap relaxations that
would bring someone back, so the client never reaches a dead end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction

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
    if prefs.days == "weekdays" and local.weekday() >= 5:
        return False
    if prefs.days == "weekends" and local.weekday() < 5:
        return False
    if prefs.time_of_day == ANY:
        return True
    first_hour, end_hour = TIME_OF_DAY[prefs.time_of_day]
    return first_hour <= local.hour < end_hour


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
) -> list[Match]:
    """Therapists passing every hard filter, best first.

    Ranked by the share of the client's topics the therapist works with, then by the
    soonest fitting slot, then by id so that equal candidates keep a stable order.
    """
    _validate(prefs)
    matches = []
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
        matches.append(
            Match(
                therapist_id=candidate.therapist_id,
                topics_matched=len(prefs.topics & candidate.topics),
                topics_total=len(prefs.topics),
                first_slot=fitting[0],
                fitting_slots=fitting,
            )
        )
    matches.sort(key=lambda match: (-match.topic_share, match.first_slot, match.therapist_id))
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


def _blocking(
    prefs: Preferences, candidates: Sequence[Candidate], earliest: datetime, latest: datetime
) -> str | None:
    left = [
        candidate
        for candidate in candidates
        if candidate.active and _slots_in_period(candidate, earliest, latest)
    ]
    if not left:
        return "none_available"

    def fits_time(candidate: Candidate) -> bool:
        return any(_fits(start, prefs) for start in _slots_in_period(candidate, earliest, latest))

    stages: tuple[tuple[str, Callable[[Candidate], bool]], ...] = (
        ("format", lambda candidate: _offers(candidate, prefs.format)),
        ("gender", lambda candidate: _gender_ok(candidate, prefs)),
        ("budget", lambda candidate: _budget_ok(candidate, prefs)),
        ("time", fits_time),
    )
    for name, keep in stages:
        left = [candidate for candidate in left if keep(candidate)]
        if not left:
            return name
    return None


def diagnose(
    prefs: Preferences,
    candidates: Iterable[Candidate],
    *,
    earliest: datetime,
    latest: datetime,
) -> Diagnosis:
    """Explain an empty result and offer the relaxations that would end it."""
    _validate(prefs)
    pool = list(candidates)
    blocking = _blocking(prefs, pool, earliest, latest)
    if blocking is None or blocking in ("none_available", "format"):
        return Diagnosis(blocking=blocking, relaxations=())

    def helps(relaxed: Preferences) -> bool:
        return bool(find_matches(relaxed, pool, earliest=earliest, latest=latest))

    applicable = [name for name in RELAXATIONS if _relaxes_something(prefs, name)]
    alone = tuple(name for name in applicable if helps(relax(prefs, name)))
    if alone:
        return Diagnosis(blocking=blocking, relaxations=alone)

    # Nothing helps alone: relax everything, raising the budget tier by tier until
    # someone appears. Someone always does, since somebody passed the format stage.
    combined = list(applicable)
    relaxed = prefs
    for name in applicable:
        relaxed = relax(relaxed, name)
    while not helps(relaxed) and relaxed.budget is not None:
        relaxed = relax(relaxed, "budget")
        combined.append("budget")
    if not helps(relaxed):  # only if the reasoning above ever stops holding
        return Diagnosis(blocking="none_available", relaxations=())
    order = {name: index for index, name in enumerate(RELAXATIONS)}
    return Diagnosis(blocking=blocking, relaxations=tuple(sorted(combined, key=order.__getitem__)))
