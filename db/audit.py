"""The admin audit log: who did what to which record, and when.

`details` name fields and counts, never a message text, a questionnaire answer or a secret
(an invite code, say), so the log can be shown to every admin as it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry

DENIED = "denied"


def add(
    session: AsyncSession,
    *,
    actor: int | None,
    action: str,
    now: datetime,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the session: it is committed with the change it describes."""
    entry = AuditEntry(
        actor_telegram_id=actor,
        action=action,
        target=target,
        details=details or None,
        created_at=now,
    )
    session.add(entry)
    return entry


async def write(
    session: AsyncSession,
    *,
    actor: int | None,
    action: str,
    now: datetime,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An entry on its own (an export, a broadcast, a refused attempt); commits."""
    add(session, actor=actor, action=action, now=now, target=target, details=details)
    await session.commit()


async def denied(session: AsyncSession, *, actor: int, attempt: str, now: datetime) -> None:
    """Someone who is not an admin tried an admin command or button."""
    await write(session, actor=actor, action=DENIED, now=now, details={"attempt": attempt})


async def latest(session: AsyncSession, limit: int) -> list[AuditEntry]:
    """The latest admin actions. Refusals are left out: anyone can write those, and they
    would push the admins' own actions out of view (see `refusals`)."""
    result = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action != DENIED)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(result)


@dataclass(frozen=True)
class Refusal:
    """Refused attempts of one person at one command or button."""

    actor: int | None
    attempt: str
    count: int
    last_at: datetime


@dataclass(frozen=True)
class Refusals:
    lines: list[Refusal]  # the most recent first, at most the limit asked for
    groups: int  # (person, attempt) pairs in all
    attempts: int
    people: int


async def refusals(session: AsyncSession, since: datetime, limit: int) -> Refusals:
    """Refused attempts since `since`, one line per person and attempt, so that however
    often one person tries, they take one line."""
    actor = AuditEntry.actor_telegram_id.label("actor")
    attempt = AuditEntry.details["attempt"].as_string().label("attempt")
    tries = func.count(AuditEntry.id).label("tries")
    last_at = func.max(AuditEntry.created_at).label("last_at")
    denied_since = (AuditEntry.action == DENIED, AuditEntry.created_at >= since)
    grouped = select(actor, attempt, tries, last_at).where(*denied_since).group_by(actor, attempt)
    rows = (
        await session.execute(
            grouped.order_by(last_at.desc(), tries.desc(), actor, attempt).limit(limit)
        )
    ).all()
    groups = grouped.subquery()
    totals = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(groups.c.tries), 0)).select_from(groups)
        )
    ).one()
    people = await session.scalar(
        select(func.count(func.distinct(AuditEntry.actor_telegram_id))).where(*denied_since)
    )
    return Refusals(
        lines=[
            Refusal(
                actor=row.actor, attempt=row.attempt or "?", count=row.tries, last_at=row.last_at
            )
            for row in rows
        ],
        groups=int(totals[0]),
        attempts=int(totals[1]),
        people=int(people or 0),
    )
