"""What happened after a match: each therapist's return rate (`bot.rules.outcomes`), from
the bookings the bot already keeps, and where it stands against the catalogue's with how
quickly they answer requests (what the ranking reads), recomputed by the outcomes job and
kept on the therapist row, where the card and the catalogue read them at no extra cost;
and the rematches (a client leaving a therapist for another, with the reason from the
chips and their own words if any), recorded as they happen."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.outcomes import (
    DEFAULT_RANKING,
    QUICK_LOOKBACK,
    Ranking,
    ReturnRate,
    answers_quickly,
    prior,
    standing,
    tally,
)
from db.dialects import insert_for
from db.models import (
    Booking,
    BookingRequest,
    BookingStatus,
    CardView,
    Rematch,
    RequestStatus,
    Therapist,
)
from db.transactions import use_case
from db.users import record_event


def held(now: datetime) -> ColumnElement[bool]:
    """A session that took place: completed, or confirmed and over (not a no-show)."""
    return or_(
        Booking.status == BookingStatus.completed,
        and_(Booking.status == BookingStatus.confirmed, Booking.ends_at <= now),
    )


async def first_sessions(
    session: AsyncSession, now: datetime, therapist_id: int | None = None
) -> list[tuple[int, int, datetime, datetime | None]]:
    """Each client's first held session with each therapist (or with `therapist_id`) and
    the next held one, if any: (therapist, client, first, second), one row per pair."""
    conditions = [held(now)]
    if therapist_id is not None:
        conditions.append(Booking.therapist_id == therapist_id)
    sessions = (
        select(Booking.therapist_id, Booking.client_id, Booking.starts_at)
        .where(*conditions)
        .subquery()
    )
    firsts = (
        select(
            sessions.c.therapist_id,
            sessions.c.client_id,
            func.min(sessions.c.starts_at).label("first_at"),
        )
        .group_by(sessions.c.therapist_id, sessions.c.client_id)
        .subquery()
    )
    later = sessions.alias("later")
    second = (
        select(func.min(later.c.starts_at))
        .where(
            later.c.therapist_id == firsts.c.therapist_id,
            later.c.client_id == firsts.c.client_id,
            later.c.starts_at > firsts.c.first_at,
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(firsts.c.therapist_id, firsts.c.client_id, firsts.c.first_at, second)
    )
    return [
        (therapist, client, as_utc(first_at), None if second_at is None else as_utc(second_at))
        for therapist, client, first_at, second_at in rows.all()
    ]


async def return_rates(session: AsyncSession, now: datetime) -> dict[int, ReturnRate]:
    """Every therapist's return rate now (therapists without a held session are left out)."""
    pairs: defaultdict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for therapist_id, _, first_at, second_at in await first_sessions(session, now):
        pairs[therapist_id].append((first_at, second_at))
    return {therapist_id: tally(found, now) for therapist_id, found in pairs.items()}


def as_utc(moment: datetime) -> datetime:
    """Stored in UTC (`db.types.UTCDateTime`); an aggregate may come back naive."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def answer_waits(session: AsyncSession, now: datetime) -> dict[int, list[timedelta | None]]:
    """How long each therapist's requests of the last `QUICK_LOOKBACK` waited for their
    answer (accepted, declined or another time proposed; None: it lapsed unanswered).
    Requests the client withdrew before an answer say nothing about the therapist."""
    rows = await session.execute(
        select(
            BookingRequest.therapist_id,
            BookingRequest.status,
            BookingRequest.proposed_slot_id.is_not(None),
            BookingRequest.created_at,
            BookingRequest.answered_at,
        ).where(BookingRequest.created_at >= now - QUICK_LOOKBACK)
    )
    answered = (RequestStatus.accepted, RequestStatus.declined, RequestStatus.refused)
    waits: defaultdict[int, list[timedelta | None]] = defaultdict(list)
    for therapist_id, status, proposed, created_at, answered_at in rows.all():
        if answered_at is not None and (proposed or status in answered):
            # The first move of a request is its answer (`db.requests._close`).
            waits[therapist_id].append(as_utc(answered_at) - as_utc(created_at))
        elif status == RequestStatus.lapsed:
            waits[therapist_id].append(None)
    return waits


COLUMNS = ("id", "rate_clients", "rate_returned", "rate_standing", "answers_quickly")


async def refresh(session: AsyncSession, now: datetime, ranking: Ranking = DEFAULT_RANKING) -> int:
    """Keep every therapist's return rate, its standing against the catalogue's and
    whether they answer quickly on their row; how many rows changed."""
    async with use_case(session):
        rates = await return_rates(session, now)
        waits = await answer_waits(session, now)
        catalogue = prior(list(rates.values()))
        current = await session.execute(
            select(
                Therapist.id,
                Therapist.rate_clients,
                Therapist.rate_returned,
                Therapist.rate_standing,
                Therapist.answers_quickly,
            )
        )
        changes = []
        for therapist_id, *was in current.all():
            rate = rates.get(therapist_id, ReturnRate(0, 0))
            now_is = (
                rate.clients,
                rate.returned,
                standing(rate, catalogue, ranking.prior_clients),
                answers_quickly(waits.get(therapist_id, [])),
            )
            if tuple(was) != now_is:
                changes.append(dict(zip(COLUMNS, (therapist_id, *now_is), strict=True)))
        if changes:
            # SQLAlchemy's bulk UPDATE by primary key: one statement, every changed row.
            await session.execute(update(Therapist), changes)
        return len(changes)


# The most a client's own words about a change of therapist may hold.
NOTE_LIMIT = 1000


async def left_for_another(
    session: AsyncSession,
    client_id: int,
    therapist_id: int,
    reason: str,
    now: datetime,
    note: str | None = None,
) -> None:
    """A client changes therapist from the cabinet: the rematch is recorded with its
    reason (and their own words, if any), and counted in the funnel as before
    (`change:<reason>`)."""
    if note is not None and len(note) > NOTE_LIMIT:
        raise ValueError("the words are longer than NOTE_LIMIT")
    async with use_case(session):
        session.add(
            Rematch(
                client_id=client_id,
                therapist_id=therapist_id,
                reason=reason,
                note=note,
                created_at=now,
            )
        )
        await record_event(session, f"change:{reason}", now)


async def rematches_of(session: AsyncSession, therapist_id: int) -> dict[str, int]:
    """How many clients left a therapist, by reason."""
    rows = await session.execute(
        select(Rematch.reason, func.count(Rematch.id))
        .where(Rematch.therapist_id == therapist_id)
        .group_by(Rematch.reason)
    )
    return {reason: int(count) for reason, count in rows.all()}


class CardViews:
    """Cards shown, counted in memory per therapist and day (UTC) and added to the
    `card_views` rows every minute and when the bot stops (`flush`): a card page writes
    nothing, and a process that dies loses at most a minute of counts."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[int, date]] = Counter()

    def seen(self, therapist_id: int, now: datetime) -> None:
        self._counts[(therapist_id, now.astimezone(UTC).date())] += 1

    @property
    def pending(self) -> int:
        return sum(self._counts.values())

    async def flush(self, sessionmaker: async_sessionmaker[AsyncSession]) -> int:
        """Add the counts kept since the last flush; they stay kept if writing fails."""
        counts, self._counts = self._counts, Counter()
        if not counts:
            return 0
        try:
            async with sessionmaker() as session, use_case(session):
                statement = insert_for(session, CardView).values(
                    [
                        {"therapist_id": therapist_id, "day": day, "shown": shown}
                        for (therapist_id, day), shown in sorted(counts.items())
                    ]
                )
                await session.execute(
                    statement.on_conflict_do_update(
                        index_elements=[CardView.therapist_id, CardView.day],
                        set_={"shown": CardView.shown + statement.excluded.shown},
                    )
                )
        except BaseException:
            self._counts.update(counts)
            raise
        return sum(counts.values())


async def shown(
    session: AsyncSession, start: datetime, end: datetime, therapist_id: int | None = None
) -> int:
    """Cards shown on the days of [start, end] (UTC days, the first and last whole)."""
    conditions = [
        CardView.day >= start.astimezone(UTC).date(),
        CardView.day <= end.astimezone(UTC).date(),
    ]
    if therapist_id is not None:
        conditions.append(CardView.therapist_id == therapist_id)
    return int(await session.scalar(select(func.sum(CardView.shown)).where(*conditions)) or 0)
