"""The sandbox's chat page: one HTML file (`page.html`) and the small JSON API it uses.

    GET  /                      the page
    GET  /sandbox/state         personas, their chats as they are now, the page's labels
    GET  /sandbox/events        what changes, live (server-sent events)
    POST /sandbox/send          a persona writes (`chat_id`, `text`, `reply_to`)
    POST /sandbox/press         a persona presses an inline button (`chat_id`, `message_id`, `data`)
    POST /sandbox/pay           a persona pays an invoice (`chat_id`, `message_id`)
    POST /sandbox/clock         the sandbox clock moves ahead (`hours`) and the jobs run
    POST /sandbox/language      the page's and the personas' language (`language`)
    POST /sandbox/webapp        launch data for a persona's Mini App (`chat_id`), signed
                                with the sandbox bot's token as Telegram signs them
    GET  /sandbox/file/{id}     a photo or document the bot sent (`?download=1`: as a file)

Everything a persona does becomes the update Telegram would send (`bot.sandbox.botapi`);
nothing here talks to the bot any other way.

The page has no login, and any web page the browser shows may send requests to this
computer, so the server (the page and the Bot API beside it) answers only requests that
name it in their `Host` (a site whose name was made to point here names itself), refuses
a POST that the browser says comes from another page (`Origin`, `Sec-Fetch-Site`), and
the page's actions take JSON only: another site cannot send JSON without asking first,
and it is never allowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import mimetypes
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler as NextHandler

from bot.i18n import Translator
from bot.rules.payments import STARS, amount_text
from bot.rules.timezones import Clock, utcnow
from bot.sandbox.botapi import BotApiError, LocalBotApi
from bot.sandbox.personas import PERSONAS, TOKEN, Persona, Seeded
from bot.webapp import sign

PAGE = Path(__file__).with_name("page.html")
MAX_TEXT = 4096  # what Telegram accepts in one message
MAX_HOURS = 24 * 7
KEEPALIVE_SECONDS = 15
QUEUE_SIZE = 1000  # events a slow page may lag behind before it is told to reload
LABELS = (
    "sandbox-title",
    "sandbox-subtitle",
    "sandbox-input-placeholder",
    "sandbox-send",
    "sandbox-ok",
    "sandbox-menu",
    "sandbox-start",
    "sandbox-empty",
    "sandbox-paid",
    "sandbox-reply",
    "sandbox-replying-to",
    "sandbox-cancel-reply",
    "sandbox-download",
    "sandbox-edited",
    "sandbox-clock",
    "sandbox-plus-hour",
    "sandbox-plus-day",
    "sandbox-language",
    "sandbox-offline",
    "sandbox-app-close",
)


class SandboxClock(Clock):
    """The sandbox's "now": the real time, moved ahead by the page's clock control."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def now(self) -> datetime:
        return utcnow() + self.ahead


class Jobs(Protocol):
    def wake(self) -> None: ...


class BadRequest(Exception):
    """A request the page should not have made; `key` is the text to show."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class SandboxPage:
    def __init__(
        self,
        api: LocalBotApi,
        translator: Translator,
        clock: SandboxClock,
    ) -> None:
        self.api = api
        self.translator = translator
        self.clock = clock
        self.seeded: Seeded | None = None  # the people's data, once it is made
        self.language = translator.default
        self.jobs: Jobs | None = None
        # Whether a Host header names the sandbox, and its address: set once it listens.
        self.own_host: Callable[[str], bool] = lambda asked: False
        self.address = ""
        self._queues: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._personas = {persona.chat_id: persona for persona in PERSONAS}
        self._introduce()
        api.listeners.append(self._changed)

    def _introduce(self) -> None:
        """Tell the Bot API who the people are, in the page's language: their Telegram
        accounts' language and the group's title."""
        for persona in PERSONAS:
            if persona.kind == "group":
                self.api.chat_titles[persona.chat_id] = self._t(persona.label)
            else:
                self.api.add_person(persona.user_id, persona.first_name, self.language)

    def listening(self, own_host: Callable[[str], bool], address: str) -> None:
        """Where the server listens: `own_host` tells the names it answers at."""
        self.own_host = own_host
        self.address = address

    def attach(self, jobs: Jobs) -> None:
        """The bot's background jobs, run at once when the clock moves."""
        self.jobs = jobs

    def mount(self, app: web.Application) -> None:
        app.middlewares.append(self._guard)
        app.router.add_get("/", self._page)
        # The page has no icon: the browser's request is answered, not logged as missing.
        app.router.add_get("/favicon.ico", self._no_icon)
        app.router.add_get("/sandbox/state", self._state)
        app.router.add_get("/sandbox/events", self._events)
        app.router.add_get("/sandbox/file/{file_id}", self._file)
        for name, handler in (
            ("send", self._send),
            ("press", self._press),
            ("pay", self._pay),
            ("clock", self._move_clock),
            ("language", self._set_language),
            ("webapp", self._webapp),
        ):
            app.router.add_post(f"/sandbox/{name}", self._json(handler))

    def close(self) -> None:
        """End the live streams, so that the server can stop."""
        for queue in self._queues:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    # -- what the page sees ---------------------------------------------------------------

    def _t(self, key: str, **args: Any) -> str:
        return self.translator.get(self.language, key, plain=True, **args)

    def _persona_view(self, persona: Persona) -> dict[str, Any]:
        seeded = self.seeded
        name = ""
        if seeded is not None:
            name = seeded.therapist_name_en if self.language == "en" else seeded.therapist_name_ru
        return {
            "key": persona.key,
            "chat_id": persona.chat_id,
            "title": self._t(persona.label),
            "hint": self._t(f"{persona.label}-hint", name=name),
            "kind": persona.kind,
        }

    def _commands(self, persona: Persona) -> list[dict[str, Any]]:
        return self.api.commands_for(persona.chat_id, self.language)

    def view(self, chat_id: int | str, message: dict[str, Any]) -> dict[str, Any]:
        """A message as the page draws it."""
        key = (chat_id, int(message["message_id"]))
        sender = message.get("from") or {}
        text = message.get("text", message.get("caption"))
        markup = self.api.html.get(key)
        if markup is None and text is not None:
            markup = html.escape(text)
        photo = (message.get("photo") or [{}])[-1].get("file_id")
        document = message.get("document")
        invoice = message.get("invoice")
        payment = message.get("successful_payment")
        replied = message.get("reply_to_message")
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return {
            "message_id": key[1],
            "chat_id": chat_id,
            "outgoing": not sender.get("is_bot", False),
            "from_name": sender.get("first_name", ""),
            "date": message.get("date", 0),
            "html": markup,
            "photo": f"/sandbox/file/{photo}" if photo in self.api.files else None,
            "document": self._document(document) if document else None,
            "invoice": (
                {
                    "title": invoice["title"],
                    "description": invoice["description"],
                    "pay_label": self._t("sandbox-pay", amount=self._amount(invoice)),
                    "paid": key in self.api.paid,
                }
                if invoice
                else None
            ),
            "buttons": [
                [
                    {
                        "text": button["text"],
                        "data": button.get("callback_data"),
                        "url": button.get("url"),
                        "web_app": (button.get("web_app") or {}).get("url"),
                        "style": button.get("style"),
                    }
                    for button in row
                ]
                for row in rows
            ],
            "reply_to": (
                {
                    "message_id": replied["message_id"],
                    "preview": (replied.get("text") or replied.get("caption") or "")[:120],
                }
                if replied
                else None
            ),
            "edited": "edit_date" in message,
            "service": (
                self._t("sandbox-payment-done", amount=self._amount(payment)) if payment else None
            ),
        }

    def _document(self, document: dict[str, Any]) -> dict[str, Any]:
        file_id = document["file_id"]
        return {
            "name": document.get("file_name", file_id),
            "url": f"/sandbox/file/{file_id}?download=1",
            "size": document.get("file_size", 0),
        }

    @staticmethod
    def _amount(paid: dict[str, Any]) -> str:
        currency = str(paid.get("currency", ""))
        total = amount_text(int(paid.get("total_amount", 0)), currency)
        return f"⭐ {total}" if currency == STARS else f"{total} {currency}"

    def _chat_view(self, persona: Persona) -> dict[str, Any]:
        return {
            "messages": [
                self.view(persona.chat_id, message)
                for message in self.api.chat_messages(persona.chat_id)
            ],
            "commands": self._commands(persona),
            "reply_keyboard": self.api.keyboards.get(persona.chat_id),
            "menu_app": self._menu_app(persona),
        }

    def _menu_app(self, persona: Persona) -> dict[str, str] | None:
        """The menu button's Mini App; a group has none."""
        return self.api.menu_app(persona.chat_id) if persona.kind == "private" else None

    def state(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "languages": list(self.translator.languages),
            "labels": {key: self._t(key) for key in LABELS},
            "now": self.clock.now().isoformat(),
            "personas": [self._persona_view(persona) for persona in PERSONAS],
            "chats": {str(persona.chat_id): self._chat_view(persona) for persona in PERSONAS},
        }

    # -- live -----------------------------------------------------------------------------

    def _changed(self, kind: str, details: dict[str, Any]) -> None:
        if kind == "commands":
            for persona in PERSONAS:
                self._broadcast(
                    {
                        "type": "commands",
                        "chat_id": persona.chat_id,
                        "commands": self._commands(persona),
                        "menu_app": self._menu_app(persona),
                    }
                )
            return
        chat_id = details["chat_id"]
        if chat_id not in self._personas:
            return
        if kind == "message":
            event = {
                "type": "message",
                "chat_id": chat_id,
                "message": self.view(chat_id, details["message"]),
            }
        elif kind == "keyboard":
            event = {
                "type": "keyboard",
                "chat_id": chat_id,
                "reply_keyboard": self.api.keyboards.get(chat_id),
            }
        else:  # delete, toast
            event = {"type": kind, **details}
        self._broadcast(event)

    def _broadcast(self, event: dict[str, Any]) -> None:
        for queue in self._queues:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # Too far behind: it draws everything again instead.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait({"type": "reload"})

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            await response.write(b": connected\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": still here\n\n")
                    continue
                if event is None:
                    break
                data = json.dumps(event, ensure_ascii=False)
                await response.write(f"data: {data}\n\n".encode())
        except ConnectionResetError:
            pass  # the page went away
        finally:
            self._queues.discard(queue)
        return response

    # -- requests -------------------------------------------------------------------------

    def _refusal(self, status: int, key: str, **args: Any) -> web.Response:
        return web.json_response({"ok": False, "error": self._t(key, **args)}, status=status)

    @web.middleware
    async def _guard(self, request: web.Request, handler: NextHandler) -> web.StreamResponse:
        """Every request names the sandbox; a POST comes from no other page."""
        asked = request.headers.get(hdrs.HOST, "")
        if not self.own_host(asked):
            return self._refusal(403, "sandbox-error-host", address=self.address)
        if request.method not in {"GET", "HEAD"}:
            origin = request.headers.get(hdrs.ORIGIN)
            foreign = origin is not None and origin.lower() != f"http://{asked.lower()}"
            if foreign or request.headers.get("Sec-Fetch-Site") == "cross-site":
                return self._refusal(403, "sandbox-error-origin")
        return await handler(request)

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(
            body=PAGE.read_bytes(),
            content_type="text/html",
            charset="utf-8",
            headers={"Cache-Control": "no-store"},
        )

    async def _no_icon(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(self.state())

    async def _file(self, request: web.Request) -> web.Response:
        upload = self.api.files.get(request.match_info["file_id"])
        if upload is None:
            raise web.HTTPNotFound()
        content_type = mimetypes.guess_type(upload.file_name)[0] or "application/octet-stream"
        headers = {}
        if request.query.get("download"):
            name = upload.file_name.replace('"', "")
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return web.Response(body=upload.data, content_type=content_type, headers=headers)

    def _json(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def answer(request: web.Request) -> web.Response:
            if request.content_type != "application/json":
                return self._refusal(415, "sandbox-error-json")
            try:
                body = await request.json()
                if not isinstance(body, dict):
                    raise BadRequest("sandbox-error-request")
                return web.json_response({"ok": True, **await handler(body)})
            except BadRequest as error:
                return self._refusal(400, error.key)
            except (ValueError, KeyError, TypeError, BotApiError):
                return self._refusal(400, "sandbox-error-request")

        return answer

    def _persona(self, body: dict[str, Any]) -> Persona:
        persona = self._personas.get(body.get("chat_id"))  # type: ignore[arg-type]
        if persona is None:
            raise BadRequest("sandbox-error-request")
        return persona

    def _message_id(self, persona: Persona, body: dict[str, Any]) -> int:
        message_id = body.get("message_id")
        known = isinstance(message_id, int) and (persona.chat_id, message_id) in self.api.messages
        if not known:
            raise BadRequest("sandbox-error-gone")
        return int(message_id)  # type: ignore[arg-type]

    async def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        persona = self._persona(body)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise BadRequest("sandbox-error-text")
        reply_to = body.get("reply_to")
        message_id = self.api.push_message(
            persona.user_id,
            text,
            chat_id=persona.chat_id,
            reply_to=reply_to if isinstance(reply_to, int) else None,
        )
        return {"message_id": message_id}

    async def _press(self, body: dict[str, Any]) -> dict[str, Any]:
        persona = self._persona(body)
        message_id = self._message_id(persona, body)
        data = body.get("data")
        if not isinstance(data, str) or not data:
            raise BadRequest("sandbox-error-request")
        self.api.push_callback(persona.user_id, message_id, data, chat_id=persona.chat_id)
        return {}

    async def _pay(self, body: dict[str, Any]) -> dict[str, Any]:
        persona = self._persona(body)
        message_id = self._message_id(persona, body)
        if (persona.chat_id, message_id) in self.api.paid:
            raise BadRequest("sandbox-error-paid")
        self.api.push_checkout(persona.user_id, persona.chat_id, message_id)
        return {}

    async def _move_clock(self, body: dict[str, Any]) -> dict[str, Any]:
        hours = body.get("hours")
        if not isinstance(hours, int) or not 1 <= hours <= MAX_HOURS:
            raise BadRequest("sandbox-error-request")
        self.clock.ahead += timedelta(hours=hours)
        if self.jobs is not None:
            self.jobs.wake()
        now = self.clock.now().isoformat()
        self._broadcast({"type": "clock", "now": now})
        return {"now": now}

    async def _webapp(self, body: dict[str, Any]) -> dict[str, Any]:
        """What Telegram hands a Mini App it opens for this persona: who they are, signed
        with the bot's token at the sandbox clock's time."""
        persona = self._persona(body)
        if persona.kind != "private":
            raise BadRequest("sandbox-error-request")
        user = {
            "id": persona.user_id,
            "first_name": persona.first_name,
            "language_code": self.language,
        }
        return {"init_data": sign(TOKEN, user, self.clock.now())}

    async def _set_language(self, body: dict[str, Any]) -> dict[str, Any]:
        language = body.get("language")
        if language not in self.translator.languages:
            raise BadRequest("sandbox-error-request")
        self.language = str(language)
        self._introduce()
        self._broadcast({"type": "reload"})
        return {}
