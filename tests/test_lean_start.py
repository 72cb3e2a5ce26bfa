"""What the bot's process holds once started: the libraries that ordinary updates never
need (charts, calendar files, Redis, migrations on a database already at the head) are
imported when first used, not at start."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from alembic.script import ScriptDirectory

from bot.config import Settings
from db.engine import create_engine
from db.migrate import alembic_config, heads, revisions_of, upgrade

ROOT = Path(__file__).resolve().parent.parent

# matplotlib (with numpy and Pillow), icalendar, the Redis client, `limits`, Alembic (with
# Mako and Pygments): some 60 MiB between them.
LAZY = ("matplotlib", "numpy", "PIL", "icalendar", "redis", "limits", "alembic", "mako", "pygments")

# `run_bot.run` up to the moment its background jobs have started (everything is built:
# the engine, the bot, the dispatcher with every router, the scheduler, the inbox); then
# the process lists what it imported and stops.
STARTED = textwrap.dedent(
    """
    import asyncio
    import sys

    import run_bot
    from bot.config import Settings

    LAZY = set(sys.argv[1].split(","))


    class Started(Exception):
        pass


    def started(background):
        raise Started


    try:
        asyncio.run(run_bot.run(Settings(_env_file=None), started=started))
    except Started:
        pass
    loaded = sorted({name.split(".")[0] for name in sys.modules} & (LAZY | {"sqlalchemy"}))
    print(",".join(loaded))
    """
)


def started_modules(tmp_path: Path, url: str) -> set[str]:
    env = {
        key: value for key, value in os.environ.items() if key.lower() not in Settings.model_fields
    }
    env.update(
        BOT_TOKEN="123456:TEST",
        DATABASE_URL=url,
        TELEGRAM_API_URL="http://127.0.0.1:9",  # nothing is asked of Telegram before the jobs
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", STARTED, ",".join(LAZY)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.strip().splitlines()[-1].split(","))


async def test_the_started_process_has_not_imported_what_updates_do_not_need(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    engine = create_engine(url)
    try:
        await upgrade(engine)  # at the head: the process finds nothing to migrate
    finally:
        await engine.dispose()
    loaded = started_modules(tmp_path, url)
    assert "sqlalchemy" in loaded  # the listing sees what is imported
    assert loaded & set(LAZY) == set()


def test_heads_are_alembics() -> None:
    assert heads() == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def test_a_database_at_the_head_is_left_alone_and_a_new_one_migrated(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    try:
        assert await revisions_of(engine) is None
        await upgrade(engine)
        assert await revisions_of(engine) == heads()
        await upgrade(engine)
        assert await revisions_of(engine) == heads()
    finally:
        await engine.dispose()
