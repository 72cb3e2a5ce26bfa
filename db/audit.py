"""The admin audit log: who did what to which record, and when.

`details` name fields and counts, never a message text, a questionnaire answer or a secret
(an invite code, say), so the log can be shown to every admin as it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
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
    result = await session.scalars(
        select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
    )
    return list(result)
