"""Check-ins between sessions (PHQ-9, GAD-7; the scales in `bot.rules.checkins`): the
client's consent, a questionnaire answered one item at a time and resumed where it
stopped, its score, and the therapist told at once of a risk answer or a severe total.

Answers are health data: only the client and the therapist a check-in was answered for
read them (`visible_to_therapist`); the admins hear that a risk flag exists, nothing
else; `db.erasure` removes every row. Each change here is a use case that owns its
transaction; the notices it owes go to the outbox in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from sqlalchemy import delete, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.checkins import (
    SCALES,
    Scale,
    ScaleCode,
    Score,
    is_risk,
    may_ask,
    next_item,
    score,
)
from bot.rules.refusals import Refused
from db import events, outbox
from db.models import (
    Checkin,
    CheckinAnswer,
    CheckinConsent,
    User,
)
from db.transactions import use_case
from db.users import current_therapists, record_event

ORDER = (ScaleCode.phq9, ScaleCode.gad7)  # asked in this order, one after the other


class Reason:
    """Why a check-in began (`checkins.reason`)."""

    booked: Final = "booked"  # offered after a booking
    reminder: Final = "reminder"  # from the reminder before a session
    therapist: Final = "therapist"  # the therapist asked for one
    client: Final = "client"  # the client began one themselves


class CheckinGone(Refused):
    """The check-in is over, not theirs, or the question was answered meanwhile."""

    key = "checkin-stale"


class NoConsent(Refused):
    key = "checkin-no-consent"


class NotYourClient(Refused):
    key = "checkin-not-your-client"


class AskedThisWeek(Refused):
    key = "checkin-asked-this-week"


@dataclass(frozen=True)
class Progress:
    """An open check-in and what is answered so far."""

    checkin: Checkin
    scale: Scale
    answers: dict[int, int]

    @property
    def item(self) -> int | None:
        return next_item(self.scale, self.answers)


@dataclass(frozen=True)
class Answered:
    progress: Progress
    score: Score | None  # when this answer finished the questionnaire
    risk_told: bool  # this answer raised the risk flag (the therapist is being told)


# -- consent --------------------------------------------------------------------------


async def answer_of(session: AsyncSession, user: User) -> CheckinConsent | None:
    """The client's answer to check-ins: None when never asked (or never answered). Read
    with the person on each update (`db.users.person`), else here."""
    if "checkin_answer" not in inspect(user).unloaded:
        return user.checkin_answer
    return await session.get(CheckinConsent, user.id)


async def consent_of(session: AsyncSession, user: User) -> CheckinConsent | None:
    """The client's yes, if they said it."""
    row = await answer_of(session, user)
    return row if row is not None and row.given_at is not None else None


async def _answered(session: AsyncSession, user: User, now: datetime) -> CheckinConsent:
    row = await answer_of(session, user)
    if row is None:
        row = CheckinConsent(user_id=user.id, answered_at=now)
        session.add(row)
        user.checkin_answer = row
    row.answered_at = now
    return row


async def give_consent(session: AsyncSession, user: User, now: datetime) -> None:
    async with use_case(session):
        row = await _answered(session, user, now)
        row.given_at = row.given_at or now


async def decline(session: AsyncSession, user: User, now: datetime) -> bool:
    """A "no": nothing is asked, nor offered again after a booking (settings can say yes).
    False when a yes stands (a "no" from an older screen does not undo it)."""
    async with use_case(session):
        row = await _answered(session, user, now)
        return row.given_at is None


async def erase_answers(session: AsyncSession, user_id: int) -> None:
    """Every check-in of the client, with its answers (part of a use case)."""
    theirs = select(Checkin.id).where(Checkin.user_id == user_id)
    await session.execute(delete(CheckinAnswer).where(CheckinAnswer.checkin_id.in_(theirs)))
    await session.execute(delete(Checkin).where(Checkin.user_id == user_id))


async def withdraw(session: AsyncSession, user: User, now: datetime) -> None:
    """No more check-ins, and every answer given goes (as with an erasure)."""
    async with use_case(session):
        await erase_answers(session, user.id)
        row = await _answered(session, user, now)
        row.given_at = row.earlier_shared_at = None


async def share_earlier(session: AsyncSession, user: User, share: bool, now: datetime) -> None:
    """Whether a therapist the client moved to may see check-ins answered before."""
    async with use_case(session):
        consent = await consent_of(session, user)
        if consent is None:
            raise NoConsent()
        consent.earlier_shared_at = now if share else None


# -- asking -----------------------------------------------------------------------------


async def current_therapist_id(session: AsyncSession, user_id: int, now: datetime) -> int | None:
    """The client's current therapist (`db.users.current_therapists`)."""
    return (await current_therapists(session, [user_id], now)).get(user_id)


async def last_asked(session: AsyncSession, user_id: int) -> dict[ScaleCode, datetime]:
    rows = await session.execute(
        select(Checkin.scale, func.max(Checkin.started_at))
        .where(Checkin.user_id == user_id)
        .group_by(Checkin.scale)
    )
    return {ScaleCode(code): when for code, when in rows.all() if code in SCALES}


async def due(session: AsyncSession, user_id: int, now: datetime) -> list[Scale]:
    """The scales that may be asked now (each at most once in seven days), in order."""
    asked = await last_asked(session, user_id)
    return [SCALES[code] for code in ORDER if may_ask(asked.get(code), now)]


async def next_due(
    session: AsyncSession, user_id: int, after: ScaleCode, now: datetime
) -> Scale | None:
    """The scale due after `after` in the usual order, if any."""
    later = [scale for scale in await due(session, user_id, now) if _after(scale.code, after)]
    return later[0] if later else None


def _after(code: ScaleCode, after: ScaleCode) -> bool:
    return ORDER.index(code) > ORDER.index(after)


async def offer_kind(
    session: AsyncSession, user: User, now: datetime
) -> Literal["resume", "start"] | None:
    """What to offer now, with consent given: to finish the open check-in ("resume"), to
    start one when a scale is due ("start"), or nothing."""
    if await consent_of(session, user) is None:
        return None
    if await open_of(session, user.id) is not None:
        return "resume"
    return "start" if await due(session, user.id, now) else None


async def _progress(session: AsyncSession, checkin: Checkin) -> Progress:
    rows = await session.execute(
        select(CheckinAnswer.item, CheckinAnswer.value).where(
            CheckinAnswer.checkin_id == checkin.id
        )
    )
    answers: dict[int, int] = dict(rows.all())
    return Progress(checkin, SCALES[ScaleCode(checkin.scale)], answers)


async def open_of(session: AsyncSession, user_id: int) -> Progress | None:
    checkin = await session.scalar(
        select(Checkin).where(
            Checkin.user_id == user_id, Checkin.finished_at.is_(None), Checkin.skipped_at.is_(None)
        )
    )
    return await _progress(session, checkin) if checkin is not None else None


async def start(
    session: AsyncSession,
    user: User,
    reason: str,
    now: datetime,
    *,
    after: ScaleCode | None = None,
) -> Progress | None:
    """The open check-in, else a new one of the next scale due (after `after`, the scale
    just finished, when given); None when nothing is due. A client who begins one
    themselves (`Reason.client`) is asked even within the seven days."""
    async with use_case(session):
        if await consent_of(session, user) is None:
            raise NoConsent()
        progress = await open_of(session, user.id)
        if progress is not None:
            return progress
        scales = await due(session, user.id, now)
        if reason == Reason.client and after is None and not scales:
            scales = [SCALES[code] for code in ORDER]
        if after is not None:
            scales = [scale for scale in scales if _after(scale.code, after)]
        if not scales:
            return None
        scale = scales[0]
        checkin = Checkin(
            user_id=user.id,
            scale=scale.code,
            version=scale.version,
            therapist_id=await current_therapist_id(session, user.id, now),
            reason=reason,
            started_at=now,
            risk=False,
        )
        session.add(checkin)
        await session.flush()
        return Progress(checkin, scale, {})


async def _own_open(session: AsyncSession, user: User, checkin_id: int, item: int) -> Progress:
    checkin = await session.get(Checkin, checkin_id, populate_existing=True)
    if (
        checkin is None
        or checkin.user_id != user.id
        or checkin.finished_at is not None
        or checkin.skipped_at is not None
    ):
        raise CheckinGone()
    progress = await _progress(session, checkin)
    if progress.item != item:
        raise CheckinGone()  # answered meanwhile (a double tap, an older screen)
    return progress


async def answer(
    session: AsyncSession, user: User, checkin_id: int, item: int, value: int, now: datetime
) -> Answered:
    """The answer to the question on screen. A risk answer tells the therapist (and the
    admins that a flag exists) in this transaction; the last answer scores it, and a
    severe total is told to the therapist too."""
    async with use_case(session):
        progress = await _own_open(session, user, checkin_id, item)
        checkin, scale = progress.checkin, progress.scale
        session.add(CheckinAnswer(checkin_id=checkin.id, item=item, value=value, answered_at=now))
        answers = {**progress.answers, item: value}
        risk_told = False
        if is_risk(scale, answers) and not checkin.risk:
            checkin.risk = risk_told = True
            await _flag(session, checkin, now, risk=True)
            await record_event(session, "checkin-risk", now)
        result = None
        if next_item(scale, answers) is None:
            result = score(scale, answers)
            checkin.total, checkin.band, checkin.finished_at = result.total, result.band, now
            await record_event(session, "checkin", now)  # counted for /stats, anonymously
            if result.severe and not checkin.risk:
                await _flag(session, checkin, now, risk=False)
        return Answered(Progress(checkin, scale, answers), result, risk_told)


async def _flag(session: AsyncSession, checkin: Checkin, now: datetime, *, risk: bool) -> None:
    if checkin.therapist_id is not None:
        flagged = events.CheckinFlagged(
            checkin_id=checkin.id, therapist_id=checkin.therapist_id, risk=risk
        )
        await outbox.notify(session, flagged, now)
    if risk:
        told = events.CheckinRiskForAdmins(therapist_id=checkin.therapist_id)
        await outbox.notify(session, told, now)


async def back(session: AsyncSession, user: User, checkin_id: int, item: int) -> Progress:
    """From the question `item` back to the one before it, its answer taken off."""
    async with use_case(session):
        progress = await _own_open(session, user, checkin_id, item)
        if item <= 1:
            raise CheckinGone()
        await session.execute(
            delete(CheckinAnswer).where(
                CheckinAnswer.checkin_id == checkin_id, CheckinAnswer.item == item - 1
            )
        )
        answers = {key: value for key, value in progress.answers.items() if key != item - 1}
        return Progress(progress.checkin, progress.scale, answers)


async def skip(session: AsyncSession, user: User, checkin_id: int, now: datetime) -> None:
    """ "Skip this time": the check-in closes as it is (it counts as asked)."""
    async with use_case(session):
        checkin = await session.get(Checkin, checkin_id, populate_existing=True)
        if checkin is None or checkin.user_id != user.id or checkin.finished_at is not None:
            raise CheckinGone()
        if checkin.skipped_at is None:
            checkin.skipped_at = now


async def ask(session: AsyncSession, therapist_id: int, client_id: int, now: datetime) -> None:
    """The therapist asks their current client for a check-in now: the client is sent its
    start button (through the outbox). Only with the client's consent, and not while both
    scales were asked within the week."""
    async with use_case(session):
        if await current_therapist_id(session, client_id, now) != therapist_id:
            raise NotYourClient()
        consent = await session.get(CheckinConsent, client_id)
        if consent is None or consent.given_at is None:
            raise NoConsent().saying("checkin-client-no-consent")
        if await open_of(session, client_id) is None and not await due(session, client_id, now):
            raise AskedThisWeek()
        asked = events.CheckinAsked(client_id=client_id, therapist_id=therapist_id)
        await outbox.notify(session, asked, now)


# -- reading --------------------------------------------------------------------------


async def finished_of(session: AsyncSession, user_id: int) -> list[Checkin]:
    """The client's finished check-ins, oldest first."""
    return list(
        await session.scalars(
            select(Checkin)
            .where(Checkin.user_id == user_id, Checkin.finished_at.is_not(None))
            .order_by(Checkin.finished_at, Checkin.id)
        )
    )


async def answers_of(session: AsyncSession, checkin_ids: list[int]) -> dict[int, dict[int, int]]:
    if not checkin_ids:
        return {}
    rows = await session.execute(
        select(CheckinAnswer.checkin_id, CheckinAnswer.item, CheckinAnswer.value).where(
            CheckinAnswer.checkin_id.in_(checkin_ids)
        )
    )
    found: dict[int, dict[int, int]] = {}
    for checkin_id, item, value in rows.all():
        found.setdefault(checkin_id, {})[item] = value
    return found


async def all_of(session: AsyncSession, user_id: int) -> list[Checkin]:
    """Every check-in of the client (for their data), oldest first."""
    return list(
        await session.scalars(
            select(Checkin).where(Checkin.user_id == user_id).order_by(Checkin.started_at)
        )
    )


@dataclass(frozen=True)
class TherapistView:
    checkins: list[Checkin]  # what they may see (`visible_to_therapist`)
    may_ask: bool  # their current client said yes to check-ins


async def therapist_view(
    session: AsyncSession, therapist_id: int, client_id: int, now: datetime
) -> TherapistView:
    return (await therapist_views(session, therapist_id, [client_id], now))[client_id]


async def therapist_views(
    session: AsyncSession, therapist_id: int, client_ids: list[int], now: datetime
) -> dict[int, TherapistView]:
    """What a therapist may see of each client's check-ins, in at most four queries however
    many clients: only their current clients who said yes, and only check-ins answered for
    them unless the client shared the earlier ones."""
    views = dict.fromkeys(client_ids, TherapistView([], False))
    current = await current_therapists(session, client_ids, now)
    theirs = [client for client in client_ids if current.get(client) == therapist_id]
    if not theirs:
        return views
    consents = {
        consent.user_id: consent
        for consent in await session.scalars(
            select(CheckinConsent).where(
                CheckinConsent.user_id.in_(theirs), CheckinConsent.given_at.is_not(None)
            )
        )
    }
    if not consents:
        return views
    seen: dict[int, list[Checkin]] = {client: [] for client in consents}
    rows = await session.scalars(
        select(Checkin)
        .where(
            Checkin.user_id.in_(list(consents)),
            Checkin.finished_at.is_not(None) | Checkin.risk.is_(True),
        )
        .order_by(Checkin.finished_at, Checkin.id)
    )
    for checkin in rows:
        shared = consents[checkin.user_id].earlier_shared_at is not None
        if shared or checkin.therapist_id == therapist_id:
            seen[checkin.user_id].append(checkin)
    views.update({client: TherapistView(found, True) for client, found in seen.items()})
    return views


async def visible_to_therapist(
    session: AsyncSession, therapist_id: int, user_id: int, now: datetime
) -> list[Checkin]:
    """The client's check-ins their therapist may see (finished, or with a risk answer):
    only while the client's current therapist, and only those answered for them unless
    the client shared the earlier ones."""
    return (await therapist_view(session, therapist_id, user_id, now)).checkins
