"""Check-ins between sessions (PHQ-9, GAD-7): the consent, one question per screen with
one tap per answer, back and "skip this time", the score in kind words, help at once
after a risk answer, `/checkin`, `/progress`, the settings, and a therapist's view of
their own client's scores.

Everything here is resumable: the answers are rows (`db.checkins`), so a check-in left
half-way, or cut by a restart, goes on at its first unanswered question."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import day_html
from bot.i18n import Texts
from bot.rules.checkins import SCALES, ScaleCode, Score, trend
from bot.rules.timezones import Clock
from db import checkins
from db.models import Checkin, Therapist, User
from handlers.shared import checkins as checkin_offers
from handlers.shared.flow import ClientFlow
from handlers.shared.guards import for_clients, for_therapists
from handlers.shared.notices.base import client_name
from handlers.shared.screens import screen_of, send_lines, set_buttons
from keyboards.checkins import (
    CheckinAsk,
    CheckinBack,
    CheckinConsent,
    CheckinNext,
    CheckinReply,
    CheckinSettings,
    CheckinSkip,
    CheckinStart,
    ClientCheckins,
    ConsentChoice,
    SettingsItem,
    StartReason,
    consent_keyboard,
    next_keyboard,
    question_keyboard,
    settings_keyboard,
    start_keyboard,
    start_reason,
    turn_off_keyboard,
)
from keyboards.menu import to_menu
from keyboards.messaging import write_therapist_button

CAPTION_LIMIT = 1024  # Telegram's limit for a photo's caption


# -- screens ----------------------------------------------------------------------------


def question_text(t: Texts, progress: checkins.Progress) -> str:
    scale, item = progress.scale, progress.item
    assert item is not None
    return t(
        "checkin-question",
        scale=t(f"checkin-scale-{scale.code}"),
        number=item,
        count=scale.items,
        intro=t(f"checkin-intro-{scale.code}"),
        item=t(f"checkin-{scale.code}-{item}"),
    )


async def show_question(
    flow: ClientFlow, progress: checkins.Progress, edit: Message | None = None
) -> None:
    item = progress.item
    assert item is not None
    markup = question_keyboard(flow.t, progress.checkin.id, item)
    await flow.display(question_text(flow.t, progress), markup, edit)


def score_text(t: Texts, code: ScaleCode, score: Score) -> str:
    scale = SCALES[code]
    return t(
        "checkin-result",
        scale=t(f"checkin-scale-{code}"),
        total=score.total,
        most=scale.most,
        band=t(f"checkin-band-{score.band}"),
        words=t(f"checkin-words-{score.band}"),
    )


async def begin(
    flow: ClientFlow,
    clock: Clock,
    reason: StartReason,
    edit: Message | None = None,
    *,
    after: ScaleCode | None = None,
) -> None:
    progress = await checkins.start(flow.session, flow.user, reason, clock.now(), after=after)
    if progress is None:
        await flow.display(flow.t("checkin-nothing-due"), None, edit)
        return
    await show_question(flow, progress, edit)


# -- the client's buttons and commands --------------------------------------------------


async def on_consent(
    callback: CallbackQuery, callback_data: CheckinConsent, flow: ClientFlow, clock: Clock
) -> None:
    await callback.answer()
    edit = screen_of(callback)
    if callback_data.choice is ConsentChoice.no:
        if await checkins.decline(flow.session, flow.user, clock.now()):
            await flow.display(flow.t("checkin-consent-declined"), None, edit)
        else:
            await settings_screen(flow, edit)
        return
    await checkins.give_consent(flow.session, flow.user, clock.now())
    markup = start_keyboard(flow.t, "booked")
    await flow.display(flow.t("checkin-consent-given"), markup, edit)


async def on_start(
    callback: CallbackQuery, callback_data: CheckinStart, flow: ClientFlow, clock: Clock
) -> None:
    await callback.answer()
    if await checkins.consent_of(flow.session, flow.user) is None:
        await flow.display(flow.t("checkin-consent"), consent_keyboard(flow.t), screen_of(callback))
        return
    await begin(flow, clock, callback_data.reason, screen_of(callback))


async def on_next(
    callback: CallbackQuery, callback_data: CheckinNext, flow: ClientFlow, clock: Clock
) -> None:
    await callback.answer()
    await begin(flow, clock, callback_data.reason, screen_of(callback), after=callback_data.after)


async def on_reply(
    callback: CallbackQuery, callback_data: CheckinReply, flow: ClientFlow, clock: Clock
) -> None:
    now = clock.now()
    try:
        answered = await checkins.answer(
            flow.session,
            flow.user,
            callback_data.checkin_id,
            callback_data.item,
            int(callback_data.value),
            now,
        )
    except checkins.CheckinGone:
        await callback.answer(flow.t("checkin-stale"))
        await _where_it_is(flow, screen_of(callback))
        return
    await callback.answer()
    edit = screen_of(callback)
    if answered.risk_told:
        await set_buttons(edit, None)  # the question answered stays, without its buttons
        await _help_now(flow, answered.progress.checkin)
        edit = None  # the help stays on screen; what follows comes below it
    if answered.score is None:
        await show_question(flow, answered.progress, edit)
        return
    code = answered.progress.scale.code
    text = score_text(flow.t, code, answered.score)
    following = await checkins.next_due(flow.session, flow.user.id, code, now)
    markup: InlineKeyboardMarkup | None = None
    if following is not None:
        label = flow.t("checkin-next", scale=flow.t(f"checkin-scale-{following.code}"))
        markup = next_keyboard(flow.t, code, label, start_reason(answered.progress.checkin.reason))
    await flow.display(text, markup, edit)


async def _help_now(flow: ClientFlow, checkin: Checkin) -> None:
    """Right after a risk answer: help, kindly, with a way to write to the therapist."""
    markup = None
    if checkin.therapist_id is not None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[write_therapist_button(flow.t, checkin.therapist_id)]]
        )
    await flow.display(flow.t("checkin-risk-help") + "\n\n" + flow.t("sos"), markup)


async def _where_it_is(flow: ClientFlow, edit: Message | None) -> None:
    """After a stale button: the question the open check-in is at, if there is one."""
    progress = await checkins.open_of(flow.session, flow.user.id)
    if progress is not None and progress.item is not None:
        await show_question(flow, progress, edit)


async def on_back(callback: CallbackQuery, callback_data: CheckinBack, flow: ClientFlow) -> None:
    try:
        progress = await checkins.back(
            flow.session, flow.user, callback_data.checkin_id, callback_data.item
        )
    except checkins.CheckinGone:
        await callback.answer(flow.t("checkin-stale"))
        await _where_it_is(flow, screen_of(callback))
        return
    await callback.answer()
    await show_question(flow, progress, screen_of(callback))


async def on_skip(
    callback: CallbackQuery, callback_data: CheckinSkip, flow: ClientFlow, clock: Clock
) -> None:
    await checkins.skip(flow.session, flow.user, callback_data.checkin_id, clock.now())
    await callback.answer()
    await flow.display(flow.t("checkin-skipped"), to_menu(flow.t), screen_of(callback))


async def on_checkin_command(message: Message, flow: ClientFlow, clock: Clock) -> None:
    if await checkins.consent_of(flow.session, flow.user) is None:
        await message.answer(flow.t("checkin-consent"), reply_markup=consent_keyboard(flow.t))
        return
    await begin(flow, clock, checkins.Reason.client)


async def settings_screen(flow: ClientFlow, edit: Message | None = None) -> None:
    consent = await checkins.consent_of(flow.session, flow.user)
    shared = consent is not None and consent.earlier_shared_at is not None
    key = "checkin-settings-on-text" if consent else "checkin-settings-off-text"
    markup = settings_keyboard(flow.t, consent=consent is not None, shared=shared)
    await flow.display(flow.t(key), markup, edit)


async def on_settings(
    callback: CallbackQuery, callback_data: CheckinSettings, flow: ClientFlow, clock: Clock
) -> None:
    await callback.answer()
    edit = screen_of(callback)
    action = callback_data.action
    if action is SettingsItem.turn_on:
        await checkins.give_consent(flow.session, flow.user, clock.now())
    elif action is SettingsItem.turn_off:
        await flow.display(flow.t("checkin-settings-off-ask"), turn_off_keyboard(flow.t), edit)
        return
    elif action is SettingsItem.turn_off_sure:
        await checkins.withdraw(flow.session, flow.user, clock.now())
    elif action in (SettingsItem.share, SettingsItem.unshare):
        share = action is SettingsItem.share
        await checkins.share_earlier(flow.session, flow.user, share, clock.now())
    await settings_screen(flow, edit)


def progress_lines(t: Texts, finished: list[Checkin], timezone: str) -> list[str]:
    """Each scale's scores over time, oldest first, and how the latest compares."""
    lines: list[str] = []
    for scale, mine in checkin_offers.by_scale(finished):
        trend_key = f"checkin-trend-{trend(checkin_offers.totals(mine))}"
        lines.append(
            t("checkin-progress-scale", scale=t(f"checkin-scale-{scale.code}"), trend=t(trend_key))
        )
        lines += [
            t(
                "checkin-progress-line",
                date=day_html(t, checkin.finished_at or checkin.started_at, timezone),
                total=checkin.total or 0,
                most=scale.most,
                band=t(f"checkin-band-{checkin.band}"),
            )
            for checkin in mine[-8:]
        ]
    return lines


async def on_progress(message: Message, flow: ClientFlow) -> None:
    finished = await checkins.finished_of(flow.session, flow.user.id)
    if not finished:
        await message.answer(flow.t("checkin-progress-none"))
        return
    lines = [flow.t("checkin-progress-title"), ""]
    lines += progress_lines(flow.t, finished, flow.timezone)
    title = flow.t("checkin-chart-title")
    picture = await checkin_offers.progress_picture(flow.t, title, finished, flow.timezone)
    await _with_picture(flow.bot, flow.chat_id, picture, lines, title)


async def _with_picture(
    bot: Bot, chat_id: int, picture: BufferedInputFile | None, lines: list[str], title: str
) -> None:
    """The chart with the numbers under it (in a message of their own when too long)."""
    text = "\n".join(lines)
    if picture is None:
        await send_lines(bot, chat_id, lines)
    elif len(text) <= CAPTION_LIMIT:
        await bot.send_photo(chat_id, picture, caption=text)
    else:
        await bot.send_photo(chat_id, picture, caption=title)
        await send_lines(bot, chat_id, lines)


# -- the therapist's view ---------------------------------------------------------------


async def on_client_checkins(
    callback: CallbackQuery,
    callback_data: ClientCheckins,
    therapist_id: int,
    t: Texts,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """One client's check-ins for their therapist: only a current client's, and only what
    the client allows (`db.checkins.visible_to_therapist`)."""
    client_id = callback_data.client_id
    visible = await checkins.visible_to_therapist(session, therapist_id, client_id, clock.now())
    client = await session.get(User, client_id)
    if not visible or client is None:
        await callback.answer(t("checkin-therapist-nothing"), show_alert=True)
        return
    await callback.answer()
    therapist = await session.get_one(Therapist, therapist_id)
    lines = [t("checkin-therapist-title", client=client_name(t, client)), ""]
    finished = [checkin for checkin in visible if checkin.finished_at is not None]
    lines += progress_lines(t, finished, therapist.timezone)
    answers = await checkins.answers_of(
        session, [checkin.id for checkin in visible if checkin.risk]
    )
    for checkin in visible:
        if checkin.risk:
            item = SCALES[ScaleCode(checkin.scale)].risk_item
            value = answers.get(checkin.id, {}).get(item or 0)
            lines.append(
                t(
                    "checkin-therapist-risk",
                    date=day_html(t, checkin.started_at, therapist.timezone),
                    answer=t(f"checkin-answer-{value}") if value is not None else "—",
                )
            )
    if callback.message is not None and callback.bot is not None:
        title = t("checkin-chart-title-client", client=client_name(t, client))
        picture = await checkin_offers.progress_picture(t, title, finished, therapist.timezone)
        await _with_picture(callback.bot, callback.message.chat.id, picture, lines, title)


async def on_ask(
    callback: CallbackQuery,
    callback_data: CheckinAsk,
    therapist_id: int,
    t: Texts,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """The therapist asks their client for a check-in now (a refusal says why not)."""
    await checkins.ask(session, therapist_id, callback_data.client_id, clock.now())
    await callback.answer(t("checkin-therapist-asked"), show_alert=True)


def create_router() -> Router:
    router = Router(name="checkins")
    clients = for_clients("checkins")
    clients.callback_query.register(on_consent, CheckinConsent.filter())
    clients.callback_query.register(on_start, CheckinStart.filter())
    clients.callback_query.register(on_next, CheckinNext.filter())
    clients.callback_query.register(on_reply, CheckinReply.filter())
    clients.callback_query.register(on_back, CheckinBack.filter())
    clients.callback_query.register(on_skip, CheckinSkip.filter())
    clients.callback_query.register(on_settings, CheckinSettings.filter())
    clients.message.register(on_checkin_command, Command("checkin"))
    clients.message.register(on_progress, Command("progress"))
    therapists = for_therapists("checkins")
    therapists.callback_query.register(on_client_checkins, ClientCheckins.filter())
    therapists.callback_query.register(on_ask, CheckinAsk.filter())
    router.include_routers(clients, therapists)
    return router
