"""aiogram FSM storage on the bot's own database: a conversation survives a restart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.timezones import utcnow
from db.models import FsmRecord


class DatabaseStorage(BaseStorage):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._keys = DefaultKeyBuilder(with_destiny=True)

    def key_of(self, key: StorageKey) -> str:
        return self._keys.build(key)

    async def _upsert(self, key: StorageKey, **values: Any) -> None:
        async with self._sessionmaker() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            row: dict[str, Any] = {
                "key": self.key_of(key),
                "state": None,
                "data": {},
                "updated_at": utcnow(),
            }
            statement = insert(FsmRecord).values(**(row | values))
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
        async with self._sessionmaker() as session:
            result = await session.scalar(
                select(FsmRecord.state).where(FsmRecord.key == self.key_of(key))
            )
            return result

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._upsert(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._sessionmaker() as session:
            result = await session.scalar(
                select(FsmRecord.data).where(FsmRecord.key == self.key_of(key))
            )
            return dict(result or {})

    async def forget(self, key: StorageKey) -> None:
        """Erase state and data of one conversation (used by /delete_me)."""
        async with self._sessionmaker() as session:
            await session.execute(delete(FsmRecord).where(FsmRecord.key == self.key_of(key)))
            await session.commit()

    async def close(self) -> None:
        """The engine is owned and disposed of by the application."""
