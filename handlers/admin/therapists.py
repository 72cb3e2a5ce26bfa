"""/therapists, /add_therapist and /invite: the catalogue as admins run it.

A therapist's admin card shows every field with an edit button each; adding a therapist is
a dialog through the same fields, with the same checks, then a summary to confirm."""

from __future__ import annotations

import math
import re
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.formatting import local_name, when_html
from bot.rules.timezones import COMMON_ZONES, utc_offset_label
from db import admin_catalog
from db.models import Therapist
from handlers.admin.common import (
    Admin,
    Step,
    TypedText,
    dialog_screen,
    pressed_therapist,
    refused,
    therapist_id_arg,
)
from handlers.admin.fields import (
    CHOICES,
    FIELDS,
    MAX_PHOTO_BYTES,
    OPTIONAL,
    TEXT_LIMITS,
    Invalid,
    parse_typed,
    profile_lines,
    show_card,
    shown_value,
    topic_names,
    values_of,
)
from handlers.shared.cards import has_portrait, portrait, remember_portrait
from handlers.shared.refusals import words
from handlers.shared.screens import screen_of
from keyboards.admin import (
    DONE,
    SAVE,
    SKIP,
    AddTherapist,
    DialogChoice,
    TherapistActive,
    TherapistApproval,
    TherapistEdit,
    TherapistInvite,
    TherapistOpen,
    TherapistsPage,
    cancel_keyboard,
    card_only_keyboard,
    choices_keyboard,
    therapists_keyboard,
    topics_choice_keyboard,
)

PAGE = 8
ADD, EDIT = "add:", "edit:"


# -- the list and the card ---------------------------------------------------------------


async def show_list(admin: Admin, page: int, edit: Message | None = None) -> None:
    therapists, total = await admin_catalog.therapists_page(
        admin.session, offset=max(page, 0) * PAGE, limit=PAGE
    )
    pages = max(math.ceil(total / PAGE), 1)
    if page >= pages or page < 0:
        page = min(max(page, 0), pages - 1)
        therapists, total = await admin_catalog.therapists_page(
            admin.session, offset=page * PAGE, limit=PAGE
        )
    text = admin.t("adm-therapists-title", count=total, page=page + 1, pages=pages)
    if not therapists:
        text = f"{text}\n\n{admin.t('adm-therapists-empty')}"
    await admin.show(text, therapists_keyboard(admin.t, therapists, page, pages), edit)


async def on_therapists(message: Message, admin: Admin) -> None:
    await admin.begin()
    await show_list(admin, 0)


async def on_page(callback: CallbackQuery, callback_data: TherapistsPage, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    await callback.answer()
    await show_list(admin, callback_data.page, screen_of(callback))


async def on_open(callback: CallbackQuery, callback_data: TherapistOpen, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    therapist = await pressed_therapist(callback, admin, callback_data.therapist_id)
    if therapist is None:
        return
    await callback.answer()
    await show_card(admin, therapist, screen_of(callback))


async def on_active(callback: CallbackQuery, callback_data: TherapistActive, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    therapist = await admin_catalog.set_therapist_active(
        admin.session,
        callback_data.therapist_id,
        callback_data.active,
        actor=admin.actor,
        now=admin.now(),
    )
    if therapist is None:
        await callback.answer(
            admin.t("adm-therapist-unknown", id=callback_data.therapist_id), show_alert=True
        )
        return
    await callback.answer(
        admin.t("adm-activated") if therapist.active else admin.t("adm-deactivated")
    )
    await show_card(admin, therapist, screen_of(callback))


async def on_approval(
    callback: CallbackQuery, callback_data: TherapistApproval, admin: Admin
) -> None:
    if await refused(callback, admin):
        return
    therapist = await admin_catalog.set_therapist_approval(
        admin.session,
        callback_data.therapist_id,
        callback_data.mode,
        actor=admin.actor,
        now=admin.now(),
    )
    if therapist is None:
        await callback.answer(
            admin.t("adm-therapist-unknown", id=callback_data.therapist_id), show_alert=True
        )
        return
    await callback.answer(admin.t("approval-saved"))
    await show_card(admin, therapist, screen_of(callback))


# -- invites -----------------------------------------------------------------------------


async def send_invite(admin: Admin, therapist_id: int) -> bool:
    invite = await admin_catalog.create_invite(
        admin.session, therapist_id, actor=admin.actor, now=admin.now()
    )
    therapist = await admin_catalog.get_therapist(admin.session, therapist_id)
    if invite is None or therapist is None:
        return False
    me = await admin.bot.me()
    link = f"https://t.me/{me.username}?start={invite.code}"
    await admin.send(
        admin.t(
            "adm-invite",
            id=therapist.id,
            name=local_name(therapist, admin.t.language),
            link=link,
            until=when_html(admin.t, invite.expires_at, admin.timezone),
            zone=admin.timezone,
        ),
        card_only_keyboard(admin.t, therapist.id),
    )
    return True


async def on_invite_button(
    callback: CallbackQuery, callback_data: TherapistInvite, admin: Admin
) -> None:
    if await refused(callback, admin):
        return
    if await pressed_therapist(callback, admin, callback_data.therapist_id) is None:
        return
    await callback.answer()
    await send_invite(admin, callback_data.therapist_id)


async def on_invite_command(message: Message, command: CommandObject, admin: Admin) -> None:
    await admin.begin()
    therapist_id = therapist_id_arg(command)
    if therapist_id is None:
        await admin.send(admin.t("adm-invite-usage"))
        return
    if not await send_invite(admin, therapist_id):
        await admin.send(admin.t("adm-therapist-unknown", id=therapist_id))


# -- one field: asked, checked, kept -----------------------------------------------------


def _mode_and_field(step: str) -> tuple[str, str]:
    mode, _, field = step.partition(":")
    return f"{mode}:", field


async def ask_field(
    admin: Admin,
    mode: str,
    field: str,
    data: dict[str, Any],
    *,
    edit: Message | None = None,
    notice: str | None = None,
) -> None:
    """Show the question for `field` with its buttons; `data` is the dialog's data."""
    t = admin.t
    values: dict[str, Any] = data.get("values", {})
    lines = []
    if notice:
        lines += [notice, ""]
    if mode == ADD:
        lines.append(t("adm-add-progress", step=FIELDS.index(field) + 1, total=len(FIELDS)))
    else:
        names = await topic_names(admin)
        current = shown_value(admin, field, values.get(field), names, full=True)
        lines.append(t("adm-edit-current", field=t(f"adm-field-{field}"), value=current))
    lines.append(t(f"adm-ask-{field}"))
    if field in TEXT_LIMITS:
        lines.append(t("adm-ask-limit", limit=TEXT_LIMITS[field]))
    markup: InlineKeyboardMarkup
    if field == "topics":
        chosen = {int(topic_id) for topic_id in values.get("topics", [])}
        visible = [
            (topic.id, local_name(topic, t.language))
            for topic in await admin_catalog.all_topics(admin.session)
            if not topic.hidden or topic.id in chosen
        ]
        markup = topics_choice_keyboard(t, visible, chosen)
    elif field in CHOICES:
        options = [(value, t(f"adm-{field}-{value}")) for value in CHOICES[field]]
        markup = choices_keyboard(t, options)
    elif field == "timezone":
        options = [
            (f"z{index}", f"{name.split('/')[-1].replace('_', ' ')} ({utc_offset_label(name)})")
            for index, name in enumerate(COMMON_ZONES)
        ]
        markup = choices_keyboard(t, options)
    elif field in OPTIONAL:
        markup = choices_keyboard(t, [(SKIP, t("adm-btn-skip"))], columns=1)
    else:
        markup = cancel_keyboard(t)
    await admin.ask(f"{mode}{field}", "\n".join(lines), markup, edit=edit)


async def keep_value(admin: Admin, step: str, value: Any, edit: Message | None = None) -> None:
    """A valid answer: the next question (adding), or saved to the therapist (editing)."""
    mode, field = _mode_and_field(step)
    data = await admin.data()
    if mode == ADD:
        values = dict(data.get("values", {}))
        values[field] = value
        await admin.dialog.update_data(values=values)
        data["values"] = values
        following = FIELDS.index(field) + 1
        if following < len(FIELDS):
            await ask_field(admin, ADD, FIELDS[following], data, edit=edit)
        else:
            await show_summary(admin, values, edit=edit)
        return
    therapist_id = int(data.get("therapist_id", 0))
    therapist = await save_field(admin, therapist_id, field, value)
    await admin.finish()
    if therapist is None:
        await admin.send(admin.t("adm-therapist-unknown", id=therapist_id))
        return
    await admin.send(admin.t("adm-saved", field=admin.t(f"adm-field-{field}")))
    await show_card(admin, therapist)


async def save_field(admin: Admin, therapist_id: int, field: str, value: Any) -> Therapist | None:
    session, actor, now = admin.session, admin.actor, admin.now()
    if field == "topics":
        return await admin_catalog.set_therapist_topics(
            session, therapist_id, [int(v) for v in value], actor=actor, now=now
        )
    if field == "photo":
        return await admin_catalog.set_therapist_photo(
            session, therapist_id, value, actor=actor, now=now
        )
    if field == "formats":
        return await admin_catalog.update_therapist(
            session,
            therapist_id,
            actor=actor,
            now=now,
            offers_individual=value in ("individual", "both"),
            offers_couple=value in ("couple", "both"),
        )
    if field in OPTIONAL and value is None and field != "meeting_link":
        value = ""
    return await admin_catalog.update_therapist(
        session, therapist_id, actor=actor, now=now, **{field: value}
    )


async def show_summary(admin: Admin, values: dict[str, Any], edit: Message | None = None) -> None:
    t = admin.t
    missing = [field for field in FIELDS if field not in values]
    if missing:
        await ask_field(admin, ADD, missing[0], await admin.data(), edit=edit)
        return
    lines = [t("adm-add-summary"), "", *await profile_lines(admin, values), "", t("adm-add-later")]
    markup = choices_keyboard(t, [(SAVE, t("adm-btn-save"))], columns=1)
    await admin.ask(f"{ADD}summary", "\n".join(lines), markup, edit=edit)


async def on_add(message: Message, admin: Admin) -> None:
    await admin.begin()
    await admin.dialog.set_data({"values": {}})
    await ask_field(admin, ADD, FIELDS[0], {"values": {}})


async def on_add_button(callback: CallbackQuery, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    await callback.answer()
    await admin.begin()
    await admin.dialog.set_data({"values": {}})
    await ask_field(admin, ADD, FIELDS[0], {"values": {}})


async def on_edit(callback: CallbackQuery, callback_data: TherapistEdit, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    field = callback_data.field
    if field not in FIELDS:
        await callback.answer(admin.t("adm-stale"), show_alert=True)
        return
    therapist = await pressed_therapist(callback, admin, callback_data.therapist_id)
    if therapist is None:
        return
    await callback.answer()
    await admin.begin()
    data = {"therapist_id": therapist.id, "values": values_of(therapist)}
    await admin.dialog.set_data(data)
    if field == "photo" and has_portrait(therapist):
        sent = await admin.bot.send_photo(
            admin.chat_id, portrait(therapist), caption=admin.t("adm-photo-current")
        )
        await remember_portrait(admin.session, therapist, sent)
    await ask_field(admin, EDIT, field, data)


async def on_typed(message: Message, admin: Admin, dialog_step: str) -> None:
    mode, field = _mode_and_field(dialog_step)
    if field not in FIELDS:  # the summary: buttons only
        await admin.send(admin.t("adm-use-buttons"))
        return
    try:
        value = parse_typed(field, message.text or "")
    except Invalid as error:
        notice = words(admin.t, error)
        await ask_field(admin, mode, field, await admin.data(), notice=notice)
        return
    await keep_value(admin, dialog_step, value)


async def on_photo(message: Message, admin: Admin, dialog_step: str) -> None:
    mode, field = _mode_and_field(dialog_step)
    if field != "photo":
        await ask_field(admin, mode, field, await admin.data(), notice=admin.t("adm-expect-text"))
        return
    assert message.photo
    largest = message.photo[-1]
    if largest.file_size is not None and largest.file_size > MAX_PHOTO_BYTES:
        notice = admin.t(
            "adm-invalid-photo-size",
            size=f"{largest.file_size / 1024 / 1024:.1f}",
            max=MAX_PHOTO_BYTES // 1024 // 1024,
        )
        await ask_field(admin, mode, field, await admin.data(), notice=notice)
        return
    await keep_value(admin, dialog_step, largest.file_id)


async def on_other_content(message: Message, admin: Admin, dialog_step: str) -> None:
    """A sticker, voice, file or anything else where a field's answer is expected."""
    mode, field = _mode_and_field(dialog_step)
    if field not in FIELDS:
        await admin.send(admin.t("adm-use-buttons"))
        return
    key = "adm-expect-photo" if field == "photo" else "adm-expect-text"
    if field == "photo" and message.document is not None:
        key = "adm-photo-as-file"
    await ask_field(admin, mode, field, await admin.data(), notice=admin.t(key))


async def on_choice(callback: CallbackQuery, callback_data: DialogChoice, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    found = await dialog_screen(callback, admin, (ADD, EDIT))
    if found is None:
        return
    step, data = found
    mode, field = _mode_and_field(step)
    value = callback_data.value
    screen = screen_of(callback)
    if field == "summary":
        if value != SAVE:
            await callback.answer(admin.t("adm-stale"), show_alert=True)
            return
        await callback.answer()
        await create_from(admin, data.get("values", {}), screen)
        return
    if field == "topics":
        await toggle_topic(callback, admin, mode, data, value, screen)
        return
    chosen: Any
    if field in CHOICES and value in CHOICES[field]:
        chosen = value
    elif field == "timezone" and re.fullmatch(r"z\d{1,2}", value):
        index = int(value[1:])
        if index >= len(COMMON_ZONES):
            await callback.answer(admin.t("adm-stale"), show_alert=True)
            return
        chosen = COMMON_ZONES[index]
    elif field in OPTIONAL and value == SKIP:
        chosen = None
    else:
        await callback.answer(admin.t("adm-stale"), show_alert=True)
        return
    await callback.answer()
    await keep_value(admin, step, chosen, edit=screen)


async def toggle_topic(
    callback: CallbackQuery,
    admin: Admin,
    mode: str,
    data: dict[str, Any],
    value: str,
    screen: Message | None,
) -> None:
    values = dict(data.get("values", {}))
    chosen = [int(topic_id) for topic_id in values.get("topics", [])]
    if value == DONE:
        if not chosen:
            await callback.answer(admin.t("adm-topics-none"), show_alert=True)
            return
        await callback.answer()
        await keep_value(admin, f"{mode}topics", chosen, edit=screen)
        return
    offered = {t.id for t in await admin_catalog.all_topics(admin.session) if not t.hidden}
    if not value.isdigit() or int(value) not in offered | set(chosen):
        await callback.answer(admin.t("adm-stale"), show_alert=True)
        return
    topic_id = int(value)
    chosen = [i for i in chosen if i != topic_id] if topic_id in chosen else [*chosen, topic_id]
    values["topics"] = chosen
    await admin.dialog.update_data(values=values)
    data["values"] = values
    await callback.answer()
    await ask_field(admin, mode, "topics", data, edit=screen)


async def create_from(admin: Admin, values: dict[str, Any], screen: Message | None) -> None:
    missing = [field for field in FIELDS if field not in values]
    if missing:
        await ask_field(admin, ADD, missing[0], await admin.data(), edit=screen)
        return
    draft = admin_catalog.TherapistDraft(
        name_ru=values["name_ru"],
        name_en=values["name_en"],
        gender=values["gender"],
        offers_individual=values["formats"] in ("individual", "both"),
        offers_couple=values["formats"] in ("couple", "both"),
        topic_ids=tuple(int(topic_id) for topic_id in values["topics"]),
        price=int(values["price"]),
        session_minutes=int(values["session_minutes"]),
        timezone=values["timezone"],
        about_ru=values["about_ru"],
        about_en=values["about_en"],
        education_ru=values["education_ru"] or "",
        education_en=values["education_en"] or "",
        photo_file_id=values["photo"],
        meeting_link=values["meeting_link"],
    )
    therapist = await admin_catalog.create_therapist(
        admin.session, draft, actor=admin.actor, now=admin.now()
    )
    await admin.finish()
    if screen is not None:
        await admin.show(admin.t("adm-add-done", id=therapist.id), None, screen)
    await show_card(admin, therapist)


def create_router() -> Router:
    router = Router(name="admin-therapists")
    router.message.register(on_therapists, Command("therapists"))
    router.message.register(on_add, Command("add_therapist"))
    router.message.register(on_invite_command, Command("invite"))
    router.message.register(on_typed, Step(ADD, EDIT), TypedText())
    router.message.register(on_photo, Step(ADD, EDIT), F.photo)
    router.message.register(on_other_content, Step(ADD, EDIT), ~F.text)
    router.callback_query.register(on_page, TherapistsPage.filter())
    router.callback_query.register(on_open, TherapistOpen.filter())
    router.callback_query.register(on_active, TherapistActive.filter())
    router.callback_query.register(on_approval, TherapistApproval.filter())
    router.callback_query.register(on_invite_button, TherapistInvite.filter())
    router.callback_query.register(on_add_button, AddTherapist.filter())
    router.callback_query.register(on_edit, TherapistEdit.filter())
    router.callback_query.register(on_choice, DialogChoice.filter(), Step(ADD, EDIT))
    return router
