"""A fake Telegram for conversation tests.

`FakeTelegram` is an aiogram session: it records every Bot API call and answers the way
Telegram does (message ids, edits, photos with file ids, "message is not modified",
HTML that does not parse, length limits, 403 for a user who blocked the bot, 429 with
retry_after). `TgUser` plays a person in a private chat: it sends messages and presses
buttons through the production dispatcher, and reads what the bot shows.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerPreCheckoutQuery,
    CopyMessage,
    DeleteMessage,
    DeleteMyCommands,
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    RefundStarPayment,
    SendChatAction,
    SendDocument,
    SendInvoice,
    SendMessage,
    SendPhoto,
    SetChatMenuButton,
    SetMyCommands,
    TelegramMethod,
)
from aiogram.types import (
    CallbackQuery,
    Chat,
    Document,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    PhotoSize,
    PreCheckoutQuery,
    ReplyKeyboardMarkup,
    SharedUser,
    Sticker,
    SuccessfulPayment,
    Update,
    User,
    UsersShared,
    Voice,
)

from bot.rules import receipts

BOT_ID = 4242
BOT_USER = User(id=BOT_ID, is_bot=True, first_name="Terapia", username="terapia_test_bot")
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
    "tg-time",
}
ESCAPED = re.compile(r"tg-time|&(?:amp|lt|gt|quot);")
OPENED: list[FakeTelegram] = []  # every fake Telegram of the running test
# Telegram's date_time formats: "r" (relative) or an optional weekday, date and time.
TIME_FORMAT = re.compile(r"r|w?[dD]?[tT]?")
# A clock time in a text ("21:00"). Every one the bot writes is a moment shown as a
# `date_time` entity, except the wall-clock times that belong to no single moment:
CLOCK = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
WALL_CLOCK = (
    # working hours and windows, "10:00–18:00";
    re.compile(r"\d{1,2}:\d{2}\s*[–—-]\s*\d{1,2}:\d{2}"),
    # a zone's offset, "UTC+03:00";
    re.compile(r"(?:UTC|GMT)\s?[+−-]\d{1,2}:\d{2}"),
    # a regular weekly time, "каждую неделю, вторник, 19:00";
    re.compile(
        r"(?:понедельник|вторник|среда|четверг|пятница|суббота|воскресенье|Monday|Tuesday"
        r"|Wednesday|Thursday|Friday|Saturday|Sunday), \d{1,2}:\d{2}"
    ),
    # the admin's grid of a therapist's slots, "18:00🟢", in the therapist's zone (the one
    # new slots are typed in).
    re.compile(r"\d{1,2}:\d{2}[🟢🔒📌⏳]"),
)


def check_receipt(method: SendInvoice) -> None:
    """Every invoice the tests send: a Stars one carries no provider data; a provider's
    `provider_data`, when there is one, is JSON whose receipt lines add up to the total."""
    if method.currency == "XTR":
        assert method.provider_data is None, "Telegram receipts Stars itself"
        return
    if method.provider_data is None:
        return
    data = json.loads(method.provider_data)
    assert set(data) == {"receipt"}, data
    assert receipts.total(data["receipt"]) == sum(price.amount for price in method.prices), data
    for item in data["receipt"]["items"]:
        assert item["amount"]["currency"] == method.currency
        assert 0 < len(item["description"]) <= receipts.DESCRIPTION_LIMIT
        assert item["payment_subject"] == "service"


@dataclass(frozen=True)
class DateTime:
    """A `date_time` entity: where it is in the text, its moment and its format."""

    start: int
    end: int
    unix: int
    format: str | None

    @property
    def moment(self) -> datetime:
        return datetime.fromtimestamp(self.unix, UTC)


class _TelegramHtml(HTMLParser):
    """Checks HTML the way Telegram does: known tags only, properly nested, a `tg-time`
    with a whole `unix` and a known `format`. Keeps the `date_time` entities and the
    code spans found."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.length = 0
        self.error: str | None = None
        self.times: list[DateTime] = []
        self.code: list[tuple[int, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
        values = dict(attrs)
        if tag == "tg-time":
            unix, style = values.get("unix"), values.get("format")
            if unix is None or not unix.isdigit():
                self.error = "Bad date_time: unix must be a whole number of seconds"
            if style is not None and not TIME_FORMAT.fullmatch(style):
                self.error = f'Bad date_time format "{style}"'
        self.stack.append((tag, self.length, values))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            self.error = f'Unmatched end tag "{tag}"'
            return
        _, start, values = self.stack.pop()
        if tag == "tg-time" and self.error is None:
            self.times.append(
                DateTime(start, self.length, int(values["unix"] or 0), values.get("format"))
            )
        elif tag in ("code", "pre"):
            self.code.append((start, self.length))

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        self.length += len(data)


def parse_html(html_text: str) -> _TelegramHtml:
    parser = _TelegramHtml()
    parser.feed(html_text)
    parser.close()
    if parser.error or parser.stack:
        raise ValueError(parser.error or f'Unclosed tag "{parser.stack[-1][0]}"')
    return parser


def plain_text(html_text: str) -> str:
    return "".join(parse_html(html_text).text)


def untimed(html_text: str) -> list[str]:
    """The clock times in a message that are not `date_time` entities (nor code, nor a
    wall-clock time such as working hours), each with the words around it."""
    parsed = parse_html(html_text)
    text = "".join(parsed.text)
    covered = [(each.start, each.end) for each in parsed.times] + parsed.code
    for pattern in WALL_CLOCK:
        covered += [match.span() for match in pattern.finditer(text)]
    found = []
    for match in CLOCK.finditer(text):
        if not any(start <= match.start() and match.end() <= end for start, end in covered):
            found.append(text[max(0, match.start() - 40) : match.end() + 20])
    if "<tg-time" in text:
        found.append("an escaped <tg-time> shown as text")
    return found


@dataclass
class Shown:
    """A message the bot has in a chat, as it looks now (after edits)."""

    message_id: int
    chat_id: int
    html: str
    markup: InlineKeyboardMarkup | None = None
    photo: str | None = None  # file id of the photo, when it is a photo message
    document: str | None = None  # file name of a sent document
    document_bytes: bytes | None = None
    invoice: SendInvoice | None = None
    deleted: bool = False
    reply_to: int | None = None
    keyboard: ReplyKeyboardMarkup | None = None  # a reply keyboard sent with the message

    @property
    def text(self) -> str:
        return plain_text(self.html)

    @property
    def times(self) -> list[DateTime]:
        """The `date_time` entities in the message, in order."""
        return parse_html(self.html).times

    @property
    def buttons(self) -> list[str]:
        if self.markup is None:
            return []
        return [button.text for row in self.markup.inline_keyboard for button in row]

    def button(self, label: str) -> Any:
        if self.markup is None:
            raise AssertionError(f"message {self.message_id} has no buttons: {self.text!r}")
        matches = [
            button for row in self.markup.inline_keyboard for button in row if label in button.text
        ]
        if not matches:
            raise AssertionError(f"no button {label!r} in {self.buttons} under {self.text!r}")
        exact = [button for button in matches if button.text == label]
        return (exact or matches)[0]


@dataclass
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool | None


class FakeTelegram(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self.chats: dict[int, list[Shown]] = defaultdict(list)
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.commands: list[SetMyCommands] = []
        self.blocked: set[int] = set()
        self.retry_after: dict[int, list[int]] = defaultdict(list)  # chat -> queued 429s
        self.unwell: set[int] = set()  # chats whose sends fail with a server error
        self.refund_errors: list[tuple[int, str]] = []  # answers for the next refunds
        self.refunded: list[str] = []  # charge ids Telegram returned
        self.uploads = 0
        # Every outgoing text is read for clock times that are not `date_time` entities,
        # and every label, alert and invoice for a `tg-time` tag it cannot carry; the
        # conftest fails the test that found any (`verify`).
        self.untimed: list[str] = []
        self.leaked: list[str] = []
        OPENED.append(self)
        self._ids = itertools.count(1)
        self._files = itertools.count(1)

    # -- the session interface --------------------------------------------------------

    async def close(self) -> None:
        return None

    def verify(self) -> None:
        """Fails on a time written without its entity, or a `tg-time` in plain text."""
        assert not self.untimed, f"times written without a date_time entity: {self.untimed}"
        assert not self.leaked, f"markup where Telegram shows plain text: {self.leaked}"

    def _plain_only(self, *texts: str | None) -> None:
        """Texts Telegram shows as they are: no `tg-time`, and nothing HTML-escaped (an
        `&amp;` there would be read as such)."""
        self.leaked += [text for text in texts if text and ESCAPED.search(text)]

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> Any:
        self.calls.append(method)
        chat_id = getattr(method, "chat_id", None)
        if isinstance(chat_id, int):
            if chat_id in self.blocked:
                return self._fail(bot, method, 403, "Forbidden: bot was blocked by the user")
            queued = self.retry_after.get(chat_id)
            if queued:
                seconds = queued.pop(0)
                return self._fail(
                    bot,
                    method,
                    429,
                    f"Too Many Requests: retry after {seconds}",
                    {"retry_after": seconds},
                )
        if isinstance(chat_id, int) and chat_id in self.unwell:
            return self._fail(bot, method, 502, "Bad Gateway")
        handler = getattr(self, f"_do_{type(method).__name__}", None)
        if handler is None:
            raise NotImplementedError(f"the fake Telegram does not know {type(method).__name__}")
        return handler(bot, method)

    def _fail(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        code: int,
        description: str,
        parameters: dict[str, Any] | None = None,
    ) -> Any:
        payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            payload["parameters"] = parameters
        return self.check_response(bot, method, code, json.dumps(payload)).result

    # -- helpers ----------------------------------------------------------------------

    def _check_html(self, bot: Bot, method: Any, html_text: str, limit: int) -> str | None:
        try:
            text = plain_text(html_text)
        except ValueError as error:
            return self._fail(bot, method, 400, f"Bad Request: can't parse entities: {error}")
        self.untimed += untimed(html_text)
        if not text.strip():
            return self._fail(bot, method, 400, "Bad Request: message text is empty")
        if len(text) > limit:
            return self._fail(bot, method, 400, "Bad Request: message is too long")
        return None

    def _check_markup(self, bot: Bot, method: Any, markup: Any) -> None:
        if isinstance(markup, ReplyKeyboardMarkup):
            self._plain_only(*(button.text for row in markup.keyboard for button in row))
        if isinstance(markup, InlineKeyboardMarkup):
            for row in markup.inline_keyboard:
                for button in row:
                    self._plain_only(button.text)
                    data = button.callback_data
                    if data is not None and len(data.encode()) > 64:
                        self._fail(bot, method, 400, "Bad Request: BUTTON_DATA_INVALID")
                    if not button.text:
                        self._fail(bot, method, 400, "Bad Request: button text is empty")

    def _store(self, chat_id: int, shown: Shown) -> Message:
        self.chats[chat_id].append(shown)
        return self.as_message(shown)

    def find(self, chat_id: int, message_id: int) -> Shown | None:
        for shown in self.chats.get(chat_id, []):
            if shown.message_id == message_id and not shown.deleted:
                return shown
        return None

    def as_message(self, shown: Shown) -> Message:
        chat = Chat(id=shown.chat_id, type="private")
        if shown.photo:
            photo = [
                PhotoSize(file_id=shown.photo, file_unique_id=shown.photo, width=512, height=512)
            ]
            return Message(
                message_id=shown.message_id,
                date=datetime.now(UTC),
                chat=chat,
                from_user=BOT_USER,
                photo=photo,
                caption=shown.html,
                reply_markup=shown.markup,
            )
        return Message(
            message_id=shown.message_id,
            date=datetime.now(UTC),
            chat=chat,
            from_user=BOT_USER,
            text=shown.html,
            reply_markup=shown.markup,
        )

    def _photo_id(self, photo: Any) -> str:
        if isinstance(photo, InputFile):
            self.uploads += 1
            return f"photo-file-{next(self._files)}"
        return str(photo)

    def _edit_target(self, bot: Bot, method: Any) -> Shown:
        shown = self.find(method.chat_id, method.message_id)
        if shown is None:
            self._fail(bot, method, 400, "Bad Request: message to edit not found")
        assert shown is not None
        return shown

    # -- methods ----------------------------------------------------------------------

    def _do_GetMe(self, bot: Bot, method: GetMe) -> User:
        return BOT_USER

    def _do_SetMyCommands(self, bot: Bot, method: SetMyCommands) -> bool:
        self.commands.append(method)
        return True

    def _do_DeleteMyCommands(self, bot: Bot, method: DeleteMyCommands) -> bool:
        return True

    def _do_SetChatMenuButton(self, bot: Bot, method: SetChatMenuButton) -> bool:
        return True

    def _do_SendChatAction(self, bot: Bot, method: SendChatAction) -> bool:
        return True

    def _do_SendMessage(self, bot: Bot, method: SendMessage) -> Message:
        self._check_html(bot, method, method.text, 4096)
        self._check_markup(bot, method, method.reply_markup)
        markup = (
            method.reply_markup if isinstance(method.reply_markup, InlineKeyboardMarkup) else None
        )
        reply_to = method.reply_parameters.message_id if method.reply_parameters else None
        shown = Shown(next(self._ids), int(method.chat_id), method.text, markup, reply_to=reply_to)
        if isinstance(method.reply_markup, ReplyKeyboardMarkup):
            shown.keyboard = method.reply_markup
        return self._store(shown.chat_id, shown)

    def _do_SendPhoto(self, bot: Bot, method: SendPhoto) -> Message:
        self._check_html(bot, method, method.caption or " ", 1024)
        self._check_markup(bot, method, method.reply_markup)
        markup = (
            method.reply_markup if isinstance(method.reply_markup, InlineKeyboardMarkup) else None
        )
        shown = Shown(
            next(self._ids),
            int(method.chat_id),
            method.caption or "",
            markup,
            photo=self._photo_id(method.photo),
        )
        return self._store(shown.chat_id, shown)

    def _do_SendDocument(self, bot: Bot, method: SendDocument) -> Message:
        name = getattr(method.document, "filename", None) or str(method.document)
        data = getattr(method.document, "data", None)
        shown = Shown(
            next(self._ids),
            int(method.chat_id),
            method.caption or "",
            document=name,
            document_bytes=data if isinstance(data, bytes) else None,
        )
        self.chats[shown.chat_id].append(shown)
        return Message(
            message_id=shown.message_id,
            date=datetime.now(UTC),
            chat=Chat(id=shown.chat_id, type="private"),
            from_user=BOT_USER,
            document=Document(
                file_id=f"doc-{shown.message_id}", file_unique_id="d", file_name=name
            ),
        )

    def _do_SendInvoice(self, bot: Bot, method: SendInvoice) -> Message:
        check_receipt(method)
        self._plain_only(method.title, method.description, *(p.label for p in method.prices))
        if method.provider_data:
            items = json.loads(method.provider_data)["receipt"]["items"]
            self._plain_only(*(item["description"] for item in items))
        shown = Shown(next(self._ids), int(method.chat_id), method.title, invoice=method)
        self.chats[shown.chat_id].append(shown)
        return Message(
            message_id=shown.message_id,
            date=datetime.now(UTC),
            chat=Chat(id=shown.chat_id, type="private"),
            from_user=BOT_USER,
            text=method.title,
        )

    def _do_CopyMessage(self, bot: Bot, method: CopyMessage) -> Any:
        from aiogram.types import MessageId

        shown = Shown(next(self._ids), int(method.chat_id), method.caption or "(copy)")
        self.chats[shown.chat_id].append(shown)
        return MessageId(message_id=shown.message_id)

    def _do_EditMessageText(self, bot: Bot, method: EditMessageText) -> Message:
        shown = self._edit_target(bot, method)
        self._check_html(bot, method, method.text, 4096)
        self._check_markup(bot, method, method.reply_markup)
        if shown.photo:
            self._fail(bot, method, 400, "Bad Request: there is no text in the message to edit")
        if shown.html == method.text and shown.markup == method.reply_markup:
            self._fail(bot, method, 400, "Bad Request: message is not modified")
        shown.html = method.text
        shown.markup = method.reply_markup
        return self.as_message(shown)

    def _do_EditMessageCaption(self, bot: Bot, method: EditMessageCaption) -> Message:
        shown = self._edit_target(bot, method)
        self._check_html(bot, method, method.caption or " ", 1024)
        self._check_markup(bot, method, method.reply_markup)
        if shown.html == method.caption and shown.markup == method.reply_markup:
            self._fail(bot, method, 400, "Bad Request: message is not modified")
        shown.html = method.caption or ""
        shown.markup = method.reply_markup
        return self.as_message(shown)

    def _do_EditMessageMedia(self, bot: Bot, method: EditMessageMedia) -> Message:
        shown = self._edit_target(bot, method)
        media: Any = method.media
        self._check_html(bot, method, media.caption or " ", 1024)
        self._check_markup(bot, method, method.reply_markup)
        shown.photo = self._photo_id(media.media)
        shown.html = media.caption or ""
        shown.markup = method.reply_markup
        return self.as_message(shown)

    def _do_EditMessageReplyMarkup(self, bot: Bot, method: EditMessageReplyMarkup) -> Message:
        shown = self._edit_target(bot, method)
        self._check_markup(bot, method, method.reply_markup)
        if shown.markup == method.reply_markup:
            self._fail(bot, method, 400, "Bad Request: message is not modified")
        shown.markup = method.reply_markup
        return self.as_message(shown)

    def _do_DeleteMessage(self, bot: Bot, method: DeleteMessage) -> bool:
        shown = self.find(int(method.chat_id), method.message_id)
        if shown is None:
            # The client's own messages are not tracked; Telegram deletes them all the same.
            return True
        shown.deleted = True
        return True

    def _do_AnswerCallbackQuery(self, bot: Bot, method: AnswerCallbackQuery) -> bool:
        if method.callback_query_id in self.callback_answers:
            self._fail(bot, method, 400, "Bad Request: query is too old or already answered")
        self._plain_only(method.text)
        if method.text and len(method.text) > 200:
            self._fail(bot, method, 400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[method.callback_query_id] = CallbackAnswer(
            method.callback_query_id, method.text, method.show_alert
        )
        return True

    def _do_AnswerPreCheckoutQuery(self, bot: Bot, method: AnswerPreCheckoutQuery) -> bool:
        self.callback_answers[f"pcq:{method.pre_checkout_query_id}"] = CallbackAnswer(
            method.pre_checkout_query_id, method.error_message, method.ok
        )
        return True

    def _do_RefundStarPayment(self, bot: Bot, method: RefundStarPayment) -> bool:
        if self.refund_errors:
            code, description = self.refund_errors.pop(0)
            return self._fail(bot, method, code, description)
        if method.telegram_payment_charge_id in self.refunded:
            return self._fail(bot, method, 400, "Bad Request: CHARGE_ALREADY_REFUNDED")
        self.refunded.append(method.telegram_payment_charge_id)
        return True


@dataclass
class TgUser:
    """A person in a private chat with the bot."""

    harness: Harness
    id: int
    first_name: str = "Анна"
    language_code: str | None = "ru"
    username: str | None = None
    actions: int = 0  # messages sent and buttons tapped

    @property
    def user(self) -> User:
        return User(
            id=self.id,
            is_bot=False,
            first_name=self.first_name,
            language_code=self.language_code,
            username=self.username,
        )

    @property
    def chat(self) -> Chat:
        return Chat(id=self.id, type="private", first_name=self.first_name)

    # -- what the bot shows -----------------------------------------------------------

    @property
    def shown(self) -> list[Shown]:
        return [m for m in self.harness.telegram.chats.get(self.id, []) if not m.deleted]

    @property
    def last(self) -> Shown:
        if not self.shown:
            raise AssertionError("the bot has shown nothing in this chat")
        return self.shown[-1]

    @property
    def last_with_buttons(self) -> Shown:
        for shown in reversed(self.shown):
            if shown.markup is not None:
                return shown
        raise AssertionError("no message with buttons in this chat")

    def texts_since(self, mark: int) -> list[str]:
        return [m.text for m in self.harness.telegram.chats.get(self.id, [])[mark:]]

    def mark(self) -> int:
        return len(self.harness.telegram.chats.get(self.id, []))

    # -- acting -----------------------------------------------------------------------

    def _message(self, message_id: int, **content: Any) -> Message:
        return Message(
            message_id=message_id,
            date=datetime.now(UTC),
            chat=self.chat,
            from_user=self.user,
            **content,
        )

    async def send(self, text: str, **extra: Any) -> None:
        self.actions += 1
        await self.harness.feed(message=self._message(self.harness.next_id(), text=text, **extra))

    async def share_user(self, request_id: int, user_id: int, first_name: str) -> None:
        """Pick someone with a reply keyboard's user picker (`KeyboardButtonRequestUsers`)."""
        shared = UsersShared(
            request_id=request_id, users=[SharedUser(user_id=user_id, first_name=first_name)]
        )
        await self.harness.feed(message=self._message(self.harness.next_id(), users_shared=shared))

    async def send_sticker(self) -> None:
        sticker = Sticker(
            file_id="sticker-1",
            file_unique_id="s1",
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
        )
        await self.harness.feed(message=self._message(self.harness.next_id(), sticker=sticker))

    async def send_photo(self, caption: str | None = None) -> None:
        photo = [PhotoSize(file_id="user-photo", file_unique_id="p1", width=100, height=100)]
        await self.harness.feed(
            message=self._message(self.harness.next_id(), photo=photo, caption=caption)
        )

    async def send_voice(self) -> None:
        voice = Voice(file_id="voice-1", file_unique_id="v1", duration=3)
        await self.harness.feed(message=self._message(self.harness.next_id(), voice=voice))

    async def send_document(self) -> None:
        document = Document(file_id="doc-1", file_unique_id="d1", file_name="report.pdf")
        await self.harness.feed(message=self._message(self.harness.next_id(), document=document))

    async def press(self, label: str, message: Shown | None = None) -> CallbackAnswer:
        """Tap the button whose text contains `label` (in `message`, else the latest one)."""
        target = message or self.last_with_buttons
        button = target.button(label)
        assert button.callback_data is not None, f"{label!r} is not a callback button"
        return await self.tap(button.callback_data, target)

    async def tap(self, data: str, message: Shown | None = None) -> CallbackAnswer:
        self.actions += 1
        """Send a callback query with any data (a forged one too) from a message."""
        target = message or self.last_with_buttons
        query_id = f"cq-{self.harness.next_id()}"
        query = CallbackQuery(
            id=query_id,
            from_user=self.user,
            chat_instance=f"ci-{self.id}",
            message=self.harness.telegram.as_message(target),
            data=data,
        )
        await self.harness.feed(callback_query=query)
        answer = self.harness.telegram.callback_answers.get(query_id)
        if answer is None:
            raise AssertionError(f"callback {data!r} was never answered: the button keeps spinning")
        return answer

    async def pre_checkout(self, payload: str, currency: str, total_amount: int) -> CallbackAnswer:
        query_id = f"pcq-{self.harness.next_id()}"
        query = PreCheckoutQuery(
            id=query_id,
            from_user=self.user,
            currency=currency,
            total_amount=total_amount,
            invoice_payload=payload,
        )
        await self.harness.feed(pre_checkout_query=query)
        answer = self.harness.telegram.callback_answers.get(f"pcq:{query_id}")
        if answer is None:
            raise AssertionError("pre-checkout query was never answered")
        return answer

    async def pay(
        self,
        payload: str,
        currency: str,
        total_amount: int,
        charge_id: str,
        provider_charge_id: str = "provider-1",
    ) -> None:
        payment = SuccessfulPayment(
            currency=currency,
            total_amount=total_amount,
            invoice_payload=payload,
            telegram_payment_charge_id=charge_id,
            provider_payment_charge_id=provider_charge_id,
        )
        await self.harness.feed(
            message=self._message(self.harness.next_id(), successful_payment=payment)
        )


UPDATE_IDS = itertools.count(1)


@dataclass
class Harness:
    """The production dispatcher and bot wired to a fake Telegram."""

    dispatcher: Dispatcher
    bot: Bot
    telegram: FakeTelegram
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def next_id(self) -> int:
        return next(self._ids)

    def user(self, user_id: int, first_name: str = "Анна", **kwargs: Any) -> TgUser:
        return TgUser(self, user_id, first_name, **kwargs)

    inbox: Any = None  # a started bot.inbox.Inbox: updates go through it, as in production

    async def feed(self, **content: Any) -> None:
        # Unique across harnesses: dispatchers sharing a database skip an update id seen.
        update = Update(update_id=next(UPDATE_IDS), **content)
        if self.inbox is None:
            await self.dispatcher.feed_update(self.bot, update)
            return
        await self.inbox.store([update])
        await self.inbox.drain()
