"""What admins do with slots: list, add, block and free them.

Every change writes its audit entry (`db.audit`) in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.refusals import Refused
from db import audit, slot_states
from db.models import Slot, SlotStatus, Therapist
from db.transactions import refused_by_database


class SlotOverlaps(Refused):
    """The database refused the slot: it overlaps another slot of the same therapist."""

    key = "adm-slot-overlap"


async def slots_between(
    session: AsyncSession, therapist_id: int, start: datetime, end: datetime
) -> list[Slot]:
    result = await session.scalars(
        select(Slot)
        .where(Slot.therapist_id == therapist_id, Slot.starts_at >= start, Slot.starts_at < end)
        .order_by(Slot.starts_at)
    )
    return list(result)


async def add_slot(
    session: AsyncSession, therapist: Therapist, starts_at: datetime, *, actor: int, now: datetime
) -> Slot:
    therapist_id = therapist.id
    slot = Slot(
        therapist_id=therapist_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=therapist.session_minutes),
        status=SlotStatus.free,
    )
    session.add(slot)
    try:
        await session.flush()
    except DBAPIError as error:
        if not refused_by_database(error):
            raise
        await session.rollback()
        raise SlotOverlaps from error
    audit.add(
        session,
        actor=actor,
        action="slot.create",
        target=f"slot:{slot.id}",
        details={"therapist": therapist_id, "starts_at": starts_at.isoformat()},
        now=now,
    )
    await session.commit()
    return slot


async def get_slot(session: AsyncSession, slot_id: int) -> Slot | None:
    return await session.get(Slot, slot_id)


async def set_slot_blocked(
    session: AsyncSession, slot_id: int, blocked: bool, *, actor: int, now: datetime
) -> bool:
    """Block a free slot or free a blocked one; False when the slot is not in that state
    (booked meanwhile, say): the update only touches a slot still as the admin saw it."""
    was, becomes = (
        (SlotStatus.free, SlotStatus.blocked) if blocked else (SlotStatus.blocked, SlotStatus.free)
    )
    if await slot_states.change(session, [slot_id], from_=was, to=becomes) != 1:
        # Nothing changed; committing ends the transaction without expiring what is loaded.
        await session.commit()
        return False
    audit.add(
        session,
        actor=actor,
        action="slot.block" if blocked else "slot.unblock",
        target=f"slot:{slot_id}",
        now=now,
    )
    await session.commit()
    return True
