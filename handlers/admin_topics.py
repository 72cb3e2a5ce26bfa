"""/topics: the topic catalogue clients choose from. Add a topic, rename it in either
language, hide it from the questionnaire (therapists keep it) or show it again."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from db import admin_catalog
from db.models import Topic
from handlers.admin_common import Admin, Step, TypedText, refused
from handlers.screens import screen_of
from keyboards.admin import TopicAction, cancel_keyboard, topic_keyboard, topics_keyboard

NAME_LIMIT = 64
ADD_RU, ADD_EN, RENAME = "topic:add_ru", "topic:add_en", "topic:rename"
ACTIONS = frozenset({"list", "open", "add", "ru", "en", "hide", "show"})


def topic_line(admin: Admin, topic: Topic) -> str:
    key = "adm-topic-line-hidden" if topic.hidden else "adm-topic-line"
    return admin.t(key, ru=topic.name_ru, en=topic.name_en)


async def show_topics(admin: Admin, edit: Message | None = None) -> None:
    topics = await admin_catalog.all_topics(admin.session)
    lines = [admin.t("adm-topics-title", count=len(topics)), ""]
    lines += [topic_line(admin, topic) for topic in topics]
    await admin.show("\n".join(lines), topics_keyboard(admin.t, topics), edit)


async def show_topic(admin: Admin, topic: Topic, edit: Message | None = None) -> None:
    t = admin.t
    text = t(
        "adm-topic-card",
        id=topic.id,
        code=topic.code,
        ru=topic.name_ru,
        en=topic.name_en,
        status=t("adm-topic-hidden") if topic.hidden else t("adm-topic-visible"),
    )
    await admin.show(text, topic_keyboard(t, topic), edit)


async def on_topics(message: Message, admin: Admin) -> None:
    await admin.begin()
    await show_topics(admin)


async def on_action(callback: CallbackQuery, callback_data: TopicAction, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    t, action, screen = admin.t, callback_data.action, screen_of(callback)
    if action not in ACTIONS:
        await callback.answer(t("adm-stale"), show_alert=True)
        return
    if action == "list":
        await callback.answer()
        await show_topics(admin, screen)
        return
    if action == "add":
        await callback.answer()
        await admin.begin()
        await admin.ask(ADD_RU, t("adm-topic-ask-ru"), cancel_keyboard(t))
        return
    topic = await admin.session.get(Topic, callback_data.topic_id)
    if topic is None:
        await callback.answer(t("adm-topic-unknown"), show_alert=True)
        return
    if action in ("hide", "show"):
        topic = await admin_catalog.set_topic_hidden(
            admin.session, topic.id, action == "hide", actor=admin.actor, now=admin.now()
        )
        assert topic is not None
        await callback.answer(t("adm-topic-hidden") if topic.hidden else t("adm-topic-visible"))
        await show_topic(admin, topic, screen)
        return
    await callback.answer()
    if action == "open":
        await show_topic(admin, topic, screen)
        return
    await admin.begin()
    current = topic.name_en if action == "en" else topic.name_ru
    await admin.ask(
        RENAME,
        t(f"adm-topic-ask-rename-{action}", current=current),
        cancel_keyboard(t),
        topic_id=topic.id,
        language=action,
    )


def _name(text: str) -> str | None:
    name = " ".join(text.split())
    return name if 0 < len(name) <= NAME_LIMIT else None


async def on_name(message: Message, admin: Admin, dialog_step: str) -> None:
    t = admin.t
    name = _name(message.text or "")
    data = await admin.data()
    if name is None:
        await admin.send(t("adm-topic-invalid", limit=NAME_LIMIT), cancel_keyboard(t))
        return
    if dialog_step == ADD_RU:
        if await admin_catalog.topic_name_taken(admin.session, name, None):
            await admin.send(t("adm-topic-exists"), cancel_keyboard(t))
            return
        await admin.ask(ADD_EN, t("adm-topic-ask-en", ru=name), cancel_keyboard(t), name_ru=name)
        return
    try:
        if dialog_step == ADD_EN:
            topic = await admin_catalog.add_topic(
                admin.session,
                name_ru=str(data.get("name_ru", "")),
                name_en=name,
                actor=admin.actor,
                now=admin.now(),
            )
        else:
            found = await admin_catalog.rename_topic(
                admin.session,
                int(data.get("topic_id", 0)),
                language=str(data.get("language", "ru")),
                name=name,
                actor=admin.actor,
                now=admin.now(),
            )
            if found is None:
                await admin.finish()
                await admin.send(t("adm-topic-unknown"))
                return
            topic = found
    except admin_catalog.TopicExists:
        await admin.send(t("adm-topic-exists"), cancel_keyboard(t))
        return
    await admin.finish()
    await admin.send(t("adm-topic-saved"))
    await show_topic(admin, topic)


def create_router() -> Router:
    router = Router(name="admin-topics")
    router.message.register(on_topics, Command("topics"))
    router.message.register(on_name, Step(ADD_RU, ADD_EN, RENAME), TypedText())
    router.callback_query.register(on_action, TopicAction.filter())
    return router
