"""Entry point.

python run_bot.py            migrate, then run the bot (polling; a webhook if WEBHOOK_URL is set,
                             which needs WEBHOOK_SECRET)
python run_bot.py migrate    apply database migrations only
python run_bot.py demo       load the demo catalogue (idempotent); --if-empty: only when empty
python run_bot.py sandbox    the bot without a token, in a local chat page with personas
                             (http://SANDBOX_HOST:SANDBOX_PORT, its own SQLite file)
python run_bot.py run --sandbox-without-token
                             run the bot, or the sandbox when BOT_TOKEN is not set (make run)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot.config import Settings
from bot.logs import configure_logging
from bot.rules.timezones import Clock

if TYPE_CHECKING:
    from scheduler import Background

log = logging.getLogger("run_bot")

NO_TOKEN = (
    "BOT_TOKEN is not set: create a bot with @BotFather in Telegram (/newbot), "
    "then put BOT_TOKEN=<the token> into .env (see .env.example)."
)
SANDBOX_INSTEAD = (
    "BOT_TOKEN is not set: starting the local sandbox at {address} (Ctrl+C stops it). "
    "To run in Telegram, put BOT_TOKEN=<token from @BotFather> into .env."
)
NO_WEBHOOK_SECRET = (
    "WEBHOOK_URL is set but WEBHOOK_SECRET is not: set WEBHOOK_SECRET to a random string of "
    "1-256 characters from A-Z, a-z, 0-9, _ and - (for example the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)."
)


def describe(error: ValidationError) -> str:
    """A configuration error in one line, naming each setting; never the value given."""
    problems = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        name = ".".join(str(part) for part in item["loc"]).upper() or "settings"
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}: {' '.join(message.split())}")
    return f"Configuration error: {'; '.join(problems)}"


async def migrate(settings: Settings) -> None:
    from db.engine import create_engine
    from db.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def demo(settings: Settings, *, if_empty: bool) -> None:
    from sqlalchemy import func, select

    from bot.rules.timezones import Clock
    from db.demo import load_demo
    from db.engine import create_engine, create_sessionmaker
    from db.migrate import upgrade
    from db.models import Therapist

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session:
            if if_empty and await session.scalar(select(func.count(Therapist.id))):
                log.info("the catalogue is not empty: demo not loaded")
                return
            created = await load_demo(
                session, now=Clock().now(), horizon_days=settings.booking_horizon_days
            )
            log.info("demo catalogue: %d therapists added", created)
    finally:
        await engine.dispose()


async def run(
    settings: Settings,
    *,
    clock: Clock | None = None,
    started: Callable[[Background], None] | None = None,
) -> None:
    """The bot until it is stopped; `started` is told its background jobs (the sandbox
    runs them at once when its clock moves)."""
    from bot.app import create_bot, create_dispatcher
    from bot.i18n import Translator
    from bot.inbox import Inbox, poll
    from bot.instances import create_redis, redis_check, single_instance_warning
    from bot.metrics import install_metrics
    from bot.middlewares import create_outgoing
    from bot.web import metrics_server, run_webhook
    from db.engine import create_engine, create_sessionmaker
    from db.migrate import upgrade
    from scheduler import create_scheduler

    warning = single_instance_warning(settings)
    if warning is not None:
        log.warning(warning)
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    # One Redis client for the process (REDIS_URL): conversation state and a readiness
    # check.
    redis = create_redis(settings)
    extra_checks = [redis_check(redis)] if redis is not None else []
    clock = clock or Clock()
    translator = Translator(default=settings.default_language)
    rules = settings.rules()
    bot = create_bot(settings)
    # One outgoing path for handlers and background jobs: one rate limit for the process,
    # shared with the other instances through Redis when there is one.
    pace = None
    if settings.redis_url:
        from bot.pace import SharedPace  # the `limits` library: only with Redis

        pace = SharedPace(
            settings.redis_url,
            bot_id=bot.id,
            rate_per_second=settings.send_rate_per_second,
            chat_period_seconds=settings.send_rate_per_chat_seconds,
        )
    outgoing = create_outgoing(bot, settings, sessionmaker, clock, pace)
    dispatcher = create_dispatcher(
        settings,
        sessionmaker,
        clock=clock,
        translator=translator,
        outgoing=outgoing,
        rules=rules,
        redis=redis,
    )
    install_metrics(dispatcher, bot)
    background = create_scheduler(
        bot=bot,
        settings=settings,
        sessionmaker=sessionmaker,
        clock=clock,
        translator=translator,
        rules=rules,
        outgoing=outgoing,
        views=dispatcher["views"],
    )
    updates_inbox = Inbox(dispatcher, bot, sessionmaker, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for number in signals:
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(number, stop.set)
    workflow = {**dispatcher.workflow_data, "dispatcher": dispatcher, "bots": [bot]}
    try:
        background.start()
        if started is not None:
            started(background)
        await dispatcher.emit_startup(bot=bot, **workflow)
        # What an earlier run left in the inbox is handled first.
        updates_inbox.start()
        if settings.webhook_url:
            await run_webhook(
                settings,
                bot,
                dispatcher,
                engine,
                sessionmaker,
                updates_inbox,
                stop,
                extra_checks=extra_checks,
            )
        else:
            async with metrics_server(
                dispatcher, bot, settings, engine, sessionmaker, extra_checks=extra_checks
            ):
                await bot.delete_webhook(drop_pending_updates=False)
                await poll(
                    bot,
                    updates_inbox,
                    stop,
                    allowed_updates=dispatcher.resolve_used_update_types(),
                )
    finally:
        log.info("stopping: finishing the updates in hand")
        await updates_inbox.stop(settings.shutdown_grace_seconds)
        try:
            await dispatcher["views"].flush(sessionmaker)
        except Exception as error:
            log.warning("the cards shown could not be saved: %s", type(error).__name__)
        try:
            await dispatcher.emit_shutdown(bot=bot, **workflow)
        except Exception as error:
            log.warning("shutdown handlers failed: %s", type(error).__name__)
        await background.stop()
        for number in signals:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(number)
        await bot.session.close()
        if redis is not None:
            await redis.aclose()
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Therapist booking bot")
    parser.add_argument(
        "command", nargs="?", default="run", choices=["run", "migrate", "demo", "sandbox"]
    )
    parser.add_argument(
        "--if-empty", action="store_true", help="demo: only into an empty catalogue"
    )
    parser.add_argument(
        "--sandbox-without-token",
        action="store_true",
        help="run: start the local sandbox when BOT_TOKEN is not set",
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(describe(error), file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "migrate":
        asyncio.run(migrate(settings))
        return 0
    if args.command == "demo":
        asyncio.run(demo(settings, if_empty=args.if_empty))
        return 0
    no_token = settings.bot_token is None or not settings.bot_token.get_secret_value().strip()
    if args.command == "sandbox" or (no_token and args.sandbox_without_token):
        from bot.sandbox import CannotStart, address, check_database, run_sandbox

        try:
            check_database(settings)
            if args.command != "sandbox":
                print(SANDBOX_INSTEAD.format(address=address(settings)), flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(run_sandbox(settings, run))
        except CannotStart as error:
            print(error, file=sys.stderr)
            return 2
        return 0
    if no_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    if settings.webhook_url and settings.webhook_secret is None:
        print(NO_WEBHOOK_SECRET, file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
