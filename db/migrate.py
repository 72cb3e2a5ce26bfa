"""Run Alembic migrations from code (the bot, `run_bot.py migrate` and tests).

A database already at the head is found so without Alembic (`heads` reads the revisions
from the migration files' own lines), so a process that has nothing to migrate never
imports it (Alembic, Mako and Pygments: some 10 MiB kept for the life of the process)."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSIONS = text("SELECT version_num FROM alembic_version")
# `revision: str = "0001"` and `down_revision: str | None = "0001"` (or a tuple, a merge).
_ASSIGNED = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@cache
def heads() -> frozenset[str]:
    """The revisions no migration follows: what Alembic's `ScriptDirectory.get_heads()`
    says, read from the files without importing Alembic."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = dict(_ASSIGNED.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(str(ast.literal_eval(found["revision"])))
        down = ast.literal_eval(found.get("down_revision", "None"))
        if isinstance(down, str):
            followed.add(down)
        elif down is not None:
            followed.update(str(each) for each in down)
    return frozenset(revisions - followed)


async def revisions_of(engine: AsyncEngine) -> frozenset[str] | None:
    """The database's revisions; None when it has no Alembic table yet."""
    async with engine.connect() as connection:
        try:
            result = await connection.execute(VERSIONS)
        except Exception:
            return None
        return frozenset(str(value) for value in result.scalars())


# The advisory lock that instances starting together take around their migrations.
MIGRATION_LOCK = 0x1B0C_0001


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate to `revision`. On PostgreSQL under an advisory lock held to the commit: any
    number of instances starting together migrate one after another, and the ones after
    the first find nothing left to do. (SQLite lets one writer at a time anyway.)"""
    if revision == "head" and await revisions_of(engine) == heads():
        return

    def run(connection: Connection) -> None:
        from alembic import command

        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        await connection.run_sync(run)
