"""A slot's state, written here and nowhere else.

Every change is one conditional update (`UPDATE slots SET status = :to WHERE id IN … AND
status IN :from`), so of two writers racing for one slot exactly one succeeds, and a slot
is only ever moved from the state the caller expects. The moves a slot may make:

    free ──▶ held (a booking waiting for its payment), booked, offered (to a waiting
             client), requested (while a therapist answers), blocked (by an admin),
             group (a group's date: its seats are counted on the date, `db.groups`)
    held ──▶ booked (paid), free
    booked, offered, requested, blocked, group ──▶ free

An offered or requested time becomes a booking by going back to free and being taken
again in the same transaction (`free → booked/held`), as any booking takes it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Slot, SlotStatus

FREE = SlotStatus.free
MOVES: dict[SlotStatus, frozenset[SlotStatus]] = {
    SlotStatus.free: frozenset(
        {
            SlotStatus.held,
            SlotStatus.booked,
            SlotStatus.offered,
            SlotStatus.requested,
            SlotStatus.blocked,
            SlotStatus.group,
        }
    ),
    SlotStatus.held: frozenset({SlotStatus.booked, FREE}),
    SlotStatus.booked: frozenset({FREE}),
    SlotStatus.offered: frozenset({FREE}),
    SlotStatus.requested: frozenset({FREE}),
    SlotStatus.blocked: frozenset({FREE}),
    SlotStatus.group: frozenset({FREE}),
}


class NotAMove(ValueError):
    """A change the table above does not allow: a mistake in the code, never the user's."""


def _states(states: SlotStatus | Collection[SlotStatus]) -> frozenset[SlotStatus]:
    return frozenset({states}) if isinstance(states, SlotStatus) else frozenset(states)


async def change(
    session: AsyncSession,
    slot_ids: Iterable[int | None],
    *,
    from_: SlotStatus | Collection[SlotStatus],
    to: SlotStatus,
) -> int:
    """Move the slots that are in one of `from_` to `to`; how many moved (the others were
    not in that state any more). Not committed: part of the caller's use case."""
    ids = sorted({slot_id for slot_id in slot_ids if slot_id is not None})
    before = _states(from_)
    wrong = [state for state in before if to not in MOVES[state]]
    if wrong:
        raise NotAMove(f"a slot does not go from {sorted(wrong)} to {to}")
    if not ids:
        return 0
    result = await session.execute(
        update(Slot)
        .where(Slot.id.in_(ids), Slot.status.in_(before))
        .values(status=to)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def take(
    session: AsyncSession, slot_id: int, to: SlotStatus, *, from_: SlotStatus = FREE
) -> bool:
    """Take one slot (free, unless said otherwise) for `to`; False when it was not in
    that state: of two writers racing for it, exactly one gets True."""
    return await change(session, [slot_id], from_=from_, to=to) == 1


async def release(
    session: AsyncSession,
    *slot_ids: int | None,
    from_: SlotStatus | Collection[SlotStatus],
) -> int:
    """Free the slots still in one of `from_` (None ids are skipped); how many."""
    return await change(session, slot_ids, from_=from_, to=FREE)
