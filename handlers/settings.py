"""Main menu, help, urgent help, settings: language, time zone, my data, erasure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.config import Settings
from bot.formatting import local_name, moment_html, when_html
from bot.i18n import Texts, Translator
from bot.middlewares import Role
from bot.rules.policy import Rules
from bot.rules.timezones import COMMON_ZONES, Clock, parse_offset, utc_offset_label, zone
from db import bookings, couples, groups, packages, requests, schedule, users, waitlist
from db.models import Therapist, User
from handlers.shared import checkins as checkin_data
from handlers.shared.cards import Catalog, cancel_list
from handlers.shared.flow import (
    ClientFlow,
    Flow,
    edit_saved_answers,
    render_summary,
    saved_answers,
    show_where_you_are,
    step_of,
)
from handlers.shared.guards import for_clients, for_guests
from handlers.shared.memory import ZONE, ZoneData
from handlers.shared.packages import refund_lines
from handlers.shared.screens import screen_of, send_lines, set_buttons, text_screen
from keyboards.menu import (
    DeleteChoice,
    LanguageChoice,
    MenuAction,
    MenuItem,
    ZoneChoice,
    delete_keyboard,
    language_keyboard,
    main_menu,
    settings_menu,
    timezone_keyboard,
    to_menu,
)


class ZoneInput(StatesGroup):
    waiting = State()


def zone_label(name: str) -> str:
    return f"{name} ({utc_offset_label(name)})"


async def _reply(
    callback: CallbackQuery, flow: Flow, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Answer a button by putting `text` on its screen (a text one), else in a new message."""
    await callback.answer()
    await flow.display(text, markup, text_screen(screen_of(callback)))


async def on_help(message: Message, t: Texts, user: User | None) -> None:
    await message.answer(t("help"), reply_markup=main_menu(t) if user else None)


async def on_sos(message: Message, t: Texts) -> None:
    await message.answer(t("sos"))


async def on_menu_command(message: Message, t: Texts) -> None:
    await message.answer(t("menu-title"), reply_markup=main_menu(t))


async def on_settings_command(message: Message, t: Texts, user: User) -> None:
    await message.answer(t("settings-title"), reply_markup=settings_menu(t, user.timezone))


async def on_need_start(message: Message, t: Texts) -> None:
    """A client's command from someone without a profile."""
    await message.answer(t("need-start"))


# Menu buttons: one handler per item (`MenuItem`); the ones after "help" need a profile.


async def on_menu_sos(callback: CallbackQuery, flow: Flow) -> None:
    await callback.answer()
    await flow.bot.send_message(flow.chat_id, flow.t("sos"))


async def on_menu_help(callback: CallbackQuery, flow: Flow) -> None:
    await _reply(callback, flow, flow.t("help"), to_menu(flow.t))


async def on_menu_home(callback: CallbackQuery, flow: ClientFlow) -> None:
    await _reply(callback, flow, flow.t("menu-title"), main_menu(flow.t))


async def on_menu_find(callback: CallbackQuery, flow: ClientFlow, cards: Catalog) -> None:
    await callback.answer()
    await cards.forget_relaxed()
    await cards.open()


async def on_menu_settings(callback: CallbackQuery, flow: ClientFlow) -> None:
    await _reply(callback, flow, flow.t("settings-title"), settings_menu(flow.t, flow.timezone))


async def on_menu_answers(callback: CallbackQuery, flow: ClientFlow) -> None:
    await callback.answer()
    await edit_saved_answers(flow)


async def on_menu_language(callback: CallbackQuery, flow: ClientFlow) -> None:
    await _reply(callback, flow, flow.t("language-choose"), language_keyboard(flow.t))


async def on_menu_timezone(callback: CallbackQuery, flow: ClientFlow) -> None:
    await callback.answer()
    await _ask_zone(flow)


async def on_menu_my_data(callback: CallbackQuery, flow: ClientFlow) -> None:
    await callback.answer()
    await _show_my_data(flow)


async def on_menu_delete(
    callback: CallbackQuery,
    flow: ClientFlow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    prompt = await _delete_prompt(flow, clock, settings, rules)
    await _reply(callback, flow, prompt, delete_keyboard(flow.t))


async def on_menu_before_sign_up(callback: CallbackQuery, flow: Flow) -> None:
    """A menu button of someone without a profile (erased, or from an old message)."""
    await callback.answer(flow.t("stale-button-short"))
    await flow.bot.send_message(flow.chat_id, flow.t("need-start"))


MENU_FOR_ANYONE: dict[MenuItem, Callable[..., Awaitable[None]]] = {
    MenuItem.sos: on_menu_sos,
    MenuItem.help: on_menu_help,
}
MENU_FOR_CLIENTS: dict[MenuItem, Callable[..., Awaitable[None]]] = {
    MenuItem.menu: on_menu_home,
    MenuItem.find_therapist: on_menu_find,
    MenuItem.settings: on_menu_settings,
    MenuItem.answers: on_menu_answers,
    MenuItem.language: on_menu_language,
    MenuItem.timezone: on_menu_timezone,
    MenuItem.my_data: on_menu_my_data,
    MenuItem.delete: on_menu_delete,
}


# -- language ----------------------------------------------------------------------------


async def on_language_command(message: Message, t: Texts) -> None:
    await message.answer(t("language-choose"), reply_markup=language_keyboard(t))


async def on_language(
    callback: CallbackQuery,
    callback_data: LanguageChoice,
    flow: Flow,
    role: Role,
    translator: Translator,
) -> None:
    """A client's language is kept in their profile, a guest's in the conversation until
    consent; a therapist's in their catalogue entry too (their notices and reminders)."""
    flow = replace(flow, t=translator.for_language(callback_data.code))
    if role.therapist_id is not None:
        await schedule.set_language(flow.session, role.therapist_id, callback_data.code)
    if flow.user is not None:
        await users.update_profile(flow.session, flow.user, language=callback_data.code)
    elif role.therapist_id is None:
        await flow.state.update_data(language=callback_data.code)
    await callback.answer()
    await set_buttons(screen_of(callback), None)
    await flow.bot.send_message(flow.chat_id, flow.t("language-set"))
    if role.therapist_id is None and (flow.user is None or await flow.current() is not None):
        await show_where_you_are(flow)


# -- time zone ---------------------------------------------------------------------------


async def _ask_zone(flow: ClientFlow) -> None:
    current = await flow.state.get_state()
    if current != ZoneInput.waiting.state:
        await ZONE.save(flow.state, ZoneData(resume=current))
    await flow.state.set_state(ZoneInput.waiting)
    await flow.bot.send_message(
        flow.chat_id,
        flow.t("timezone-choose", zone=flow.timezone, offset=utc_offset_label(flow.timezone)),
        reply_markup=timezone_keyboard(),
    )


async def on_timezone_command(message: Message, flow: ClientFlow) -> None:
    await _ask_zone(flow)


async def _set_zone(flow: ClientFlow, name: str) -> None:
    """Store the zone, then go back to where the person was (a questionnaire step)."""
    await users.update_profile(flow.session, flow.user, timezone=name)
    resume = (await ZONE.load(flow.state)).resume
    await ZONE.clear(flow.state)
    await flow.state.set_state(resume)
    await flow.bot.send_message(
        flow.chat_id, flow.t("timezone-set", zone=name, offset=utc_offset_label(name))
    )
    step = step_of(resume)
    if step is not None:
        await replace(flow, timezone=name).show(step)


async def on_zone(callback: CallbackQuery, callback_data: ZoneChoice, flow: ClientFlow) -> None:
    if not 0 <= callback_data.index < len(COMMON_ZONES):
        await callback.answer(flow.t("stale-button-short"))
        return
    await callback.answer()
    await set_buttons(screen_of(callback), None)
    await _set_zone(flow, COMMON_ZONES[callback_data.index])


async def on_zone_typed(message: Message, flow: ClientFlow) -> None:
    text = (message.text or "").strip()
    name = parse_offset(text)
    if name is None and len(text) <= 64:
        try:
            zone(text)
            name = text
        except ValueError:
            name = None
    if name is None:
        await message.answer(flow.t("timezone-invalid"), reply_markup=timezone_keyboard())
        return
    await _set_zone(flow, name)


async def on_zone_not_text(message: Message, t: Texts) -> None:
    await message.answer(t("timezone-invalid"), reply_markup=timezone_keyboard())


# -- my data and erasure -----------------------------------------------------------------


async def _show_my_data(flow: ClientFlow) -> None:
    t, user = flow.t, flow.user
    lines = [t("my-data-title"), ""]
    if user.consent_at is not None:
        consent = user.consent_at.astimezone(zone(flow.timezone)).strftime("%Y-%m-%d %H:%M")
        lines.append(t("my-data-consent", date=moment_html(user.consent_at, consent, "dt")))
    lines.append(t("my-data-language", language=user.language))
    saved = await users.get_questionnaire(flow.session, user)
    if saved is None:
        lines.append(t("my-data-no-questionnaire"))
    else:
        answers = saved_answers(saved)
        summary, _ = await render_summary(t, answers, flow.session, user, flow.timezone)
        lines.append(summary.split("\n", 2)[-1])
    for item in await waitlist.waiting_of(flow.session, user):
        lines.append(
            t(
                "my-data-waiting",
                name=local_name(item.therapist, t.language),
                days=t(f"days-{item.entry.days}"),
                time=t(f"time-{item.entry.time_of_day}"),
            )
        )
    for offer in await groups.waits_of(flow.session, user):
        lines.append(
            t(
                "my-data-group-waiting",
                title=offer.group.title,
                when=when_html(t, offer.date.starts_at, flow.timezone),
            )
        )
    for request in await requests.open_of(flow.session, user):
        asked = await flow.session.get(Therapist, request.therapist_id)
        assert asked is not None
        lines.append(
            t(
                "my-data-request",
                name=local_name(asked, t.language),
                when=when_html(t, request.proposed_starts_at or request.starts_at, flow.timezone),
                note=request.note or "—",
            )
        )
    lines += await checkin_data.my_data_lines(flow.session, t, user, flow.timezone)
    booker = await couples.booker_of(flow.session, user)
    partner = await couples.partner_of(flow.session, user.id)
    if booker is not None:
        lines.append(t("my-data-couple-partner", name=booker.first_name or "—"))
    if partner is not None:
        lines.append(t("my-data-couple-booker", name=partner.first_name or "—"))
    lines += ["", t("my-data-footer")]
    await send_lines(flow.bot, flow.chat_id, lines)


async def on_my_data(message: Message, flow: ClientFlow) -> None:
    await _show_my_data(flow)


async def on_my_data_none(message: Message, t: Texts) -> None:
    await message.answer(t("my-data-none"))


async def _delete_prompt(flow: Flow, clock: Clock, settings: Settings, rules: Rules) -> str:
    """The confirmation names every session the erasure calls off and what happens to the
    money paid for it."""
    if not isinstance(flow, ClientFlow):
        return flow.t("delete-confirm")
    now = clock.now()
    upcoming = await bookings.cancellable_of(flow.session, flow.user, now)
    closing = await packages.closing_for(flow.session, flow.user.id, now + rules.free_cancel)
    refunds = await refund_lines(flow.t, flow.session, closing)
    tail = "\n\n" + "\n".join([flow.t("delete-packages"), *refunds]) if refunds else ""
    if not upcoming:
        return flow.t("delete-confirm") + tail
    listed = await cancel_list(flow, upcoming, bookings.CancelledBy.erasure, settings, now, rules)
    return flow.t("delete-confirm-bookings", count=len(upcoming)) + "\n\n" + listed + tail


async def on_delete_me(
    message: Message, flow: Flow, clock: Clock, settings: Settings, rules: Rules
) -> None:
    state = flow.state
    if flow.user is None and await state.get_state() is None and not await state.get_data():
        await message.answer(flow.t("delete-nothing"))
        return
    await message.answer(
        await _delete_prompt(flow, clock, settings, rules), reply_markup=delete_keyboard(flow.t)
    )


async def on_delete(
    callback: CallbackQuery,
    callback_data: DeleteChoice,
    flow: Flow,
    clock: Clock,
    settings: Settings,
    rules: Rules,
) -> None:
    """Erase: sessions that have not started are cancelled (their therapists told, paid
    ones refunded by the usual rules), the profile is emptied and the answers and the
    conversation removed."""
    t = flow.t
    await callback.answer()
    screen = screen_of(callback)
    if not callback_data.erase:
        await flow.display(t("delete-kept"), None, screen)
        return
    if isinstance(flow, ClientFlow):
        await bookings.erase_client(flow.session, flow.user, rules=rules, now=clock.now())
    await flow.forget()
    await flow.display(t("delete-done"), None, screen)


def create_router() -> Router:
    router = Router(name="settings")
    router.message.register(on_help, Command("help"))
    router.message.register(on_sos, Command("sos"))
    for item, handler in MENU_FOR_ANYONE.items():
        router.callback_query.register(handler, MenuAction.filter(F.action == item))
    router.message.register(on_language_command, Command("language"))
    router.callback_query.register(on_language, LanguageChoice.filter())
    router.message.register(on_delete_me, Command("delete_me"))
    router.callback_query.register(on_delete, DeleteChoice.filter())

    clients = for_clients("settings")
    clients.message.register(on_menu_command, Command("menu"))
    clients.message.register(on_settings_command, Command("settings"))
    clients.message.register(on_timezone_command, Command("timezone"))
    clients.message.register(on_my_data, Command("my_data"))
    for item, handler in MENU_FOR_CLIENTS.items():
        clients.callback_query.register(handler, MenuAction.filter(F.action == item))
    clients.callback_query.register(on_zone, ZoneChoice.filter())
    # Commands go through while a zone is asked for, as at every typed step.
    clients.message.register(on_zone_typed, ZoneInput.waiting, F.text, ~F.text.startswith("/"))
    clients.message.register(on_zone_not_text, ZoneInput.waiting, ~F.text)

    guests = for_guests("settings")
    guests.message.register(on_need_start, Command("menu", "settings", "timezone"))
    guests.message.register(on_my_data_none, Command("my_data"))
    guests.callback_query.register(on_menu_before_sign_up, MenuAction.filter())
    router.include_routers(clients, guests)
    return router
