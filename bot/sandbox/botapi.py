"""A local Telegram Bot API: an HTTP server that answers `/bot<token>/<method>` the way
api.telegram.org does, for the methods the bot uses.

The bot's session is pointed at it (`TELEGRAM_API_URL`), so the production dispatcher runs
against it unchanged. It keeps every chat as Telegram would show it (messages, edits,
deletions, the command menu, a reply keyboard), hands out the updates that people's
actions make through long polling (`getUpdates`) and tells its listeners what changed,
which is how the sandbox page sees the bot live. Tests use it (`tests/fake_bot_api.py`)
to run the real bot process.

Methods it does not know get `{"ok": true, "result": true}` and are listed in `unknown`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from bot.text import without_tags

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
        "menu_button",
        "prices",
        "reply_markup",
        "reply_parameters",
        "scope",
        "suggested_tip_amounts",
    }
)
DEFAULT_SCOPE = {"type": "default"}

# What a listener is told: the kind of change and its details (see `LocalBotApi._tell`).
Listener = Callable[[str, dict[str, Any]], None]


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
    return without_tags(text)


def buttons_of(markup: dict[str, Any] | None) -> list[tuple[str, str | None]]:
    rows = (markup or {}).get("inline_keyboard", [])
    return [(button["text"], button.get("callback_data")) for row in rows for button in row]


def as_chat_id(value: Any) -> int | str:
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text


def is_private(chat_id: int | str) -> bool:
    """A person's own chat with the bot (its id is theirs); groups' ids are negative."""
    return isinstance(chat_id, int) and chat_id > 0


def scope_key(scope: dict[str, Any] | None) -> str:
    """A command scope as one comparable key (`{"type": "chat", "chat_id": 5}` → `chat:5`)."""
    scope = scope or DEFAULT_SCOPE
    chat = scope.get("chat_id")
    return f"{scope['type']}:{as_chat_id(chat)}" if chat is not None else str(scope["type"])


class LocalBotApi:
    """The Bot API of one bot, in this process.

    `now` gives the time the messages carry (the sandbox moves it with its clock);
    `keep_history` keeps every call and sent message in `calls` and `sent` (tests)."""

    def __init__(self, *, now: Callable[[], float] = time.time, keep_history: bool = True) -> None:
        self.url = ""
        self.now = now
        self.keep_history = keep_history
        self.bot_user = dict(BOT_USER)
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.unknown: list[Call] = []
        self.errors: list[str] = []  # server-side failures
        self.messages: dict[tuple[int | str, int], dict[str, Any]] = {}  # as they are now
        self.files: dict[str, Upload] = {}  # uploads by the file_id given out for them
        # What the bot wrote with its HTML markup (Telegram's messages carry entities).
        self.html: dict[tuple[int | str, int], str] = {}
        self.invoices: dict[tuple[int | str, int], dict[str, Any]] = {}  # what was asked
        self.paid: set[tuple[int | str, int]] = set()  # invoices paid
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (scope, language)
        self.keyboards: dict[int | str, dict[str, Any]] = {}  # reply keyboards shown
        self.listeners: list[Listener] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.chat_titles: dict[int | str, str] = {}
        self.menu_buttons: dict[str, dict[str, Any]] = {}  # chat id ("" for all) → button
        self._updates: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._closing = False
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._queries: dict[str, int | str] = {}  # callback query → its chat
        self._checkouts: dict[str, tuple[int | str, int, int]] = {}  # → chat, invoice, payer
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
            "setmycommands": self._set_commands,
            "deletemycommands": self._delete_commands,
            "setchatmenubutton": self._set_menu_button,
            "answercallbackquery": self._answer_callback,
            "answerprecheckoutquery": self._answer_checkout,
        }

    # -- lifecycle ------------------------------------------------------------------------

    def mount(self, app: web.Application) -> None:
        """Serve the Bot API from `app` (beside the sandbox page)."""
        app.router.add_post("/bot{token}/{method}", self._handle)

    async def __aenter__(self) -> Self:
        """Serve it alone on a free local port (`url` then points at it)."""
        app = web.Application(client_max_size=50 * 1024 * 1024)
        self.mount(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def close(self) -> None:
        """Release long polls still waiting, or a server's cleanup would wait for them."""
        self._closing = True
        self._arrived.set()

    # -- people's side --------------------------------------------------------------------

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

    def add_person(self, user_id: int, first_name: str, language_code: str) -> None:
        self.users[user_id] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }

    def _person(self, user_id: int) -> dict[str, Any]:
        person = {"id": user_id, "is_bot": False, "first_name": "Анна", "language_code": "ru"}
        return self.users.setdefault(user_id, person)

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | str | None = None,
        reply_to: int | None = None,
    ) -> int:
        """A person writes `text` in a chat with the bot (their private chat unless
        `chat_id` names a group), perhaps replying to a message; returns its id."""
        chat = user_id if chat_id is None else chat_id
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(self.now()),
            "chat": self._chat(chat),
            "from": self._person(user_id),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        replied = self.messages.get((chat, reply_to)) if reply_to is not None else None
        if replied is not None:
            message["reply_to_message"] = replied
        self._keep(chat, message)
        self.push_update(message=message)
        return int(message["message_id"])

    def push_callback(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | str | None = None
    ) -> str:
        """A person presses a button under the bot's message; returns the query id."""
        chat = user_id if chat_id is None else chat_id
        message = dict(
            self.messages.get((chat, message_id))
            or {
                # Deleted or never seen: Telegram sends an inaccessible message (date 0).
                "chat": self._chat(chat),
                "message_id": message_id,
                "date": 0,
            }
        )
        query_id = f"cq-{next(self._update_ids)}"
        self._queries[query_id] = chat
        self.push_update(
            callback_query={
                "id": query_id,
                "from": self._person(user_id),
                "chat_instance": f"ci-{chat}",
                "message": message,
                "data": data,
            }
        )
        return query_id

    def push_checkout(self, user_id: int, chat_id: int | str, message_id: int) -> str:
        """A person pays an invoice: Telegram asks the bot first (`pre_checkout_query`);
        when the bot answers ok, the payment is made (`successful_payment`)."""
        asked = self.invoices.get((chat_id, message_id))
        if asked is None:
            raise BotApiError(400, "Bad Request: there is no invoice in this message")
        query_id = f"pc-{next(self._update_ids)}"
        self._checkouts[query_id] = (chat_id, message_id, user_id)
        self.push_update(
            pre_checkout_query={
                "id": query_id,
                "from": self._person(user_id),
                "currency": asked["currency"],
                "total_amount": self._total(asked),
                "invoice_payload": asked["payload"],
            }
        )
        return query_id

    def chat_messages(self, chat_id: int | str) -> list[dict[str, Any]]:
        """A chat's messages as they are now, oldest first."""
        return [message for (chat, _), message in self.messages.items() if chat == chat_id]

    def commands_for(self, chat_id: int | str, language: str) -> list[dict[str, Any]]:
        """The command menu Telegram shows in a chat: the narrowest scope set, in the
        person's language before the scope's default."""
        kind = "all_private_chats" if is_private(chat_id) else "all_group_chats"
        for scope in (f"chat:{chat_id}", kind, "default"):
            for code in (language, ""):
                if (scope, code) in self.commands:
                    return self.commands[(scope, code)]
        return []

    # -- HTTP -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        bot_id = request.match_info["token"].split(":")[0]
        if bot_id.isdigit():
            self.bot_user["id"] = int(bot_id)
        try:
            params, files = await self._read(request)
            call = Call(method, params)
            if self.keep_history:
                self.calls.append(call)
            handler = self._handlers.get(method.lower())
            if handler is None:
                self.unknown.append(call)
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

    def _tell(self, kind: str, **details: Any) -> None:
        """Tell the listeners: `message` (new or changed; `chat_id`, `message`), `delete`
        (`chat_id`, `message_id`), `toast` (`chat_id`, `text`, `alert`), `commands`,
        `keyboard` (`chat_id`)."""
        for listener in self.listeners:
            listener(kind, details)

    # -- messages -------------------------------------------------------------------------

    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        if is_private(chat_id):
            chat = {"id": chat_id, "type": "private"}
            if chat_id in self.users:
                chat["first_name"] = self.users[chat_id]["first_name"]
            return chat
        return {"id": chat_id, "type": "supergroup", "title": self.chat_titles.get(chat_id, "Chat")}

    def _keep(self, chat_id: int | str, message: dict[str, Any]) -> None:
        self.messages[(chat_id, message["message_id"])] = message
        self._tell("message", chat_id=chat_id, message=message)

    def _new_message(
        self, params: dict[str, Any], text_field: str | None, **content: Any
    ) -> dict[str, Any]:
        chat_id = as_chat_id(params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(self.now()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            **{key: value for key, value in content.items() if value is not None},
        }
        replied = self._replied(chat_id, params)
        if replied is not None:
            message["reply_to_message"] = replied
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Telegram echoes inline keyboards only
        elif isinstance(markup, dict) and "keyboard" in markup:
            self.keyboards[chat_id] = markup
            self._tell("keyboard", chat_id=chat_id)
        elif (
            isinstance(markup, dict)
            and markup.get("remove_keyboard")
            and self.keyboards.pop(chat_id, None) is not None
        ):
            self._tell("keyboard", chat_id=chat_id)
        if text_field is not None:
            self._keep_html((chat_id, message["message_id"]), params, text_field)
        self._keep(chat_id, message)
        return message

    def _replied(self, chat_id: int | str, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters") or {}
        replied_id = reply.get("message_id", params.get("reply_to_message_id"))
        if replied_id is None:
            return None
        message = self.messages.get((chat_id, int(replied_id)))
        if message is None:
            return None
        # Telegram does not nest replies further than one level.
        return {key: value for key, value in message.items() if key != "reply_to_message"}

    def _record(
        self, method: str, params: dict[str, Any], message: dict[str, Any] | None, **extra: Any
    ) -> None:
        if not self.keep_history:
            return
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

    def _record_upload(
        self, method: str, params: dict[str, Any], message: dict[str, Any], upload: Upload | None
    ) -> None:
        self._record(
            method,
            params,
            message,
            file_name=upload.file_name if upload else None,
            file_bytes=upload.data if upload else None,
        )

    def _photo(self, value: Any, files: dict[str, Upload]) -> list[dict[str, Any]]:
        file_id = str(value)
        if file_id.startswith("attach://"):
            file_id = f"photo-{next(self._file_ids)}"
            self.files[file_id] = files[str(value).removeprefix("attach://")]
        return [{"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 800}]

    def _keep_html(self, key: tuple[int | str, int], params: dict[str, Any], name: str) -> None:
        """Keep what the bot wrote with its markup, for the page."""
        if params.get(name) is not None and (params.get("parse_mode") or "").upper() == "HTML":
            self.html[key] = str(params[name])
        else:
            self.html.pop(key, None)

    def _text(self, params: dict[str, Any], key: str) -> str | None:
        return plain(params.get(key), params.get("parse_mode"))

    def _send_message(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        message = self._new_message(params, "text", text=self._text(params, "text"))
        self._record("sendMessage", params, message)
        return message

    def _send_photo(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        photo = self._photo(params["photo"], files)
        upload = self.files.get(photo[0]["file_id"])
        message = self._new_message(
            params, "caption", photo=photo, caption=self._text(params, "caption")
        )
        self._record_upload("sendPhoto", params, message, upload)
        return message

    def _send_document(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        reference = str(params["document"])
        upload = files.get(reference.removeprefix("attach://"))
        file_id = f"document-{next(self._file_ids)}" if upload else reference
        if upload:
            self.files[file_id] = upload
        known = self.files.get(file_id)
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": file_id}
        if known:
            document |= {"file_name": known.file_name, "file_size": len(known.data)}
        message = self._new_message(
            params, "caption", document=document, caption=self._text(params, "caption")
        )
        self._record_upload("sendDocument", params, message, upload)
        return message

    @staticmethod
    def _total(asked: dict[str, Any]) -> int:
        return sum(int(price["amount"]) for price in asked["prices"])

    def _send_invoice(self, params: dict[str, Any], files: dict[str, Upload]) -> dict[str, Any]:
        invoice = {
            "title": params["title"],
            "description": params["description"],
            "start_parameter": params.get("start_parameter", ""),
            "currency": params["currency"],
            "total_amount": self._total(params),
        }
        message = self._new_message(params, None, invoice=invoice)
        self.invoices[(as_chat_id(params["chat_id"]), int(message["message_id"]))] = params
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
        message["edit_date"] = int(self.now())
        self._record(method, params, message)
        self._tell("message", chat_id=key[0], message=message)
        return message

    def _edit_text(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        def change(message: dict[str, Any]) -> None:
            if "text" not in message:
                raise BotApiError(400, "Bad Request: there is no text in the message to edit")
            message["text"] = self._text(params, "text")
            self._keep_html((message["chat"]["id"], message["message_id"]), params, "text")

        return self._edit("editMessageText", params, change)

    def _edit_caption(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        def change(message: dict[str, Any]) -> None:
            message["caption"] = self._text(params, "caption") or ""
            self._keep_html((message["chat"]["id"], message["message_id"]), params, "caption")

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
            self._keep_html((message["chat"]["id"], message["message_id"]), media, "caption")

        return self._edit("editMessageMedia", params, change)

    def _delete_message(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        key = (as_chat_id(params["chat_id"]), int(params["message_id"]))
        self.html.pop(key, None)
        if self.messages.pop(key, None) is not None:
            self._tell("delete", chat_id=key[0], message_id=key[1])
        return True

    # -- commands, answers, payments -------------------------------------------------------

    def _set_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        key = (scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands[key] = list(params.get("commands") or [])
        self._tell("commands")
        return True

    def _delete_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        key = (scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        self._tell("commands")
        return True

    def _set_menu_button(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        chat = params.get("chat_id")
        key = str(as_chat_id(chat)) if chat is not None else ""
        self.menu_buttons[key] = dict(params.get("menu_button") or {"type": "default"})
        self._tell("commands")
        return True

    def menu_app(self, chat_id: int | str) -> dict[str, str] | None:
        """The Mini App the chat's menu button opens (its label and address), if any."""
        button = self.menu_buttons.get(str(chat_id)) or self.menu_buttons.get("")
        if not button or button.get("type") != "web_app":
            return None
        return {"text": str(button["text"]), "url": str(button["web_app"]["url"])}

    def _answer_callback(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        chat_id = self._queries.pop(str(params["callback_query_id"]), None)
        text = params.get("text")
        if chat_id is not None and text:
            alert = str(params.get("show_alert", "")).lower() in {"true", "1"}
            self._tell("toast", chat_id=chat_id, text=text, alert=alert)
        return True

    def _answer_checkout(self, params: dict[str, Any], files: dict[str, Upload]) -> bool:
        checkout = self._checkouts.pop(str(params["pre_checkout_query_id"]), None)
        if checkout is None:
            raise BotApiError(400, "Bad Request: query is too old or query ID is invalid")
        chat_id, invoice_id, user_id = checkout
        if str(params.get("ok", "")).lower() not in {"true", "1"}:
            text = params.get("error_message") or ""
            self._tell("toast", chat_id=chat_id, text=text, alert=True)
            return True
        asked = self.invoices[(chat_id, invoice_id)]
        self.paid.add((chat_id, invoice_id))
        self._tell("message", chat_id=chat_id, message=self.messages[(chat_id, invoice_id)])
        charge = f"sandbox-{next(self._update_ids)}"
        message = {
            "message_id": next(self._message_ids),
            "date": int(self.now()),
            "chat": self._chat(chat_id),
            "from": self._person(user_id),
            "successful_payment": {
                "currency": asked["currency"],
                "total_amount": self._total(asked),
                "invoice_payload": asked["payload"],
                "telegram_payment_charge_id": charge,
                "provider_payment_charge_id": charge,
            },
        }
        self._keep(chat_id, message)
        self.push_update(message=message)
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
