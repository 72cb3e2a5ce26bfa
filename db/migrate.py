"""Run Alembic migrations from code (the bot, `run_bot.py migrate` and tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# The advisory lock that instances starting together take around their migrations.
MIGRATION_LOCK = 0x1B0C_0001


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate to `revision`. On PostgreSQL under an advisory lock held to the commit: any
    number of instances starting together migrate one after another, and the ones after
    the first find nothing left to do. (SQLite lets one writer at a time anyway.)"""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        await connection.run_sync(run)
