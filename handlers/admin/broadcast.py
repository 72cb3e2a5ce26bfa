"""/broadcast: compose, preview, choose an audience, confirm; sent through the one outgoing
path (paced, 429s waited out, blocked chats counted), with progress in one edited message.

The text lives only in the admin's dialog state until it is sent; the audit log records
the audience and the counts, never the text."""

from __future__ import annotations

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Message

from bot.notify import BroadcastReport
from db import admin_reports, audit
from handlers.admin.common import (
    TEXT_LIMIT,
    Admin,
    NotCommand,
    Step,
    dialog_screen,
    refused,
)
from handlers.shared.screens import screen_of
from keyboards.admin import (
    BroadcastAudience,
    BroadcastSend,
    audience_keyboard,
    broadcast_confirm_keyboard,
    cancel_keyboard,
)

TEXT, AUDIENCE, CONFIRM = "broadcast:text", "broadcast:audience", "broadcast:confirm"


async def on_broadcast(message: Message, admin: Admin) -> None:
    await admin.begin()
    await admin.ask(TEXT, admin.t("adm-broadcast-ask"), cancel_keyboard(admin.t))


async def on_text(message: Message, admin: Admin) -> None:
    t = admin.t
    if message.text is None:
        await admin.send(t("adm-broadcast-text-only"), cancel_keyboard(t))
        return
    if len(message.text) > TEXT_LIMIT:
        await admin.send(t("adm-broadcast-too-long", limit=TEXT_LIMIT), cancel_keyboard(t))
        return
    # Bold, links and the rest of the admin's formatting, as Telegram parsed it.
    html = message.html_text
    await admin.send(t("adm-broadcast-preview"))
    await admin.send(html)
    counts = [
        (name, len(await admin_reports.audience(admin.session, name, admin.now())))
        for name in admin_reports.AUDIENCES
    ]
    await admin.ask(AUDIENCE, t("adm-broadcast-audience"), audience_keyboard(t, counts), html=html)


async def on_audience(
    callback: CallbackQuery, callback_data: BroadcastAudience, admin: Admin
) -> None:
    if await refused(callback, admin):
        return
    if await dialog_screen(callback, admin, (AUDIENCE,)) is None:
        return
    t, audience = admin.t, callback_data.audience
    chat_ids = await admin_reports.audience(admin.session, audience, admin.now())
    if not chat_ids:
        await callback.answer(t("adm-broadcast-nobody"), show_alert=True)
        return
    await callback.answer()
    text = t(
        "adm-broadcast-confirm",
        audience=t(f"adm-audience-{audience}", count=len(chat_ids)),
        count=len(chat_ids),
    )
    await admin.ask(
        CONFIRM,
        text,
        broadcast_confirm_keyboard(t, audience),
        edit=screen_of(callback),
        audience=audience,
    )


async def on_send(callback: CallbackQuery, callback_data: BroadcastSend, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    found = await dialog_screen(callback, admin, (CONFIRM,))
    if found is None:
        return
    _, data = found
    t, audience, html = admin.t, callback_data.audience, data.get("html")
    if audience != data.get("audience") or not isinstance(html, str) or not html:
        await callback.answer(t("adm-stale"), show_alert=True)
        return
    # Leave the dialog before sending: a second tap finds nothing to send again.
    await admin.finish()
    await callback.answer()
    chat_ids = await admin_reports.audience(admin.session, audience, admin.now())
    status = await admin.show(
        t("adm-broadcast-progress", done=0, total=len(chat_ids)), None, screen_of(callback)
    )

    async def show_status(text: str) -> None:
        try:
            await admin.bot.edit_message_text(
                text=text, chat_id=admin.chat_id, message_id=status.message_id
            )
        except TelegramAPIError:
            # A status edit that fails ("not modified", the message deleted) must not stop
            # or fail the broadcast; the final count is also written to the audit log.
            return

    async def progress(report: BroadcastReport) -> None:
        if not report.finished:
            await show_status(t("adm-broadcast-progress", done=report.done, total=report.total))

    def build(chat_id: int) -> SendMessage:
        return SendMessage(chat_id=chat_id, text=html)

    report = await admin.outgoing.broadcast(chat_ids, build, progress)
    await audit.write(
        admin.session,
        actor=admin.actor,
        action="broadcast.send",
        target=f"audience:{audience}",
        now=admin.now(),
        details={
            "recipients": report.total,
            "delivered": report.delivered,
            "blocked": report.blocked,
            "failed": report.failed,
            "length": len(html),
        },
    )
    await show_status(
        t(
            "adm-broadcast-done",
            total=report.total,
            delivered=report.delivered,
            blocked=report.blocked,
            failed=report.failed,
        )
    )


def create_router() -> Router:
    router = Router(name="admin-broadcast")
    router.message.register(on_broadcast, Command("broadcast"))
    router.message.register(on_text, Step(TEXT), NotCommand())
    router.callback_query.register(on_audience, BroadcastAudience.filter())
    router.callback_query.register(on_send, BroadcastSend.filter())
    return router
