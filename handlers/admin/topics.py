"""/topics: the topic catalogue clients choose from. Add a topic, rename it in either
language, hide it from the questionnaire (therapists keep it) or show it again."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.formatting import local_name
from db import admin_catalog
from db.models import Topic
from handlers.admin.common import Admin, Step, TypedText, refused
from handlers.shared.refusals import words
from handlers.shared.screens import screen_of
from keyboards.admin import TopicAction, TopicItem, cancel_keyboard, topic_keyboard, topics_keyboard

NAME_LIMIT = 64
ADD_RU, ADD_EN, RENAME = "topic:add_ru", "topic:add_en", "topic:rename"


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


async def on_topics_button(callback: CallbackQuery, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    await callback.answer()
    await show_topics(admin, screen_of(callback))


async def on_topic_add(callback: CallbackQuery, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    await callback.answer()
    await admin.begin()
    await admin.ask(ADD_RU, admin.t("adm-topic-ask-ru"), cancel_keyboard(admin.t))


async def _pressed_topic(
    callback: CallbackQuery, callback_data: TopicAction, admin: Admin
) -> Topic | None:
    """The topic a button names, for an admin; otherwise the presser is answered."""
    if await refused(callback, admin):
        return None
    topic = await admin.session.get(Topic, callback_data.topic_id)
    if topic is None:
        await callback.answer(admin.t("adm-topic-unknown"), show_alert=True)
    return topic


async def on_topic_open(callback: CallbackQuery, callback_data: TopicAction, admin: Admin) -> None:
    topic = await _pressed_topic(callback, callback_data, admin)
    if topic is None:
        return
    await callback.answer()
    await show_topic(admin, topic, screen_of(callback))


async def on_topic_visibility(
    callback: CallbackQuery, callback_data: TopicAction, admin: Admin
) -> None:
    topic = await _pressed_topic(callback, callback_data, admin)
    if topic is None:
        return
    t = admin.t
    changed = await admin_catalog.set_topic_hidden(
        admin.session,
        topic.id,
        callback_data.action == TopicItem.hide,
        actor=admin.actor,
        now=admin.now(),
    )
    assert changed is not None
    await callback.answer(t("adm-topic-hidden") if changed.hidden else t("adm-topic-visible"))
    await show_topic(admin, changed, screen_of(callback))


async def on_topic_rename(
    callback: CallbackQuery, callback_data: TopicAction, admin: Admin
) -> None:
    topic = await _pressed_topic(callback, callback_data, admin)
    if topic is None:
        return
    await callback.answer()
    await admin.begin()
    language = "en" if callback_data.action == TopicItem.rename_en else "ru"
    current = local_name(topic, language)
    await admin.ask(
        RENAME,
        admin.t(f"adm-topic-ask-rename-{language}", current=current),
        cancel_keyboard(admin.t),
        topic_id=topic.id,
        language=language,
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
    except admin_catalog.TopicExists as error:  # asked again, in the dialog
        await admin.send(words(t, error), cancel_keyboard(t))
        return
    await admin.finish()
    await admin.send(t("adm-topic-saved"))
    await show_topic(admin, topic)


def create_router() -> Router:
    router = Router(name="admin-topics")
    router.message.register(on_topics, Command("topics"))
    router.message.register(on_name, Step(ADD_RU, ADD_EN, RENAME), TypedText())
    routes = (
        (on_topics_button, F.action == TopicItem.list_all),
        (on_topic_add, F.action == TopicItem.add),
        (on_topic_open, F.action == TopicItem.open),
        (on_topic_visibility, F.action.in_({TopicItem.hide, TopicItem.show})),
        (on_topic_rename, F.action.in_({TopicItem.rename_ru, TopicItem.rename_en})),
    )
    for handler, rule in routes:
        router.callback_query.register(handler, TopicAction.filter(rule))
    return router
