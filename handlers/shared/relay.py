"""The relay's side that reaches the client, shared by the chat (`handlers.messaging`) and
the Mini App (`handlers.miniapp`): the header a client reads over their therapist's
message, and a therapist's text carried to the client with the reply button and logged in
`relayed_messages` (who, to whom, when, whether it arrived; never the text)."""

from __future__ import annotations

import html

from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_name
from bot.i18n import Texts, Translator
from bot.notify import DeliveryStatus, Outgoing
from bot.rules.timezones import Clock
from db import messages
from db.messages import TO_CLIENT, Pair
from keyboards.messaging import reply_therapist_keyboard

TEXT_LIMIT = 4096  # what Telegram takes in one message


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def client_header(theirs: Texts, pair: Pair, group: str | None = None) -> str:
    """«✉️ <therapist>:» over a therapist's message; a group's title when it went to the
    members of a group's date."""
    name = local_name(pair.therapist, theirs.language)
    if group is None:
        return theirs("messaging-from-therapist", name=name)
    return theirs("messaging-from-therapist-group", name=name, title=group)


async def text_to_client(
    session: AsyncSession,
    outgoing: Outgoing,
    translator: Translator,
    clock: Clock,
    pair: Pair,
    text: str,
    *,
    source_chat_id: int,
    source_message_id: int,
) -> DeliveryStatus:
    """A therapist's text (that fits one message under the header) to the client, as the
    relay carries it from the chat: the client answers with the reply button or a reply.
    `source_*`: the message in the therapist's chat that stands for it."""
    client = pair.client
    if not pair.client_reachable or client.telegram_id is None:
        return "blocked"
    relay = await messages.start(
        session,
        pair,
        direction=TO_CLIENT,
        source_chat_id=source_chat_id,
        source_message_id=source_message_id,
        target_chat_id=client.telegram_id,
        urgent=False,
        now=clock.now(),
    )
    theirs = translator.for_language(client.language)
    sent = await outgoing.send_message(
        client.telegram_id,
        f"{client_header(theirs, pair)}\n\n{html.escape(text, quote=False)}",
        reply_markup=reply_therapist_keyboard(theirs, pair.therapist.id),
    )
    if sent.status == "sent" and sent.result is not None:
        await messages.delivered(
            session, relay.id, target_message_id=sent.result.message_id, now=clock.now()
        )
    return sent.status
