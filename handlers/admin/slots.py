"""/slots <therapist id>: the next 14 days of a therapist's slots in the therapist's zone;
add a single slot, block or free a free one.

A new slot is checked here for what can be said up front (a time that exists, not in the
past); overlaps are left to the database, which refuses them (see migration 0001)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.formatting import day_label, local_name, when_html
from bot.rules.refusals import Refused
from bot.rules.timezones import zone
from db import admin_catalog, admin_slots
from db.models import Slot, SlotStatus, Therapist
from handlers.admin.common import (
    Admin,
    Step,
    TypedText,
    fit,
    local_midnight,
    pressed_therapist,
    refused,
    therapist_id_arg,
)
from handlers.shared.refusals import words
from handlers.shared.screens import screen_of
from keyboards.admin import (
    SLOT_MARKS,
    SlotAdd,
    SlotBlock,
    SlotsView,
    cancel_keyboard,
    slot_day_keyboard,
    slots_keyboard,
)

DAYS = 14
FURTHEST = timedelta(days=365)
STEP = "slot:add"
_DATE_TIME = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{2})$"),  # 2026-12-08 15:00
    re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{2})$"),  # 08.12.2026 15:00
)


class BadTime(Refused):
    """A typed time that cannot be a slot; `key` says why."""


def parse_local(text: str, timezone: str) -> datetime:
    """A date and time typed in `timezone`, as an aware datetime; BadTime when it cannot
    be read or does not exist there (the hour skipped when clocks go forward)."""
    value = text.strip()
    match = _DATE_TIME[0].match(value)
    if match:
        year, month, day, hour, minute = (int(part) for part in match.groups())
    elif match := _DATE_TIME[1].match(value):
        day, month, year, hour, minute = (int(part) for part in match.groups())
    else:
        raise BadTime("adm-slot-invalid-format")
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=zone(timezone))
    except ValueError:
        raise BadTime("adm-slot-invalid-format") from None
    # A time in a gap does not survive the trip to UTC and back.
    back = local.astimezone(zone("UTC")).astimezone(zone(timezone))
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise BadTime("adm-slot-invalid-time")
    return local


def _by_day(slots: list[Slot], timezone: str) -> dict[date, list[Slot]]:
    tz = zone(timezone)
    days: dict[date, list[Slot]] = defaultdict(list)
    for slot in slots:
        days[slot.starts_at.astimezone(tz).date()].append(slot)
    return days


async def _window(admin: Admin, therapist: Therapist) -> dict[date, list[Slot]]:
    today = admin.now().astimezone(zone(therapist.timezone)).date()
    start = local_midnight(today, therapist.timezone)
    end = local_midnight(today + timedelta(days=DAYS), therapist.timezone)
    slots = await admin_slots.slots_between(admin.session, therapist.id, start, end)
    return _by_day(slots, therapist.timezone)


async def show_overview(admin: Admin, therapist: Therapist, edit: Message | None = None) -> None:
    t = admin.t
    days = await _window(admin, therapist)
    tz = zone(therapist.timezone)
    lines = [
        t(
            "adm-slots-title",
            id=therapist.id,
            name=local_name(therapist, t.language),
            zone=therapist.timezone,
            days=DAYS,
        ),
        t("adm-slots-legend"),
        "",
    ]
    if not days:
        lines.append(t("adm-slots-none"))
    for day, slots in days.items():
        times = " ".join(
            f"{slot.starts_at.astimezone(tz):%H:%M}{SLOT_MARKS.get(slot.status, '')}"
            for slot in slots
        )
        lines.append(t("adm-slots-day", day=day_label(t, day), times=times))
    text = fit(lines, t("adm-list-cut"))
    await admin.show(text, slots_keyboard(t, therapist.id, list(days)), edit)


async def show_day(
    admin: Admin, therapist: Therapist, day: date, edit: Message | None = None
) -> None:
    t = admin.t
    tz = zone(therapist.timezone)
    slots = (await _window(admin, therapist)).get(day, [])
    text = t(
        "adm-slots-day-title",
        id=therapist.id,
        name=local_name(therapist, t.language),
        day=day_label(t, day),
        zone=therapist.timezone,
    )
    if not slots:
        text = f"{text}\n\n{t('adm-slots-none')}"
    markup = slot_day_keyboard(
        t, therapist.id, [(s.id, s.status, s.starts_at.astimezone(tz)) for s in slots]
    )
    await admin.show(text, markup, edit)


async def on_slots(message: Message, command: CommandObject, admin: Admin) -> None:
    await admin.begin()
    therapist_id = therapist_id_arg(command)
    if therapist_id is None:
        await admin.send(admin.t("adm-slots-usage"))
        return
    therapist = await admin_catalog.get_therapist(admin.session, therapist_id)
    if therapist is None:
        await admin.send(admin.t("adm-therapist-unknown", id=therapist_id))
        return
    await show_overview(admin, therapist)


async def on_view(callback: CallbackQuery, callback_data: SlotsView, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    therapist = await pressed_therapist(callback, admin, callback_data.therapist_id)
    if therapist is None:
        return
    day: date | None = None
    if callback_data.day:
        try:
            day = date.fromisoformat(callback_data.day)
        except ValueError:
            await callback.answer(admin.t("adm-stale"), show_alert=True)
            return
    await callback.answer()
    if day is None:
        await show_overview(admin, therapist, screen_of(callback))
    else:
        await show_day(admin, therapist, day, screen_of(callback))


async def on_block(callback: CallbackQuery, callback_data: SlotBlock, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    t = admin.t
    slot = await admin_slots.get_slot(admin.session, callback_data.slot_id)
    therapist = (
        await admin_catalog.get_therapist(admin.session, slot.therapist_id)
        if slot is not None
        else None
    )
    if slot is None or therapist is None:
        await callback.answer(t("adm-slot-unknown"), show_alert=True)
        return
    if slot.status in (SlotStatus.booked, SlotStatus.held):
        await callback.answer(t("adm-slot-taken"), show_alert=True)
        return
    day = slot.starts_at.astimezone(zone(therapist.timezone)).date()
    changed = await admin_slots.set_slot_blocked(
        admin.session, slot.id, callback_data.block, actor=admin.actor, now=admin.now()
    )
    if changed:
        await callback.answer(t("adm-slot-blocked") if callback_data.block else t("adm-slot-freed"))
    else:
        await callback.answer(t("adm-slot-changed"), show_alert=True)
    await admin.session.refresh(slot)
    await show_day(admin, therapist, day, screen_of(callback))


async def on_add(callback: CallbackQuery, callback_data: SlotAdd, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    therapist = await pressed_therapist(callback, admin, callback_data.therapist_id)
    if therapist is None:
        return
    await callback.answer()
    await admin.begin()
    await ask_time(admin, therapist)


async def ask_time(admin: Admin, therapist: Therapist, notice: str | None = None) -> None:
    t = admin.t
    local_now = admin.now().astimezone(zone(therapist.timezone))
    example = (local_now + timedelta(days=1)).replace(hour=10, minute=0)
    text = t(
        "adm-slot-ask",
        id=therapist.id,
        name=local_name(therapist, t.language),
        zone=therapist.timezone,
        now=f"{local_now:%Y-%m-%d %H:%M}",
        example=f"{example:%Y-%m-%d %H:%M}",
        minutes=therapist.session_minutes,
    )
    if notice:
        text = f"{notice}\n\n{text}"
    await admin.ask(STEP, text, cancel_keyboard(t), therapist_id=therapist.id)


async def on_time(message: Message, admin: Admin) -> None:
    t = admin.t
    therapist_id = int((await admin.data()).get("therapist_id", 0))
    therapist = await admin_catalog.get_therapist(admin.session, therapist_id)
    if therapist is None:
        await admin.finish()
        await admin.send(t("adm-therapist-unknown", id=therapist_id))
        return
    now = admin.now()
    try:
        local = parse_local(message.text or "", therapist.timezone)
        if local <= now:
            raise BadTime("adm-slot-past")
        if local - now > FURTHEST:
            raise BadTime("adm-slot-too-far")
    except BadTime as error:
        await ask_time(admin, therapist, notice=words(t, error))
        return
    try:
        slot = await admin_slots.add_slot(
            admin.session, therapist, local, actor=admin.actor, now=now
        )
    except admin_slots.SlotOverlaps as error:
        # The failed insert was rolled back, which expired what the session had loaded.
        therapist = await admin_catalog.get_therapist(admin.session, therapist_id)
        assert therapist is not None
        await ask_time(admin, therapist, notice=words(t, error))
        return
    await admin.finish()
    when = when_html(t, slot.starts_at, therapist.timezone)
    await admin.send(t("adm-slot-added", when=when, zone=therapist.timezone))
    await show_overview(admin, therapist)


def create_router() -> Router:
    router = Router(name="admin-slots")
    router.message.register(on_slots, Command("slots"))
    router.message.register(on_time, Step(STEP), TypedText())
    router.callback_query.register(on_view, SlotsView.filter())
    router.callback_query.register(on_block, SlotBlock.filter())
    router.callback_query.register(on_add, SlotAdd.filter())
    return router
