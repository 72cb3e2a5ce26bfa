"""aiogram FSM storage on the bot's own database: a conversation survives a restart.

Every update reads its conversation's state first (aiogram's FSM middleware), and most
read its data a moment later: the state's query brings the data along, and the first
`get_data` of the same conversation in the same update takes it from there instead of
asking the database again, unless anything was written through this storage meanwhile.
Whoever changes `fsm_records` some other way in the middle of an update (the erasure of
a person) says so with `changed_elsewhere()`."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.timezones import utcnow
from db.dialects import insert_for
from db.models import FsmRecord

# Built once: building a statement costs more than running it from SQLAlchemy's cache.
READ_STATE = select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == bindparam("key"))
READ_DATA = select(FsmRecord.data).where(FsmRecord.key == bindparam("key"))


class DatabaseStorage(BaseStorage):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._keys = DefaultKeyBuilder(with_destiny=True)
        self._writes = 0  # writes through this storage so far (any conversation)

    def changed_elsewhere(self) -> None:
        """Conversation rows were changed without this storage: what it read is stale."""
        self._writes += 1

    def key_of(self, key: StorageKey) -> str:
        return self._keys.build(key)

    async def _upsert(self, key: StorageKey, **values: Any) -> None:
        self._writes += 1
        async with self._sessionmaker() as session:
            row: dict[str, Any] = {
                "key": self.key_of(key),
                "state": None,
                "data": {},
                "updated_at": utcnow(),
            }
            statement = insert_for(session, FsmRecord).values(**(row | values))
            statement = statement.on_conflict_do_update(
                index_elements=[FsmRecord.key],
                set_={name: statement.excluded[name] for name in (*values, "updated_at")},
            )
            await session.execute(statement)
            await session.commit()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        await self._upsert(key, state=name)

    async def get_state(self, key: StorageKey) -> str | None:
        name = self.key_of(key)
        writes = self._writes
        async with self._sessionmaker() as session:
            row = (await session.execute(READ_STATE, {"key": name})).first()
        state, data = (row.state, row.data) if row is not None else (None, None)
        _read_with_state.set(_Read(self, name, writes, dict(data or {})))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._upsert(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        name = self.key_of(key)
        read = _read_with_state.get()
        if read is not None and read.storage is self and read.key == name:
            _read_with_state.set(None)  # once: a later read may follow a write
            if read.writes == self._writes:
                return read.data
        async with self._sessionmaker() as session:
            result = await session.scalar(READ_DATA, {"key": name})
            return dict(result or {})

    async def forget(self, key: StorageKey) -> None:
        """Erase state and data of one conversation (used by /delete_me)."""
        self._writes += 1
        async with self._sessionmaker() as session:
            await session.execute(delete(FsmRecord).where(FsmRecord.key == self.key_of(key)))
            await session.commit()

    async def close(self) -> None:
        """The engine is owned and disposed of by the application."""


@dataclass(frozen=True, slots=True)
class _Read:
    """The data of a conversation, read with its state by the current update."""

    storage: DatabaseStorage
    key: str
    writes: int  # the storage's writes when it was read
    data: dict[str, Any]


_read_with_state: ContextVar[_Read | None] = ContextVar("fsm_read_with_state", default=None)
