"""The local sandbox: the real bot, without a token, in a chat page on this computer.

`python run_bot.py sandbox` (or `make run` without BOT_TOKEN) makes its own SQLite file
with the demo catalogue and its people (`personas`), serves a local Telegram Bot API
(`botapi`) and the chat page (`page`) from one HTTP server, and runs the production bot
against that server: the same dispatcher, middlewares, handlers and background jobs as in
Telegram, with the bot's session pointed at it (`TELEGRAM_API_URL`). Only the clock is
the sandbox's own, so that the page can move it ahead. The same server serves the Mini
App (`handlers.miniapp`, `MINIAPP_URL` set to the sandbox's address), which the page opens
in a panel with launch data signed by the sandbox bot's token.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import Settings
from bot.i18n import Translator
from bot.rules.timezones import Clock
from bot.sandbox.botapi import LocalBotApi
from bot.sandbox.page import SandboxClock, SandboxPage
from bot.sandbox.personas import ADMIN_ID, GROUP_CHAT_ID, TOKEN, Seeded, seed

log = logging.getLogger("sandbox")

# How the bot runs (run_bot.run): with the sandbox's clock, telling it its jobs.
Runner = Callable[..., Awaitable[None]]


class CannotStart(Exception):
    """The sandbox cannot start; the message says why, in one line."""


class CannotListen(CannotStart):
    """The sandbox's address is taken or not this computer's; the message says so."""


class TakesTheBotsDatabase(CannotStart):
    """SANDBOX_DATABASE_FILE is the bot's own SQLite file, which the sandbox would delete."""

    def __init__(self) -> None:
        super().__init__(
            "SANDBOX_DATABASE_FILE names the bot's own database (DATABASE_URL's SQLite file), "
            "which the sandbox would delete: it makes its file anew at each start. "
            "Set SANDBOX_DATABASE_FILE to another file (empty: data/sandbox.sqlite3)."
        )


# Hosts that mean "every address of this computer".
EVERY_ADDRESS = frozenset({"", "0.0.0.0", "::"})


def address(settings: Settings) -> str:
    """Where to open the page."""
    host = settings.sandbox_host
    shown = "127.0.0.1" if host in EVERY_ADDRESS else host
    return f"http://{shown}:{settings.sandbox_port}"


def exposed(host: str) -> bool:
    """Whether the page can be reached from other computers (it has no login)."""
    if host in EVERY_ADDRESS:
        return True
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a host name: it may well be reachable


# A request's Host header: a name or an IP address (IPv6 in brackets), perhaps a port.
HOST_HEADER = re.compile(r"(?P<name>\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _same_host(name: str, other: str) -> bool:
    ip = _ip(name)
    return ip == _ip(other) if ip is not None else name == other


def own_host(asked: str, *, host: str, port: int) -> bool:
    """Whether `asked`, a request's Host header, names the sandbox served on `host`:`port`.

    Its port, with `host` itself; on loopback, localhost, 127.0.0.1 and [::1] too (the bot
    reaches the Bot API at http://127.0.0.1:<port>). On every address (0.0.0.0, ::): those
    and any IP address (other computers open the page at this one's), and this computer's
    host name. Never another name: a site whose name was made to point at this computer
    (DNS rebinding) names itself."""
    shape = HOST_HEADER.fullmatch(asked.strip().lower())
    if shape is None or int(shape["port"] or 80) != port:
        return False
    name = shape["name"].strip("[]")
    own = host.strip().strip("[]").lower()
    if own in EVERY_ADDRESS:
        return (
            name in LOOPBACK_NAMES or _ip(name) is not None or name == socket.gethostname().lower()
        )
    if not exposed(own) and any(_same_host(name, other) for other in LOOPBACK_NAMES):
        return True
    return _same_host(name, own)


def _sqlite_file(database_url: str) -> Path | None:
    """The file of an SQLite DATABASE_URL, as SQLite opens it (relative to the current
    folder); None for another database or one in memory."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return None  # not a database URL: the bot itself says so, the sandbox never opens it
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in {"", ":memory:"}:
        return None
    if str(url.query.get("uri", "")).lower() in {"true", "1"} and database.startswith("file:"):
        database = unquote(urlsplit(database).path)
        if database in {"", ":memory:"}:
            return None
    return Path(database)


def _with_journals(path: Path) -> list[Path]:
    """A database file and the journal files SQLite keeps beside it (the sandbox deletes
    all three at its start)."""
    return [path, *(path.with_name(f"{path.name}{suffix}") for suffix in ("-wal", "-shm"))]


def _same_file(one: Path, other: Path) -> bool:
    try:
        if one.resolve() == other.resolve():
            return True
        return one.samefile(other)  # hard links; a folder's other spelling
    except (OSError, RuntimeError):
        return False  # one of them does not exist yet (or is a loop of symlinks)


def takes_the_bots_database(settings: Settings) -> bool:
    """Whether SANDBOX_DATABASE_FILE is (or is beside, as its journal) the SQLite file of
    DATABASE_URL: relative or absolute, through symlinks or hard links."""
    bots = _sqlite_file(settings.database_url)
    if bots is None:
        return False
    return any(
        _same_file(mine, theirs)
        for mine in _with_journals(settings.sandbox_database_file)
        for theirs in _with_journals(bots)
    )


def check_database(settings: Settings) -> None:
    """Refuse to start on the bot's own database, before any file is touched."""
    if takes_the_bots_database(settings):
        raise TakesTheBotsDatabase()


def sandbox_settings(settings: Settings, api_url: str, page_url: str = "") -> Settings:
    """The settings the sandbox runs the bot with: the person's own (language, rules,
    time zone) with the sandbox's token, database, Bot API, people and Stars payments, and
    the Mini App served beside the page (`page_url`); nothing that reaches out (webhook,
    Redis, metrics, calendar feeds)."""
    return Settings(
        **{
            **settings.model_dump(),
            "bot_token": SecretStr(TOKEN),
            "telegram_api_url": api_url,
            "database_url": f"sqlite+aiosqlite:///{settings.sandbox_database_file}",
            "admin_ids": frozenset({ADMIN_ID}),
            "therapist_chat_id": GROUP_CHAT_ID,
            "payment_provider_token": None,
            "payment_currency": "XTR",
            "webhook_url": "",
            "miniapp_url": page_url,
            "webhook_secret": None,
            "metrics_port": 0,
            "calendar_feed_url": "",
            "redis_url": "",
        }
    )


async def prepare(settings: Settings, clock: Clock) -> Seeded:
    """A new database for this run, with its people and their data."""
    from db.engine import create_engine, create_sessionmaker
    from db.migrate import upgrade

    path = settings.sandbox_database_file
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        stale.unlink(missing_ok=True)
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        return await seed(
            create_sessionmaker(engine),
            now=clock.now(),
            rules=settings.rules(),
            horizon_days=settings.booking_horizon_days,
            language=settings.default_language,
            timezone=settings.default_timezone,
        )
    finally:
        await engine.dispose()


def _listen(host: str, port: int) -> socket.socket:
    """The sandbox's listening socket, bound before the server is built: the Mini App's
    address (`MINIAPP_URL`) needs the port, which the system picks when SANDBOX_PORT is 0."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as error:
        raise CannotListen(
            f"The sandbox cannot listen on {host}:{port} "
            f"({error.strerror or error}): set SANDBOX_PORT to a free port."
        ) from error


def mount_miniapp(
    app: web.Application, settings: Settings, clock: Clock
) -> Callable[[], Awaitable[None]]:
    """The Mini App's page and API on the sandbox's server (`handlers.miniapp`), with the
    bot's settings and the sandbox's clock; returns what closes its bot and database."""
    from bot.app import create_bot
    from db.engine import create_engine, create_sessionmaker
    from handlers.miniapp import MiniApp

    engine = create_engine(settings.database_url)
    bot = create_bot(settings)
    MiniApp(
        bot=bot,
        settings=settings,
        sessionmaker=create_sessionmaker(engine),
        clock=clock,
        translator=Translator(default=settings.default_language),
        rules=settings.rules(),
    ).mount(app)

    async def close() -> None:
        await bot.session.close()
        await engine.dispose()

    return close


async def run_sandbox(settings: Settings, run: Runner) -> None:
    check_database(settings)
    clock = SandboxClock()
    sock = _listen(settings.sandbox_host, settings.sandbox_port)
    port = sock.getsockname()[1]  # the port given when SANDBOX_PORT is 0
    settings = settings.model_copy(update={"sandbox_port": port})
    bot_settings = sandbox_settings(settings, f"http://127.0.0.1:{port}", address(settings))
    api = LocalBotApi(now=lambda: clock.now().timestamp(), keep_history=False)
    page = SandboxPage(api, Translator(default=settings.default_language), clock)
    app = web.Application(client_max_size=50 * 1024 * 1024)
    api.mount(app)
    page.mount(app)
    close_miniapp = mount_miniapp(app, bot_settings, clock)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        page.listening(
            functools.partial(own_host, host=settings.sandbox_host, port=port), address(settings)
        )
        page.seeded = await prepare(bot_settings, clock)
        if exposed(settings.sandbox_host):
            log.warning(
                "the sandbox has no login and listens on %s: anyone who reaches it can use it",
                settings.sandbox_host,
            )
        log.info("sandbox: open %s", address(settings))
        try:
            await run(bot_settings, clock=clock, started=page.attach)
        finally:
            page.close()
    finally:
        api.close()
        await runner.cleanup()
        await close_miniapp()
        sock.close()
