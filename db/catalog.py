"""The therapist catalogue as matching and the cards need it.

`search` ranks therapists in the database the way `bot.rules.matching.find_matches`
specifies (topic share, then the soonest fitting slot moved by the therapist's ranking
shift, then id), one page at a time, and reads only what it ranks:

1. the hard filters on the therapist row (active, format, gender, budget, left out) and
   the free-hours summary (`therapist_free_hours`: a therapist with no free slot in any
   hour of the week the client's spans touch is out) give the size of each group
   (therapists with the same number of the client's topics, the same return-rate standing
   and the same quick-answer mark, so the same shift), without reading a slot;
2. tiers (the same number of topics) are ranked best first; within a tier the small
   groups together by one indexed aggregate over their members' slots (each member's
   first fitting slot, then its key: + the member's shift); each large group by reading
   its members' free slots in time order (the group's shift is one, so time order is key
   order) until the page is full (the first fitting slot of each therapist is the first
   of theirs it meets) or the slots are too late to beat the page already found;
3. the best of each are merged by key (first fitting slot + shift, then id).

A page ends with a cursor (tier, key, id) the next page starts after, and the ids
already shown are skipped, so a listing needs to keep only what it has shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from bot.rules.matching import (
    ANY,
    MASK_WORD,
    MASK_WORDS,
    Preferences,
    Question,
    fitting_spans,
    slot_fits,
    week_hour_mask,
)
from bot.rules.outcomes import DEFAULT_RANKING, Ranking
from db.models import (
    Package,
    Questionnaire,
    Slot,
    SlotStatus,
    Therapist,
    TherapistFreeHours,
    TherapistTopic,
    Topic,
    User,
)
from db.packages import applies_to
from db.types import UTCDateTime

PAGE = 10  # therapists ranked per page
SMALL_TIER = 200  # up to this many, a tier is ranked by one aggregate over its slots
SCAN_CHUNK = 200  # free slots read at a time when a large tier is read in time order
TOPIC_BITS = 63  # topic ids counted in `therapists.topic_bits` (migration 0007)


def preferences_of(questionnaire: Questionnaire, user: User) -> Preferences:
    return Preferences(
        format=questionnaire.format,
        topics=frozenset(questionnaire.topics),
        gender=questionnaire.gender_preference,
        days=questionnaire.days,
        time_of_day=questionnaire.time_of_day,
        budget=questionnaire.budget,
        timezone=user.timezone,
    )


# Built once (a card runs it on every page; building it cost more than running it).
FREE_SLOTS = (
    select(Slot)
    .where(
        Slot.status == SlotStatus.free,
        Slot.starts_at >= bindparam("earliest"),
        Slot.starts_at < bindparam("latest"),
    )
    .order_by(Slot.starts_at)
)
FREE_SLOTS_OF = FREE_SLOTS.where(Slot.therapist_id.in_(bindparam("ids", expanding=True)))
FREE_TIMES = (
    select(Slot.id, Slot.starts_at)
    .where(
        Slot.status == SlotStatus.free,
        Slot.therapist_id == bindparam("therapist_id"),
        Slot.starts_at >= bindparam("earliest"),
        Slot.starts_at < bindparam("latest"),
    )
    .order_by(Slot.starts_at)
)


class FreeTime(NamedTuple):
    """A free slot as a card shows it (its id for the button, its start)."""

    id: int
    starts_at: datetime


async def free_times(
    session: AsyncSession, therapist_id: int, earliest: datetime, latest: datetime
) -> list[FreeTime]:
    """A therapist's free slots in the window, soonest first: the rows alone, not the
    slots (a card reads dozens on every page)."""
    rows = await session.execute(
        FREE_TIMES, {"therapist_id": therapist_id, "earliest": earliest, "latest": latest}
    )
    return [FreeTime(slot_id, starts_at) for slot_id, starts_at in rows]


async def free_slots(
    session: AsyncSession, therapist_ids: list[int] | None, earliest: datetime, latest: datetime
) -> dict[int, list[Slot]]:
    window = {"earliest": earliest, "latest": latest}
    if therapist_ids is None:
        slots = await session.scalars(FREE_SLOTS, window)
    else:
        slots = await session.scalars(FREE_SLOTS_OF, {**window, "ids": list(therapist_ids)})
    result: dict[int, list[Slot]] = defaultdict(list)
    for slot in slots:
        result[slot.therapist_id].append(slot)
    return result


# A card shows no topics: the therapist's row alone (`topics` loads with it otherwise, a
# second query on every page). Built once, as above.
CARD_THERAPIST = (
    select(Therapist, select(Package.id).where(applies_to(Therapist.id)).exists())
    .options(lazyload(Therapist.topics))
    .where(Therapist.id == bindparam("id"))
)


async def card_therapist(session: AsyncSession, therapist_id: int) -> tuple[Therapist, bool] | None:
    """The therapist a card shows (their topics are not loaded), and whether packages of
    sessions are offered with them (`db.packages`), in the same read."""
    row = (await session.execute(CARD_THERAPIST, {"id": therapist_id})).first()
    return (row[0], bool(row[1])) if row else None


async def remember_photo(session: AsyncSession, therapist_id: int, file_id: str) -> None:
    """Telegram's file id of an uploaded portrait: later cards send it without uploading."""
    await session.execute(
        update(Therapist).where(Therapist.id == therapist_id).values(photo_file_id=file_id)
    )
    await session.commit()


# -- the search ------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    therapist_id: int
    matched: int  # of the client's topics
    first_fit: datetime  # the soonest fitting free slot
    key: datetime  # what it ranks by within the tier: first_fit + the therapist's shift


@dataclass(frozen=True)
class Cursor:
    """Where a listing stopped: the next page starts after this therapist."""

    matched: int
    key: datetime
    therapist_id: int

    @classmethod
    def after(cls, ranked: Ranked) -> Cursor:
        return cls(ranked.matched, ranked.key, ranked.therapist_id)


class _Start(NamedTuple):
    """Where a group's ranking starts: after this first fitting slot and id."""

    first_fit: datetime
    therapist_id: int


class _Group(NamedTuple):
    matched: int
    standing: int
    quick: bool


@dataclass(frozen=True)
class Page:
    ranked: list[Ranked]
    total: int  # the therapists the filters and the summary let through (see `search`)
    complete: bool  # nobody ranks after this page


@dataclass(frozen=True)
class _Query:
    prefs: Preferences
    spans: list[tuple[datetime, datetime]]
    where: list[ColumnElement[bool]]  # on Therapist and TherapistFreeHours
    matched: ColumnElement[int]
    check_time: bool


async def search(
    session: AsyncSession,
    prefs: Preferences,
    earliest: datetime,
    latest: datetime,
    *,
    exclude: Collection[int] = (),
    after: Cursor | None = None,
    shown: Collection[int] = (),
    size: int = PAGE,
    filters: Collection[str] = ("format", "gender", "budget", "time"),
    ranking: Ranking = DEFAULT_RANKING,
) -> Page:
    """The next `size` therapists after `after` (from the best when None), skipping
    `shown`. `total` counts every therapist through the hard filters whose free hours touch
    the client's spans; one whose only such slots were taken meanwhile is counted but never
    ranked, so `total` can be a little high until the listing is complete. `filters`: the
    hard filters to apply (a diagnosis asks with fewer); `ranking`: how far each
    therapist's standing moves them within their tier."""
    query = await _query(session, prefs, earliest, latest, exclude, filters)
    if query is None:
        return Page([], 0, True)
    groups = await _group_sizes(session, query)
    total = sum(groups.values())
    tiers: defaultdict[int, list[_Group]] = defaultdict(list)
    for group in sorted(groups, key=groups.__getitem__, reverse=True):  # the largest first
        tiers[group.matched].append(group)
    found: list[Ranked] = []
    skip = set(shown)
    for matched in sorted(tiers, reverse=True):
        if after is not None and matched > after.matched:
            continue
        need = size - len(found)
        cursor = after if after is not None and matched == after.matched else None
        # The small groups together, by one aggregate (their members read once).
        small = [group for group in tiers[matched] if groups[group] <= SMALL_TIER]
        best = await _rank_small(session, query, small, ranking, cursor, skip, need)
        for group in tiers[matched]:
            if groups[group] <= SMALL_TIER:
                continue
            shift = ranking.shift(group.standing, group.quick)
            start = None if cursor is None else _Start(cursor.key - shift, cursor.therapist_id)
            # A slot later than this cannot beat the page the other groups gave already.
            until = best[need - 1].key - shift if len(best) >= need else None
            ranked = await _rank_large(session, query, group, start, until, skip, need)
            best += (
                Ranked(each.therapist_id, matched, each.first_fit, each.first_fit + shift)
                for each in ranked
            )
            best.sort(key=lambda each: (each.key, each.therapist_id))
            del best[need:]
        skip.update(each.therapist_id for each in best)
        found += best
        if len(found) >= size:
            return Page(found[:size], total, False)
    return Page(found, total, True)


async def anyone(
    session: AsyncSession,
    question: Question,
    earliest: datetime,
    latest: datetime,
    exclude: Collection[int] = (),
) -> bool:
    """Whether anyone passes the question's filters (for `bot.rules.matching.diagnose_by`)."""
    page = await search(
        session,
        question.prefs,
        earliest,
        latest,
        exclude=exclude,
        size=1,
        filters=question.filters,
    )
    return bool(page.ranked)


async def _query(
    session: AsyncSession,
    prefs: Preferences,
    earliest: datetime,
    latest: datetime,
    exclude: Collection[int],
    filters: Collection[str],
) -> _Query | None:
    check_time = "time" in filters
    spans = fitting_spans(prefs, earliest, latest) if check_time else [(earliest, latest)]
    if not spans:
        return None
    mask = week_hour_mask(spans)
    words = (TherapistFreeHours.w0, TherapistFreeHours.w1, TherapistFreeHours.w2)
    assert len(words) == MASK_WORDS
    where: list[ColumnElement[bool]] = [
        Therapist.active.is_(True),
        or_(*(word.op("&")(bits) != 0 for word, bits in zip(words, mask, strict=True) if bits)),
    ]
    if "format" in filters:
        offers = (
            Therapist.offers_couple if prefs.format == "couple" else Therapist.offers_individual
        )
        where.append(offers.is_(True))
    if "gender" in filters and prefs.gender != ANY:
        where.append(Therapist.gender == prefs.gender)
    if "budget" in filters and prefs.budget is not None:
        where.append(Therapist.price <= prefs.budget)
    if exclude:
        where.append(Therapist.id.not_in(list(exclude)))
    topic_ids = (
        list(await session.scalars(select(Topic.id).where(Topic.code.in_(sorted(prefs.topics)))))
        if prefs.topics
        else []
    )
    matched: ColumnElement[int]
    if not topic_ids:
        matched = literal(0)
    elif max(topic_ids) <= TOPIC_BITS:
        # Counted in the row's topic bits: no lookup per therapist.
        matched = sum(
            (
                Therapist.topic_bits.op(">>")(literal_column(str(int(topic_id) - 1))).op("&")(1)
                for topic_id in topic_ids
            ),
            start=literal(0),
        )
    else:
        matched = (
            select(func.count())
            .where(
                TherapistTopic.therapist_id == Therapist.id,
                TherapistTopic.topic_id.in_(topic_ids),
            )
            .scalar_subquery()
        )
    return _Query(prefs, spans, where, matched, check_time)


def _is_group(group: _Group) -> ColumnElement[bool]:
    return and_(
        Therapist.rate_standing == group.standing,
        Therapist.answers_quickly.is_(group.quick),
    )


def _in_group(query: _Query, group: _Group) -> list[ColumnElement[bool]]:
    return [*query.where, query.matched == group.matched, _is_group(group)]


async def _group_sizes(session: AsyncSession, query: _Query) -> dict[_Group, int]:
    groups = (
        select(
            query.matched.label("matched"),
            Therapist.rate_standing.label("standing"),
            Therapist.answers_quickly.label("quick"),
        )
        .select_from(Therapist)
        .join(TherapistFreeHours, TherapistFreeHours.therapist_id == Therapist.id)
        .where(*query.where)
        .subquery()
    )
    rows = await session.execute(
        select(groups.c.matched, groups.c.standing, groups.c.quick, func.count()).group_by(
            groups.c.matched, groups.c.standing, groups.c.quick
        )
    )
    return {
        _Group(int(matched), int(standing), bool(quick)): int(count)
        for matched, standing, quick, count in rows
    }


def _in_spans(spans: Iterable[tuple[datetime, datetime]]) -> ColumnElement[bool]:
    return or_(
        false(), *(and_(Slot.starts_at >= start, Slot.starts_at < end) for start, end in spans)
    )


def _fits(query: _Query, start: datetime) -> bool:
    return not query.check_time or slot_fits(start, query.prefs)


async def _rank_small(
    session: AsyncSession,
    query: _Query,
    groups: list[_Group],
    ranking: Ranking,
    cursor: Cursor | None,
    skip: set[int],
    need: int,
) -> list[Ranked]:
    """Every member's first fitting slot (a few index lookups each), for the groups of one
    tier together; then ranked by key."""
    if not groups:
        return []
    matched = groups[0].matched
    first = (
        select(func.min(Slot.starts_at))
        .where(
            Slot.therapist_id == Therapist.id,
            Slot.status == SlotStatus.free,
            _in_spans(query.spans),
        )
        .correlate(Therapist)
        .scalar_subquery()
    )
    members = (
        select(Therapist.id, Therapist.rate_standing, Therapist.answers_quickly)
        .join(TherapistFreeHours, TherapistFreeHours.therapist_id == Therapist.id)
        .where(
            *query.where,
            query.matched == matched,
            or_(*(_is_group(group) for group in groups)),
        )
        .add_columns(first.label("first"))
        .subquery()
    )
    ranked = []
    for therapist_id, standing, quick, first_at in await session.execute(members.select()):
        if therapist_id in skip or first_at is None:
            continue
        fitting: datetime | None = first_at
        if not _fits(query, first_at):  # a span a little wider than the clock (a change of clocks)
            fitting = await _first_fitting(session, query, therapist_id)
        if fitting is not None:
            key = fitting + ranking.shift(int(standing), bool(quick))
            ranked.append(Ranked(therapist_id, matched, fitting, key))
    ranked.sort(key=lambda each: (each.key, each.therapist_id))
    if cursor is not None:
        position = (cursor.key, cursor.therapist_id)
        ranked = [each for each in ranked if (each.key, each.therapist_id) > position]
    return ranked[:need]


async def _first_fitting(
    session: AsyncSession, query: _Query, therapist_id: int
) -> datetime | None:
    starts = await session.scalars(
        select(Slot.starts_at)
        .where(
            Slot.therapist_id == therapist_id,
            Slot.status == SlotStatus.free,
            _in_spans(query.spans),
        )
        .order_by(Slot.starts_at)
    )
    return next((each for each in starts if _fits(query, each)), None)


async def _rank_large(
    session: AsyncSession,
    query: _Query,
    group: _Group,
    start: _Start | None,
    until: datetime | None,
    skip: set[int],
    need: int,
) -> list[_Start]:
    """The members' free slots in time order: each therapist's first is their first fit.
    Membership is asked of each slot read (not gathered first): few are read."""
    members = (
        select(Therapist.id)
        .join(TherapistFreeHours, TherapistFreeHours.therapist_id == Therapist.id)
        .where(Therapist.id == Slot.therapist_id, *_in_group(query, group))
        .correlate(Slot)
        # OFFSET 0 keeps PostgreSQL from turning the test into a join that gathers every
        # member's slots and sorts them (it cannot estimate the topic test, and expects a
        # handful of members): asked of each slot read, the scan stops after a page.
        .offset(0)
        .exists()
    )
    chosen: list[_Start] = []
    seen = set(skip)
    for span_start, span_end in query.spans:
        if start is not None and span_end <= start.first_fit:
            continue
        if until is not None and span_start > until:
            break
        position = start
        while True:
            keyset: list[ColumnElement[bool]] = []
            if position is not None:
                keyset.append(
                    or_(
                        Slot.starts_at > position.first_fit,
                        and_(
                            Slot.starts_at == position.first_fit,
                            Slot.therapist_id > position.therapist_id,
                        ),
                    )
                )
            if until is not None:
                keyset.append(Slot.starts_at <= until)
            rows = (
                await session.execute(
                    select(Slot.therapist_id, Slot.starts_at)
                    .where(
                        Slot.status == SlotStatus.free,
                        Slot.starts_at >= span_start,
                        Slot.starts_at < span_end,
                        *keyset,
                        members,
                    )
                    .order_by(Slot.starts_at, Slot.therapist_id)
                    .limit(SCAN_CHUNK)
                )
            ).all()
            for therapist_id, first in rows:
                if therapist_id in seen or not _fits(query, first):
                    continue
                seen.add(therapist_id)
                chosen.append(_Start(first, therapist_id))
                if len(chosen) >= need:
                    return chosen
            if len(rows) < SCAN_CHUNK:
                break
            position = _Start(rows[-1][1], rows[-1][0])
    return chosen


def _week_hour_sql(dialect: str) -> str:
    if dialect == "postgresql":
        utc = "(starts_at AT TIME ZONE 'UTC')"
        return f"(EXTRACT(DOW FROM {utc})::int * 24 + EXTRACT(HOUR FROM {utc})::int)"
    day, hour = (
        "CAST(strftime('%w', starts_at) AS INTEGER)",
        "CAST(strftime('%H', starts_at) AS INTEGER)",
    )
    return f"({day} * 24 + {hour})"


async def refresh_free_hours(session: AsyncSession, now: datetime) -> None:
    """Recompute every therapist's free hours from the free slots still ahead, clearing
    the bits of hours whose slots were taken or have passed; commits. The summary rows are
    locked first (PostgreSQL; SQLite has one writer), so a slot freed meanwhile is either
    seen by the recount or sets its bit after it."""
    dialect = session.get_bind().dialect.name
    hour = _week_hour_sql(dialect)
    words = [
        f"(CASE WHEN {hour} / {MASK_WORD} = {n} THEN CAST(1 AS BIGINT) << ({hour} % {MASK_WORD}) "
        "ELSE 0 END)"
        for n in range(MASK_WORDS)
    ]
    merge = "bit_or" if dialect == "postgresql" else "sum"  # of distinct powers of two: the same
    recount = ", ".join(f"{merge}(DISTINCT {word}) AS w{n}" for n, word in enumerate(words))
    assign = ", ".join(f"w{n} = counted.w{n}" for n in range(MASK_WORDS))
    if dialect == "postgresql":
        await session.execute(
            text("SELECT therapist_id FROM therapist_free_hours ORDER BY therapist_id FOR UPDATE")
        )
    # Only rows whose summary changes are written (each write leaves a dead row version
    # on PostgreSQL until vacuumed, and the search reads this table whole).
    words_set = " OR ".join(f"w{n} <> 0" for n in range(MASK_WORDS))
    await session.execute(
        text(
            f"UPDATE therapist_free_hours SET {', '.join(f'w{n} = 0' for n in range(MASK_WORDS))} "
            f"WHERE ({words_set}) AND therapist_id NOT IN (SELECT therapist_id FROM slots "
            "WHERE status = 'free' AND starts_at >= :now)"
        ).bindparams(bindparam("now", type_=UTCDateTime())),
        {"now": now},
    )
    changed = " OR ".join(f"therapist_free_hours.w{n} <> counted.w{n}" for n in range(MASK_WORDS))
    await session.execute(
        text(
            f"UPDATE therapist_free_hours SET {assign} FROM (SELECT therapist_id, {recount} "
            "FROM slots WHERE status = 'free' AND starts_at >= :now GROUP BY therapist_id) "
            "AS counted WHERE therapist_free_hours.therapist_id = counted.therapist_id "
            f"AND ({changed})"
        ).bindparams(bindparam("now", type_=UTCDateTime())),
        {"now": now},
    )
    await session.commit()
