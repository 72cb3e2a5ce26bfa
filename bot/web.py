"""The bot's HTTP side (aiohttp): the webhook, and /healthz, /readyz and /metrics.

In webhook mode all four share WEBHOOK_PORT (`run_webhook`); with polling the last three
get a small server of their own on METRICS_PORT (`metrics_server`, off when it is 0).

- `POST /webhook`: a request without the right `X-Telegram-Bot-Api-Secret-Token` header
  gets 401 and is never stored; an update is answered 200 only once it is committed to the
  inbox (`bot.inbox`), which handles it afterwards; 503 when the database did not take it,
  so Telegram sends it again. On shutdown the server stops taking requests and finishes
  the ones being stored.
- `GET /healthz`: 200 `ok` while the process serves requests.
- `GET /readyz`: 200 `ready` when the database answers and is migrated to Alembic's head,
  and every extra check passes; else 503 with the first problem in a few words.
- `GET /metrics`: Prometheus text (`bot.metrics`), with the database gauges read in one
  short session first.
- `GET /calendar/<secret>.ics`: a therapist's calendar feed (`handlers.calendar_feed`);
  404, the same for any secret that opens nothing (wrong, rotated, malformed).
- `GET /app` and `/app/api/…`: the Mini App (`handlers.miniapp`); every API request is
  refused with 401 unless it carries the bot's own fresh launch data.

None of these writes a request body, a header, a feed's secret or a message text to the
log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import metrics as bot_metrics
from bot.calendar import FEED_ROUTE
from bot.config import Settings
from bot.i18n import Translator
from bot.inbox import Inbox
from bot.rules.timezones import Clock
from db.migrate import heads

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhook"
# A readiness check or the metrics' database read that takes longer counts as failed.
CHECK_TIMEOUT_SECONDS = 5.0
# How long a stopping server waits for the requests in progress (an update being stored).
REQUESTS_TIMEOUT_SECONDS = 10.0

Check = Callable[[], Awaitable[None]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
VERSIONS = text("SELECT version_num FROM alembic_version")


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def secret_matches(given: str | None, secret: str) -> bool:
    """The request's secret token is ours; compared as bytes in constant time, so a header
    of any characters is simply not ours (never an error)."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret.encode())


def webhook_view(updates_inbox: Inbox, bot: Bot, secret: str) -> Handler:
    """POST /webhook: 401 without our secret token, 400 for a body that is no update,
    200 once the update is committed to the inbox, 503 when the database did not take it
    (Telegram sends it again later)."""

    async def webhook(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            return web.Response(status=401, text="unauthorized")
        try:
            update = Update.model_validate_json(await request.read(), context={"bot": bot})
        except ValueError:
            return web.Response(status=400, text="not an update")
        try:
            await updates_inbox.store([update])
        except Exception as error:
            logger.error("update %d not stored: %s", update.update_id, type(error).__name__)
            return web.Response(status=503, text="not stored")
        return web.json_response({})

    return webhook


def webhook_secret(settings: Settings) -> str:
    """The secret token; a webhook is never served without one."""
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret:
        raise ValueError("a webhook needs WEBHOOK_SECRET")
    return secret


class Readiness:
    """Is the process ready for traffic: the database reachable and at the migrations'
    head, and every extra check (each raises when its dependency is not usable)."""

    def __init__(
        self,
        engine: AsyncEngine,
        extra_checks: Sequence[Check] = (),
        *,
        timeout: float = CHECK_TIMEOUT_SECONDS,
    ) -> None:
        self._engine = engine
        self._checks = tuple(extra_checks)
        self._timeout = timeout
        self.heads = heads()

    async def problem(self) -> str | None:
        """None when ready, else what is wrong, in a few words."""
        try:
            async with asyncio.timeout(self._timeout):
                problem = await self._database()
        except TimeoutError:
            return f"database did not answer within {self._timeout:g} s"
        if problem is not None:
            return problem
        for check in self._checks:
            name = getattr(check, "__name__", None) or type(check).__name__
            try:
                async with asyncio.timeout(self._timeout):
                    await check()
            except TimeoutError:
                return f"{name}: no answer within {self._timeout:g} s"
            except Exception as error:
                return f"{name}: {type(error).__name__}"
        return None

    async def _database(self) -> str | None:
        try:
            async with self._engine.connect() as connection:
                try:
                    result = await connection.execute(VERSIONS)
                    revisions = frozenset(str(value) for value in result.scalars())
                except Exception as error:
                    return f"database not migrated ({type(error).__name__})"
        except Exception as error:
            return f"database unreachable ({type(error).__name__})"
        if not revisions:
            return "database not migrated (no revision)"
        if revisions != self.heads:
            return (
                f"database at revision {', '.join(sorted(revisions))}, "
                f"expected {', '.join(sorted(self.heads))}"
            )
        return None


def build_app(
    dispatcher: Dispatcher,
    bot: Bot,
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    extra_checks: Sequence[Check] = (),
    updates_inbox: Inbox | None = None,
    clock: Clock | None = None,
    metrics: bot_metrics.Metrics | None = None,
) -> web.Application:
    """The aiohttp app: health, readiness and metrics, and the webhook into
    `updates_inbox` when given. `clock`: the dispatcher's by default, for the due-reminder
    gauge; `metrics`: the process's (`bot.metrics.current()`)."""
    if clock is None:
        found = dispatcher.workflow_data.get("clock")
        clock = found if isinstance(found, Clock) else Clock()
    readiness = Readiness(engine, extra_checks)
    app = web.Application()

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(request: web.Request) -> web.Response:
        problem = await readiness.problem()
        if problem is None:
            return web.Response(text="ready")
        return web.Response(text=problem, status=503)

    async def metrics_view(request: web.Request) -> web.Response:
        shown = metrics or bot_metrics.current()
        snapshot: bot_metrics.DatabaseSnapshot | None
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), sessionmaker() as session:
                snapshot = await bot_metrics.read_database(session, clock.now())
        except Exception as error:
            logger.warning("metrics: the database gauges were not read: %s", type(error).__name__)
            snapshot = None
        shown.show_database(snapshot)
        return web.Response(
            body=generate_latest(shown.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def calendar_view(request: web.Request) -> web.Response:
        from db import calendar_feed
        from handlers.calendar_feed import render_feed

        translator = dispatcher.workflow_data.get("translator")
        assert isinstance(translator, Translator)
        async with sessionmaker() as session:
            therapist = await calendar_feed.therapist_of(session, request.match_info["token"])
            if therapist is None:
                # The same answer for a wrong, an old (rotated) or a malformed secret.
                return web.Response(status=404, text="not found")
            body = await render_feed(session, therapist, translator, settings, clock.now())
        return web.Response(
            body=body,
            headers={
                "Content-Type": "text/calendar; charset=utf-8",
                "Cache-Control": "private, max-age=300",
            },
        )

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
    app.router.add_get(FEED_ROUTE, calendar_view)
    _mount_miniapp(app, dispatcher, bot, settings, sessionmaker, clock)
    if updates_inbox is not None:
        app.router.add_post(
            WEBHOOK_PATH, webhook_view(updates_inbox, bot, webhook_secret(settings))
        )
    return app


def _mount_miniapp(
    app: web.Application,
    dispatcher: Dispatcher,
    bot: Bot,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
) -> None:
    """The Mini App's page and API (`handlers.miniapp`), with the dispatcher's rules."""
    from bot.rules.policy import Rules
    from handlers.miniapp import MiniApp

    translator = dispatcher.workflow_data.get("translator")
    rules = dispatcher.workflow_data.get("rules")
    assert isinstance(translator, Translator) and isinstance(rules, Rules)
    MiniApp(
        bot=bot,
        settings=settings,
        sessionmaker=sessionmaker,
        clock=clock,
        translator=translator,
        rules=rules,
        outgoing=dispatcher.workflow_data.get("outgoing"),
    ).mount(app)


@contextlib.asynccontextmanager
async def serving(app: web.Application, host: str, port: int) -> AsyncIterator[web.AppRunner]:
    """Serve `app` on host:port until the block ends."""
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, shutdown_timeout=REQUESTS_TIMEOUT_SECONDS
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        yield runner
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def metrics_server(
    dispatcher: Dispatcher,
    bot: Bot,
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    extra_checks: Sequence[Check] = (),
) -> AsyncIterator[None]:
    """With polling: /healthz, /readyz and /metrics on METRICS_PORT (nothing when 0)."""
    if not settings.metrics_port:
        yield
        return
    app = build_app(dispatcher, bot, settings, engine, sessionmaker, extra_checks=extra_checks)
    async with serving(app, settings.metrics_host, settings.metrics_port):
        logger.info("health and metrics on port %d", settings.metrics_port)
        yield


async def run_webhook(
    settings: Settings,
    bot: Bot,
    dispatcher: Dispatcher,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    updates_inbox: Inbox,
    stop: asyncio.Event,
    *,
    extra_checks: Sequence[Check] = (),
) -> None:
    """Serve the webhook (and health and metrics) on WEBHOOK_HOST:WEBHOOK_PORT, point
    Telegram at it, and run until `stop` is set; then stop taking requests (the ones
    being stored are finished first)."""
    secret = webhook_secret(settings)
    app = build_app(
        dispatcher,
        bot,
        settings,
        engine,
        sessionmaker,
        extra_checks=extra_checks,
        updates_inbox=updates_inbox,
    )
    async with serving(app, settings.webhook_host, settings.webhook_port):
        await bot.set_webhook(
            f"{settings.webhook_url.rstrip('/')}{WEBHOOK_PATH}",
            secret_token=secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
        logger.info("webhook served on port %d", settings.webhook_port)
        await stop.wait()
        logger.info("stopping: no new updates are taken")
