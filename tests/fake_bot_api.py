"""A fake Telegram Bot API HTTP server, for tests that run the real bot process.

It answers `/bot<token>/<method>` the way api.telegram.org does, for the methods the bot
uses, keeps what the bot sent, and hands out updates the test queues through long
polling:

    async with FakeBotApi() as api:            # api.url -> TELEGRAM_API_URL
        api.push_message(user_id, "/start")
        consent = await api.wait_for(lambda sent: "Вы согласны" in (sent.text or ""))
        api.push_callback(user_id, consent.message_id, consent.button("Согласен"))

Methods it does not know get `{"ok": true, "result": true}` and are listed in `unknown`.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from aiohttp import web

# A bot's id is the number its token starts with; each request puts it in place of 4242.
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Terapia", "username": "terapia_test_bot"}

# aiogram sends a form; nested objects arrive in it as JSON strings.
JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "prices",
        "reply_markup",
        "reply_parameters",
        "scope",
        "suggested_tip_amounts",
    }
)
HTML_TAG = re.compile(r"<[^>]+>")
T = TypeVar("T")


class BotApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass
class Upload:
    """A file the bot uploaded in a multipart request."""

    file_name: str
    data: bytes


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.time)  # arrival, in wall time


@dataclass
class Sent:
    """A message the bot sent or edited (edits are records of their own)."""

    method: str
    chat_id: int | str | None
    message_id: int | None
    text: str | None  # text or caption, as the person sees it (markup stripped)
    buttons: list[tuple[str, str | None]] = field(default_factory=list)
    file_name: str | None = None  # of an uploaded photo or document
    file_bytes: bytes | None = None
    params: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)  # arrival, in wall time

    def button(self, prefix: str) -> str:
        """The callback data of the first button whose text starts with `prefix`."""
        for text, data in self.buttons:
            if text.startswith(prefix) and data is not None:
                return data
        raise AssertionError(f"no button {prefix!r} in {self.buttons} under {self.text!r}")

    def describe(self) -> str:
        text = self.text if self.text is None or len(self.text) <= 100 else f"{self.text[:99]}…"
        parts = [f"{self.method} chat={self.chat_id} id={self.message_id} {text!r}"]
        if self.buttons:
            parts.append(f"buttons={[text for text, _ in self.buttons]}")
        if self.file_name:
            parts.append(f"file={self.file_name!r}")
        return " ".join(parts)


def plain(text: str | None, parse_mode: str | None) -> str | None:
    """What Telegram shows (and echoes back) for HTML text: tags gone, entities decoded."""
    if text is None or (parse_mode or "").upper() != "HTML":
        return text
    return html.unescape(HTML_TAG.sub("", text))


def buttons_of(markup: dict[str, Any] | None) -> list[tuple[str, str | None]]:
    rows = (markup or {}).get("inline_keyboard", [])
    return [(button["text"], button.get("callback_data")) for row in rows for button in row]


def as_chat_id(value: Any) -> int | str:
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text


class FakeBotApi:
    def __init__(self) -> None:
        self.url = ""
        self.bot_user = dict(BOT_USER)
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.unknown: list[Call] = []
        self.errors: list[str] = []  # server-side failures, shown when a wait times out
        self.messages: dict[tuple[int | str, int], dict[str, Any]] = {}  # as they are now
        self.files: dict[str, Upload] = {}  # uploads by the file_id given out for them
        self._updates: list[dict[str, Any]] = []
        self._users: dict[int, dict[str, Any]] = {}
        self._arrived = asyncio.Event()
        self._closing = False
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Callable[[dict[str, Any], dict[str, Upload]], Any]] = {
            "getme": lambda params, files: self.bot_user,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "sendinvoice": self._send_invoice,
            "editmessagetext": self._edit_text,
            "editmessagecaption": self._edit_caption,
            "editmessagereplymarkup": self._edit_reply_markup,
            "editmessagemedia": self._edit_media,
            "deletemessage": self._delete_message,
            "deletewebhook": lambda params, files: True,
            "setmycommands": lambda params, files: True,
            "answercallbackquery": lambda params, files: True,
            "answerprecheckoutquery": lambda params, files: True,
        }

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # Release long polls still waiting, or cleanup would wait for them.
        self._closing = True
        self._arrived.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- the test's side ------------------------------------------------------------------

    def push_update(self, **payload: Any) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **payload})
        self._arrived.set()
        self._arrived = asyncio.Event()
        return update_id

    async def next_update(self) -> dict[str, Any]:
        """The oldest update nobody has taken yet, taken (for delivering it to a webhook
        instead of answering getUpdates); waits for one."""
        while not self._updates:
            await self._arrived.wait()
        return self._updates.pop(0)

    def _person(self, user_id: int) -> dict[str, Any]:
        person = {"id": user_id, "is_bot": False, "first_name": "Анна", "language_code": "ru"}
        return self._users.setdefault(user_id, person)

    def push_message(self, user_id: int, text: str) -> int:
        """A person writes `text` in their private chat with the bot; returns the message id."""
        person = self._person(user_id)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(user_id),
            "from": person,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self.push_update(message=message)
        return int(message["message_id"])

    def push_callback(self, user_id: int, message_id: int, data: str) -> str:
        """A person presses a button under the bot's message; returns the query id."""
        message = dict(
            self.messages.get((user_id, message_id))
            or {
                # Deleted or never seen: Telegram sends an inaccessible message (date 0).
                "chat": self._chat(user_id),
                "message_id": message_id,
                "date": 0,
            }
        )
        query_id = f"cq-{next(self._update_ids)}"
        self.push_update(
            callback_query={
                "id": query_id,
                "from": self._person(user_id),
                "chat_instance": f"ci-{user_id}",
                "message": message,
                "data": data,
            }
        )
        return query_id

    async def wait_for(
        self,
        predicate: Callable[[Sent], bool],
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 - a timeout here reports what was sent
        since: int = 0,
    ) -> Sent:
        """The first record in `sent[since:]` that matches, waiting for it if needed."""

        def found() -> Sent | None:
            return next((sent for sent in self.sent[since:] if predicate(sent)), None)

        return await self._poll(found, timeout, "matching message")

    async def wait_for_call(
        self,
        method: str,
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 - as in wait_for
    ) -> Call:
        def found() -> Call | None:
            return next((call for call in self.calls if call.method == method), None)

        return await self._poll(found, timeout, f"{method} call")

    async def wait_until(
        self,
        found: Callable[[], T | None],
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 - as in wait_for
        what: str = "result",
    ) -> T:
        """What `found` returns once it is not None, checked again as the bot acts."""
        return await self._poll(found, timeout, what)

    async def _poll(self, found: Callable[[], T | None], limit: float, what: str) -> T:
        deadline = asyncio.get_running_loop().time() + limit
        while (result := found()) is None:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {what} within {limit:g} s\n{self.report()}")
            await asyncio.sleep(0.05)
        return result

    def report(self) -> str:
        lines = ["sent:", *(f"  {sent.describe()}" for sent in self.sent)]
        lines.append(
            f"calls: {[call.method for call in self.calls if call.method != 'getUpdates']}"
        )
        if self.errors:
            lines += ["server errors:", *(f"  {error}" for error in self.errors)]
        return "\n".join(lines)

    # -- HTTP -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        bot_id = request.match_info["token"].split(":")[0]
        if bot_id.isdigit():
            self.bot_user["id"] = int(bot_id)
        try:
            params, files = await self._read(request)
            self.calls.append(Call(method, params))
            handler = self._handlers.get(method.lower())
            if handler is None:
                self.unknown.append(self.calls[-1])
                result: Any = True
            else:
                result = handler(params, files)
                if asyncio.iscoroutine(result):
                    result = await result
        except BotApiError as error:
            body = {"ok": False, "error_code": error.code, "description": error.description}
            return web.json_response(body, status=error.code)
        except Exception as error:
            self.errors.append(f"{method}: {error!r}")
            raise
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _read(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        if request.content_type == "application/json":
            return await request.json(), {}
        params: dict[str, Any] = {}
        files: dict[str, Upload] = {}
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[key] = Upload(value.filename, value.file.read())
            elif key in JSON_FIELDS:
                params[key] = json.loads(value)
            else:
                params[key] = value
        return params, files

    # -- messages -------------------------------------------------------------------------

    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        if isinstance(chat_id, int) and chat_id > 0:
            chat = {"id": chat_id, "type": "private"}
            if chat_id in self._users:
                chat["first_name"] = self._users[chat_id]["first_name"]
            return chat
        return {"id": chat_id, "type": "supergroup", "title": "Chat"}

    def _new_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = as_chat_id(params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            **{key: value for key, value in content.items() if value is not None},
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Telegram echoes inline keyboards only
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _record(
        self, method: str, params: dict[str, Any], message: dict[str, Any] | None, **extra: Any
    ) -> None:
        text = message.get("text", message.get("caption")) if message else None
        markup = message.get("reply_markup") if message else params.get("reply_markup")
        self.sent.append(
            Sent(
                method=method,
                chat_id=as_chat_id(params["chat_id"]) if "chat_id" in params else None,
                message_id=message["message_id"] if message else None,
                text=text,
                buttons=buttons_of(markup),
                params=params,
                **extra,
            )
        )

    def _photo(self, value: Any, files: dict[str, Upload]) -> list[dict[str, Any]]:
        file_id = str(value)
        if file_id.startswith("attach://"):
            file_id = f"photo-{next(self._file_ids)}"
            self.files[file_id] = files[str(value).removeprefix("attach://")]
        return [{"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 800}]

    def _text(self, params: dict[str, Any], key: str) -> str | None:
        return plain(params.get(key), params.get("parse_mode"))

    def _send_message(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        message = self._new_message(params, text=self._text(params, "text"))
        self._record("sendMessage", params, message)
        return message

    def _send_photo(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        photo = self._photo(params["photo"], files)
        upload = self.files.get(photo[0]["file_id"])
        message = self._new_message(params, photo=photo, caption=self._text(params, "caption"))
        self._record(
            "sendPhoto",
            params,
            message,
            file_name=upload.file_name if upload else None,
            file_bytes=upload.data if upload else None,
        )
        return message

    def _send_document(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        reference = str(params["document"])
        upload = files.get(reference.removeprefix("attach://"))
        file_id = f"document-{next(self._file_ids)}" if upload else reference
        if upload:
            self.files[file_id] = upload
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": file_id}
        if upload:
            document |= {"file_name": upload.file_name, "file_size": len(upload.data)}
        message = self._new_message(
            params, document=document, caption=self._text(params, "caption")
        )
        self._record(
            "sendDocument",
            params,
            message,
            file_name=upload.file_name if upload else None,
            file_bytes=upload.data if upload else None,
        )
        return message

    def _send_invoice(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        invoice = {
            "title": params["title"],
            "description": params["description"],
            "start_parameter": params.get("start_parameter", ""),
            "currency": params["currency"],
            "total_amount": sum(int(price["amount"]) for price in params["prices"]),
        }
        message = self._new_message(params, invoice=invoice)
        self._record("sendInvoice", params, message)
        return message

    def _edit(
        self, method: str, params: dict[str, Any], change: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any] | bool:
        if "inline_message_id" in params:
            self._record(method, params, None)
            return True
        key = (as_chat_id(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            raise BotApiError(400, "Bad Request: message to edit not found")
        change(message)
        # No reply_markup in an edit removes the keyboard, as in Telegram.
        message.pop("reply_markup", None)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        self._record(method, params, message)
        return message

    def _edit_text(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        def change(message: dict[str, Any]) -> None:
            if "text" not in message:
                raise BotApiError(400, "Bad Request: there is no text in the message to edit")
            message["text"] = self._text(params, "text")

        return self._edit("editMessageText", params, change)

    def _edit_caption(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        def change(message: dict[str, Any]) -> None:
            message["caption"] = self._text(params, "caption") or ""

        return self._edit("editMessageCaption", params, change)

    def _edit_reply_markup(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return self._edit("editMessageReplyMarkup", params, lambda message: None)

    def _edit_media(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        media = params["media"]

        def change(message: dict[str, Any]) -> None:
            for kind in ("text", "photo", "document", "caption"):
                message.pop(kind, None)
            if media["type"] == "photo":
                message["photo"] = self._photo(media["media"], files)
            else:
                message[media["type"]] = {"file_id": str(media["media"]), "file_unique_id": "m"}
            caption = plain(media.get("caption"), media.get("parse_mode"))
            if caption:
                message["caption"] = caption

        return self._edit("editMessageMedia", params, change)

    def _delete_message(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        self.messages.pop((as_chat_id(params["chat_id"]), int(params["message_id"])), None)
        return True

    async def _get_updates(self, params: dict[str, Any], files: dict[str, Upload]) -> list[Any]:
        offset = int(params.get("offset", 0))
        if offset > 0:
            # Updates below the offset are confirmed: Telegram forgets them.
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(params.get("timeout", 0))
        while not self._updates and not self._closing and loop.time() < deadline:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), deadline - loop.time())
        return self._updates[: int(params.get("limit", 100))]
