from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.rules.matching import (
    BUDGET_TIERS,
    Candidate,
    Diagnosis,
    Match,
    Preferences,
    diagnose,
    find_matches,
    relax,
    slot_fits,
)
from bot.rules.outcomes import Ranking
from bot.rules.timezones import zone

MONDAY = datetime(2025, 6, 2, tzinfo=UTC)  # 00:00 UTC, a Monday
EARLIEST = MONDAY
LATEST = MONDAY + timedelta(days=14)
TOPICS = ("anxiety", "burnout", "grief", "relationships", "sleep")
ZONES = ("Europe/Moscow", "UTC+03:00", "Asia/Novosibirsk", "America/New_York", "UTC-02:30")

PROPERTY_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def prefs(**changes: object) -> Preferences:
    base = Preferences(
        format="individual",
        topics=frozenset({"anxiety", "sleep"}),
        gender="any",
        days="any",
        time_of_day="any",
        budget=None,
        timezone="Europe/Moscow",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def candidate(therapist_id: int, *slots: datetime, **changes: object) -> Candidate:
    base = Candidate(
        therapist_id=therapist_id,
        gender="female",
        offers_individual=True,
        offers_couple=False,
        price=3000,
        active=True,
        topics=frozenset({"anxiety"}),
        free_slots=slots,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def moscow(day: int, hour: int) -> datetime:
    """A moment given on the Moscow clock (UTC+3), ``day`` days after MONDAY."""
    return MONDAY + timedelta(days=day, hours=hour - 3)


# A reference implementation, written as plainly as possible.

REFERENCE_HOURS = {"morning": range(8, 12), "afternoon": range(12, 17), "evening": range(17, 22)}


def reference_fits(start: datetime, wanted: Preferences) -> bool:
    local = start.astimezone(zone(wanted.timezone))
    if wanted.days == "weekdays" and local.weekday() > 4:
        return False
    if wanted.days == "weekends" and local.weekday() < 5:
        return False
    return wanted.time_of_day == "any" or local.hour in REFERENCE_HOURS[wanted.time_of_day]


def reference_slots(person: Candidate, wanted: Preferences) -> list[datetime]:
    """Fitting slots of a therapist who passes every hard filter; empty otherwise."""
    if not person.active:
        return []
    if wanted.format == "individual" and not person.offers_individual:
        return []
    if wanted.format == "couple" and not person.offers_couple:
        return []
    if wanted.gender != "any" and person.gender != wanted.gender:
        return []
    if wanted.budget is not None and person.price > wanted.budget:
        return []
    return sorted(
        {
            start
            for start in person.free_slots
            if EARLIEST <= start < LATEST and reference_fits(start, wanted)
        }
    )


def reference_ids(wanted: Preferences, people: list[Candidate]) -> set[int]:
    return {person.therapist_id for person in people if reference_slots(person, wanted)}


def ranked_before(first: Match, second: Match, shifts: dict[int, timedelta] | None = None) -> bool:
    """Whether ``first`` may come before ``second``; shares compared by cross-multiplying,
    then the first fitting slots moved by each one's shift (none without `shifts`)."""
    left = first.topics_matched * max(second.topics_total, 1)
    right = second.topics_matched * max(first.topics_total, 1)
    if first.topics_total == 0:
        left = 0
    if second.topics_total == 0:
        right = 0
    if left != right:
        return left > right
    shifts = shifts or {}
    first_key = first.first_slot + shifts.get(first.therapist_id, timedelta(0))
    second_key = second.first_slot + shifts.get(second.therapist_id, timedelta(0))
    if first_key != second_key:
        return first_key < second_key
    return first.therapist_id < second.therapist_id


def matches(
    wanted: Preferences, people: list[Candidate], ranking: Ranking | None = None
) -> list[Match]:
    if ranking is None:
        people = [replace(person, standing=0, quick=False) for person in people]
        ranking = Ranking()
    return find_matches(wanted, people, earliest=EARLIEST, latest=LATEST, ranking=ranking)


# Strategies.

slot_times = st.builds(
    lambda half_hours: MONDAY + timedelta(minutes=30 * half_hours),
    st.integers(min_value=-2 * 48, max_value=16 * 48),
)


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    ids = draw(
        st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=8, unique=True)
    )
    return [
        Candidate(
            therapist_id=therapist_id,
            gender=draw(st.sampled_from(["female", "male"])),
            offers_individual=draw(st.booleans()),
            offers_couple=draw(st.booleans()),
            price=draw(st.sampled_from([2000, 2500, 3000, 4000, 4500, 6000, 6500, 7000])),
            active=draw(st.booleans() | st.just(True)),
            topics=draw(st.frozensets(st.sampled_from(TOPICS))),
            free_slots=tuple(draw(st.lists(slot_times, max_size=8))),
            standing=draw(st.sampled_from([0, 0, 1, -1])),
            quick=draw(st.booleans()),
        )
        for therapist_id in ids
    ]


# The weights, as the settings may give them (0 turns a term off).
rankings = st.builds(
    Ranking,
    return_shift=st.sampled_from([timedelta(0), timedelta(hours=12), timedelta(days=2)]),
    quick_shift=st.sampled_from([timedelta(0), timedelta(hours=6), timedelta(days=1)]),
    prior_clients=st.integers(min_value=0, max_value=20),
)


# "any" is drawn more often than a narrow choice, so that a fair share of examples match.
preferences = st.builds(
    Preferences,
    format=st.sampled_from(["individual", "individual", "couple"]),
    topics=st.frozensets(st.sampled_from(TOPICS)),
    gender=st.sampled_from(["female", "male", "any", "any"]),
    days=st.sampled_from(["weekdays", "weekends", "any", "any"]),
    time_of_day=st.sampled_from(["morning", "afternoon", "evening", "any", "any"]),
    budget=st.sampled_from([None, None, 2000, 2500, 3000, 4000, 6000]),
    timezone=st.sampled_from(ZONES),
)


def relax_everything(wanted: Preferences) -> Preferences:
    return replace(wanted, gender="any", budget=None, days="any", time_of_day="any")


# Properties.


@PROPERTY_SETTINGS
@given(preferences, candidates(), rankings)
def test_matches_are_exactly_those_passing_every_filter(
    wanted: Preferences, people: list[Candidate], ranking: Ranking
) -> None:
    # Whatever the history and the weights: the hard filters stay hard.
    found = matches(wanted, people, ranking)
    assert {match.therapist_id for match in found} == reference_ids(wanted, people)
    assert len(found) == len({match.therapist_id for match in found})
    by_id = {person.therapist_id: person for person in people}
    for match in found:
        person = by_id[match.therapist_id]
        assert list(match.fitting_slots) == reference_slots(person, wanted)
        assert match.first_slot == match.fitting_slots[0]
        assert match.topics_matched == len(wanted.topics & person.topics)
        assert match.topics_total == len(wanted.topics)


@PROPERTY_SETTINGS
@given(preferences, candidates())
def test_ranking_order(wanted: Preferences, people: list[Candidate]) -> None:
    # Without the narrowing preferences most of the catalogue matches: more to order.
    wanted = relax_everything(wanted)
    found = matches(wanted, people)
    for first, second in pairwise(found):
        assert ranked_before(first, second)
    # The order does not depend on the order of the catalogue.
    assert matches(wanted, people[::-1]) == found


@PROPERTY_SETTINGS
@given(preferences, candidates(), rankings)
def test_ranking_with_history(
    wanted: Preferences, people: list[Candidate], ranking: Ranking
) -> None:
    wanted = relax_everything(wanted)
    found = matches(wanted, people, ranking)
    by_id = {person.therapist_id: person for person in people}
    shifts = {
        match.therapist_id: ranking.shift(
            by_id[match.therapist_id].standing, by_id[match.therapist_id].quick
        )
        for match in found
    }
    for first, second in pairwise(found):
        assert ranked_before(first, second, shifts)
    assert matches(wanted, people[::-1], ranking) == found
    # The term is bounded: within a tier nobody is passed by a therapist whose first
    # fitting time is later by more than the most a shift can differ; one without any
    # history, by more than the most a shift can lift.
    widest = 2 * ranking.return_shift + ranking.quick_shift
    for position, earlier in enumerate(found):
        for later in found[position + 1 :]:
            if earlier.topics_matched != later.topics_matched:
                continue
            assert later.first_slot >= earlier.first_slot - widest
            newcomer = by_id[later.therapist_id]
            if newcomer.standing == 0 and not newcomer.quick:
                assert later.first_slot >= earlier.first_slot - ranking.lift


@PROPERTY_SETTINGS
@given(preferences, candidates())
def test_diagnosis_never_leaves_a_dead_end(wanted: Preferences, people: list[Candidate]) -> None:
    found = matches(wanted, people)
    result = diagnose(wanted, people, earliest=EARLIEST, latest=LATEST)
    if found:
        assert result == Diagnosis(blocking=None, relaxations=())
        return
    assert result.blocking in {"format", "gender", "budget", "time", "none_available"}
    if not result.relaxations:
        # Only when relaxing everything a client may relax still finds nobody.
        assert result.blocking in {"format", "none_available"}
        assert not reference_ids(relax_everything(wanted), people)
        return
    assert result.blocking not in {"format", "none_available"}
    assert set(result.relaxations) <= {"time", "budget", "gender"}
    alone = [bool(reference_ids(relax(wanted, name), people)) for name in result.relaxations]
    if all(alone):
        assert len(set(result.relaxations)) == len(result.relaxations)
        # Nothing that would help alone is left out.
        for name in {"time", "budget", "gender"} - set(result.relaxations):
            assert not reference_ids(relax(wanted, name), people)
    else:
        assert not any(alone)
        combined = wanted
        for name in result.relaxations:
            combined = relax(combined, name)
        assert reference_ids(combined, people)


@PROPERTY_SETTINGS
@given(preferences, candidates())
def test_blocking_names_a_preference_that_matters(
    wanted: Preferences, people: list[Candidate]
) -> None:
    result = diagnose(wanted, people, earliest=EARLIEST, latest=LATEST)
    if result.blocking == "gender":
        assert wanted.gender != "any"
    elif result.blocking == "budget":
        assert wanted.budget is not None
    elif result.blocking == "time":
        assert (wanted.days, wanted.time_of_day) != ("any", "any")
    elif result.blocking == "none_available":
        assert not reference_ids(relax_everything(wanted), people)


# Examples.


def test_ranking_by_topic_share_then_soonest_slot_then_id() -> None:
    people = [
        candidate(1, moscow(0, 10), topics=frozenset({"anxiety"})),
        candidate(2, moscow(3, 10), topics=frozenset({"anxiety", "sleep"})),
        candidate(3, moscow(0, 9), topics=frozenset({"sleep"})),
        candidate(4, moscow(0, 9), topics=frozenset({"grief"})),
        candidate(5, moscow(0, 9), topics=frozenset({"anxiety"})),
    ]
    found = matches(prefs(), people)
    assert [match.therapist_id for match in found] == [2, 3, 5, 1, 4]
    assert (found[0].topics_matched, found[0].topics_total) == (2, 2)
    assert found[-1].topics_matched == 0


def test_hard_filters() -> None:
    slot = moscow(1, 10)
    people = [
        candidate(1, slot, active=False),
        candidate(2, slot, offers_individual=False, offers_couple=True),
        candidate(3, slot, gender="male"),
        candidate(4, slot, price=4500),
        candidate(5),  # no free slot
        candidate(6, EARLIEST - timedelta(hours=1), LATEST),  # only outside the period
        candidate(7, slot, price=4000),
    ]
    found = matches(prefs(gender="female", budget=4000), people)
    assert [match.therapist_id for match in found] == [7]


def test_fitting_slots_follow_the_client_clock() -> None:
    slots = (moscow(0, 7), moscow(0, 8), moscow(0, 11), moscow(0, 12), moscow(5, 9))
    found = matches(prefs(days="weekdays", time_of_day="morning"), [candidate(1, *slots)])
    assert found[0].fitting_slots == (moscow(0, 8), moscow(0, 11))
    # 08:00 in Moscow is 01:00 in New York: not a morning there.
    assert not matches(
        prefs(days="weekdays", time_of_day="morning", timezone="America/New_York"),
        [candidate(1, moscow(0, 8))],
    )


def test_slot_fits_days_and_hours() -> None:
    saturday_evening = moscow(5, 19)
    assert slot_fits(saturday_evening, prefs(days="weekends", time_of_day="evening"))
    assert not slot_fits(saturday_evening, prefs(days="weekdays"))
    assert not slot_fits(saturday_evening, prefs(time_of_day="afternoon"))
    assert slot_fits(moscow(0, 21), prefs(time_of_day="evening"))
    assert not slot_fits(moscow(0, 22), prefs(time_of_day="evening"))
    # A fixed offset works like a zone name.
    assert slot_fits(moscow(0, 12), prefs(time_of_day="afternoon", timezone="UTC+03:00"))
    # Sunday 23:00 in Moscow is already Monday in Novosibirsk.
    assert slot_fits(moscow(6, 23), prefs(days="weekdays", timezone="Asia/Novosibirsk"))


def test_unknown_preference_values_are_refused() -> None:
    with pytest.raises(ValueError, match="time of day"):
        slot_fits(MONDAY, prefs(time_of_day="night"))
    # Refused even when there is nobody to compare with.
    with pytest.raises(ValueError, match="format"):
        matches(prefs(format="group"), [])
    with pytest.raises(ValueError, match="gender"):
        diagnose(prefs(gender="other"), [], earliest=EARLIEST, latest=LATEST)
    with pytest.raises(ValueError, match="relaxation"):
        relax(prefs(), "format")


def test_relax() -> None:
    wanted = prefs(gender="male", days="weekends", time_of_day="morning", budget=2000)
    assert relax(wanted, "time") == replace(wanted, days="any", time_of_day="any")
    assert relax(wanted, "gender") == replace(wanted, gender="any")
    steps = []
    current = wanted
    while current.budget is not None:
        current = relax(current, "budget")
        steps.append(current.budget)
    assert steps == [2500, 4000, 6000, None]
    assert relax(prefs(budget=4000), "budget").budget == 6000
    assert relax(prefs(budget=7000), "budget").budget is None
    assert relax(prefs(budget=None), "budget").budget is None
    assert BUDGET_TIERS == (2500, 4000, 6000)


def test_diagnose_budget_offers_the_next_tier() -> None:
    people = [candidate(1, moscow(0, 10), price=3500), candidate(2, moscow(0, 11), price=7000)]
    result = diagnose(prefs(budget=2500), people, earliest=EARLIEST, latest=LATEST)
    assert result == Diagnosis(blocking="budget", relaxations=("budget",))


def test_diagnose_lists_every_relaxation_that_helps_alone() -> None:
    people = [
        candidate(1, moscow(5, 10), gender="female"),  # Saturday morning
        candidate(2, moscow(0, 19), gender="male"),  # Monday evening
    ]
    wanted = prefs(gender="male", days="weekends")
    assert not matches(wanted, people)
    result = diagnose(wanted, people, earliest=EARLIEST, latest=LATEST)
    assert result == Diagnosis(blocking="time", relaxations=("time", "gender"))


def test_diagnose_combination_when_nothing_helps_alone() -> None:
    people = [candidate(1, moscow(0, 10), gender="male", price=3500)]
    wanted = prefs(gender="female", budget=2500, time_of_day="evening")
    result = diagnose(wanted, people, earliest=EARLIEST, latest=LATEST)
    assert result == Diagnosis(blocking="gender", relaxations=("time", "budget", "gender"))


def test_diagnose_budget_several_tiers_up() -> None:
    people = [candidate(1, moscow(0, 10), price=6500)]
    result = diagnose(prefs(budget=2500), people, earliest=EARLIEST, latest=LATEST)
    assert result == Diagnosis(blocking="budget", relaxations=("budget", "budget", "budget"))


def test_diagnose_format_and_nobody() -> None:
    people = [candidate(1, moscow(0, 10))]
    result = diagnose(prefs(format="couple"), people, earliest=EARLIEST, latest=LATEST)
    assert result == Diagnosis(blocking="format", relaxations=())
    nobody = [candidate(1), candidate(2, moscow(0, 10), active=False)]
    result = diagnose(prefs(), nobody, earliest=EARLIEST, latest=LATEST)
    assert result == Diagnosis(blocking="none_available", relaxations=())
    assert diagnose(prefs(), [], earliest=EARLIEST, latest=LATEST).blocking == "none_available"


def test_diagnose_with_matches() -> None:
    result = diagnose(prefs(), [candidate(1, moscow(0, 10))], earliest=EARLIEST, latest=LATEST)
    assert result == Diagnosis(blocking=None, relaxations=())


def test_no_topics_chosen_ranks_by_soonest_slot() -> None:
    people = [candidate(1, moscow(2, 10)), candidate(2, moscow(1, 10))]
    found = matches(prefs(topics=frozenset()), people)
    assert [match.therapist_id for match in found] == [2, 1]
    assert found[0].topics_total == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_therapists_without_history_keep_their_share_of_first_pages(seed: int) -> None:
    """A catalogue where a third have a return rate above the average and some answer
    quickly: across many clients, those without any history still make up at least two
    thirds of the share of first pages they have of the matches (a new therapist is
    passed only by a bounded amount, never buried). With shifts of ten days and more,
    their share falls below that."""
    rng = random.Random(seed)
    people = [
        Candidate(
            therapist_id=number,
            gender=rng.choice(["female", "female", "male"]),
            offers_individual=True,
            offers_couple=rng.random() < 0.3,
            price=rng.choice([2000, 3000, 4000, 6000]),
            active=True,
            topics=frozenset(rng.sample(TOPICS, rng.randint(1, 3))),
            free_slots=tuple(
                MONDAY + timedelta(hours=rng.randrange(8, 14 * 24)) for _ in range(12)
            ),
            standing=rng.choices([1, 0, -1], weights=[3, 6, 1])[0],
            quick=rng.random() < 0.2,
        )
        for number in range(1, 81)
    ]
    newcomers = {p.therapist_id for p in people if p.standing == 0 and not p.quick}
    ranking = Ranking()  # the settings' defaults
    on_first_pages = matched = first_newcomers = matched_newcomers = 0
    for _ in range(300):
        wanted = Preferences(
            format="individual",
            topics=frozenset(rng.sample(TOPICS, rng.randint(1, 2))),
            gender=rng.choice(["any", "any", "female"]),
            days=rng.choice(["any", "weekdays"]),
            time_of_day=rng.choice(["any", "evening", "morning"]),
            budget=rng.choice([None, 4000]),
            timezone="Europe/Moscow",
        )
        found = matches(wanted, people, ranking)
        first_page = found[:10]
        matched += len(found)
        matched_newcomers += sum(m.therapist_id in newcomers for m in found)
        on_first_pages += len(first_page)
        first_newcomers += sum(m.therapist_id in newcomers for m in first_page)
    assert matched_newcomers and on_first_pages
    share_of_matches = matched_newcomers / matched
    share_of_first_pages = first_newcomers / on_first_pages
    assert share_of_first_pages >= 2 / 3 * share_of_matches, (
        share_of_first_pages,
        share_of_matches,
    )
