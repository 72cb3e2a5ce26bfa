"""/bookings [YYYY-MM-DD | therapist id]: bookings with status and payment state, and
cancelling one with a reason (the client, the therapist and the practice's group are told
through the outbox, like for every cancellation); /refunds: money the admins return by
hand, until one of them marks it done."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.formatting import local_name, money, when_html
from bot.rules.payments import amount_text
from bot.rules.policy import Rules
from bot.rules.timezones import zone
from db import admin_bookings, admin_catalog, bookings, outbox, payments
from db.models import ACTIVE_BOOKING_STATUSES
from handlers.admin.common import (
    Admin,
    Step,
    TypedText,
    dialog_screen,
    fit,
    local_midnight,
    parse_day,
    pressed_therapist,
    refused,
)
from handlers.shared.screens import screen_of
from keyboards.admin import (
    BookingCancel,
    BookingCancelYes,
    RefundDone,
    RefundsView,
    TherapistBookings,
    booking_cancel_keyboard,
    bookings_keyboard,
    cancel_keyboard,
    refund_done_keyboard,
    refunds_keyboard,
)

SHOWN = 30
UPCOMING_DAYS = 7
THERAPIST_PAST_DAYS, THERAPIST_NEXT_DAYS = 7, 60
REASON_LIMIT = 64  # bookings.cancel_reason
REASON, CONFIRM = "cancel:reason", "cancel:confirm"
PAYMENT_STATES = frozenset({"paid", "refund_pending", "refunded"})


def payment_text(admin: Admin, state: str | None) -> str:
    if state is None:
        return admin.t("adm-pay-none")
    if state in PAYMENT_STATES:
        return admin.t(f"adm-pay-{state}")
    return state


def status_text(admin: Admin, status: str) -> str:
    return admin.t(f"status-{status}")


async def show_bookings(
    admin: Admin,
    title: str,
    start: datetime,
    end: datetime,
    *,
    therapist_id: int | None = None,
) -> None:
    t = admin.t
    rows, total = await admin_bookings.bookings_between(
        admin.session, start, end, therapist_id=therapist_id, limit=SHOWN
    )
    lines = [title, t("adm-bookings-zone", zone=admin.timezone), ""]
    if not rows:
        lines.append(t("adm-bookings-none"))
    now = admin.now()
    cancellable = []
    for row in rows:
        booking = row.booking
        lines.append(
            t(
                "adm-booking-line",
                id=booking.id,
                when=when_html(t, booking.starts_at, admin.timezone),
                client=row.client.first_name or t("adm-client-erased"),
                therapist=local_name(booking.therapist, t.language),
                status=status_text(admin, booking.status),
                payment=payment_text(admin, row.payment),
            )
        )
        if booking.status in ACTIVE_BOOKING_STATUSES and booking.ends_at > now:
            cancellable.append(booking.id)
    if total > len(rows):
        lines += ["", t("adm-bookings-more", shown=len(rows), total=total)]
    elif cancellable:
        lines += ["", t("adm-bookings-cancel-hint")]
    await admin.send(fit(lines, t("adm-list-cut")), bookings_keyboard(t, cancellable))


async def show_for_therapist(admin: Admin, therapist_id: int) -> bool:
    therapist = await admin_catalog.get_therapist(admin.session, therapist_id)
    if therapist is None:
        return False
    today = local_midnight(admin.now().astimezone(zone(admin.timezone)).date(), admin.timezone)
    title = admin.t(
        "adm-bookings-therapist",
        id=therapist.id,
        name=local_name(therapist, admin.t.language),
        past=THERAPIST_PAST_DAYS,
        next=THERAPIST_NEXT_DAYS,
    )
    await show_bookings(
        admin,
        title,
        today - timedelta(days=THERAPIST_PAST_DAYS),
        today + timedelta(days=THERAPIST_NEXT_DAYS),
        therapist_id=therapist.id,
    )
    return True


async def on_bookings(message: Message, command: CommandObject, admin: Admin) -> None:
    await admin.begin()
    t = admin.t
    argument = (command.args or "").strip()
    today = admin.now().astimezone(zone(admin.timezone)).date()
    if not argument:
        start = local_midnight(today, admin.timezone)
        end = local_midnight(today + timedelta(days=UPCOMING_DAYS + 1), admin.timezone)
        await show_bookings(admin, t("adm-bookings-upcoming", days=UPCOMING_DAYS), start, end)
        return
    if argument.isdigit() and len(argument) <= 9:
        if not await show_for_therapist(admin, int(argument)):
            await admin.send(t("adm-therapist-unknown", id=int(argument)))
        return
    day = parse_day(argument)
    if day is None:
        await admin.send(t("adm-bookings-usage"))
        return
    start = local_midnight(day, admin.timezone)
    end = local_midnight(day + timedelta(days=1), admin.timezone)
    await show_bookings(admin, t("adm-bookings-day", day=day.isoformat()), start, end)


async def on_therapist_bookings(
    callback: CallbackQuery, callback_data: TherapistBookings, admin: Admin
) -> None:
    if await refused(callback, admin):
        return
    therapist = await pressed_therapist(callback, admin, callback_data.therapist_id)
    if therapist is None:
        return
    await callback.answer()
    await show_for_therapist(admin, therapist.id)


async def _cancellable(
    callback: CallbackQuery, admin: Admin, booking_id: int
) -> admin_bookings.BookingRow | None:
    row = await admin_bookings.booking_row(admin.session, booking_id)
    if row is None:
        await callback.answer(admin.t("adm-booking-unknown", id=booking_id), show_alert=True)
        return None
    if row.booking.status not in ACTIVE_BOOKING_STATUSES or row.booking.ends_at <= admin.now():
        await callback.answer(admin.t("adm-booking-not-active", id=booking_id), show_alert=True)
        return None
    return row


def _describe(admin: Admin, row: admin_bookings.BookingRow) -> str:
    t = admin.t
    booking = row.booking
    return t(
        "adm-booking-about",
        id=booking.id,
        when=when_html(t, booking.starts_at, admin.timezone),
        zone=admin.timezone,
        client=row.client.first_name or t("adm-client-erased"),
        therapist=local_name(booking.therapist, t.language),
        price=money(booking.price),
        payment=payment_text(admin, row.payment),
    )


async def on_cancel(callback: CallbackQuery, callback_data: BookingCancel, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    row = await _cancellable(callback, admin, callback_data.booking_id)
    if row is None:
        return
    await callback.answer()
    await admin.begin()
    text = f"{_describe(admin, row)}\n\n{admin.t('adm-cancel-ask', limit=REASON_LIMIT)}"
    await admin.ask(REASON, text, cancel_keyboard(admin.t), booking_id=row.booking.id)


async def on_reason(message: Message, admin: Admin, rules: Rules) -> None:
    t = admin.t
    reason = " ".join((message.text or "").split())
    if not reason or len(reason) > REASON_LIMIT:
        await admin.send(t("adm-cancel-reason-invalid", limit=REASON_LIMIT), cancel_keyboard(t))
        return
    booking_id = int((await admin.data()).get("booking_id", 0))
    row = await admin_bookings.booking_row(admin.session, booking_id)
    if row is None:
        await admin.finish()
        await admin.send(t("adm-booking-unknown", id=booking_id))
        return
    text = f"{_describe(admin, row)}\n\n{t('adm-cancel-confirm', reason=reason)}"
    # What happens to the money, from the rule the cancellation will apply.
    view = await bookings.cancel_terms(
        admin.session,
        row.booking,
        bookings.CancelledBy.admin,
        rules,
        admin.now(),
    )
    if view.money is not bookings.MoneyBack.nothing:
        text += "\n" + t(f"adm-cancel-money-{view.money}")
    await admin.ask(CONFIRM, text, booking_cancel_keyboard(t, booking_id), reason=reason)


async def on_confirm(
    callback: CallbackQuery,
    callback_data: BookingCancelYes,
    admin: Admin,
    rules: Rules,
) -> None:
    if await refused(callback, admin):
        return
    found = await dialog_screen(callback, admin, (CONFIRM,))
    if found is None:
        return
    _, data = found
    if int(data.get("booking_id", 0)) != callback_data.booking_id or not data.get("reason"):
        await callback.answer(admin.t("adm-stale"), show_alert=True)
        return
    row = await _cancellable(callback, admin, callback_data.booking_id)
    if row is None:
        await admin.finish()
        return
    reason = str(data["reason"])[:REASON_LIMIT]
    try:
        done = await bookings.cancel(
            admin.session,
            booking=row.booking,
            by=bookings.CancelledBy.admin,
            rules=rules,
            now=admin.now(),
            reason=reason,
            admin=admin.actor,
        )
    except bookings.BookingError:
        await admin.finish()
        await callback.answer(
            admin.t("adm-booking-not-active", id=callback_data.booking_id), show_alert=True
        )
        return
    await admin.finish()
    await callback.answer()
    after = await admin_bookings.booking_row(admin.session, done.booking.id)
    payment = payment_text(admin, after.payment if after else row.payment)
    await admin.show(
        admin.t("adm-cancel-done", id=done.booking.id, payment=payment), None, screen_of(callback)
    )


# -- refunds the admins make by hand ------------------------------------------------------


async def show_refunds(admin: Admin, edit: Message | None = None) -> None:
    t = admin.t
    waiting = await outbox.open_refunds(admin.session, limit=SHOWN)
    lines = [t("adm-refunds-title"), ""]
    if not waiting:
        lines.append(t("adm-refunds-none"))
    for refund in waiting:
        lines.append(
            t(
                "adm-refund-line",
                id=refund.id,
                booking=refund.booking_id or "—",
                amount=amount_text(refund.amount, refund.currency),
                currency=refund.currency,
                reason=t(f"refund-reason-{refund.reason}"),
                charge=refund.telegram_charge_id,
                provider=refund.provider_charge_id or "—",
                since=when_html(t, refund.created_at, admin.timezone),
            )
        )
    if waiting:
        lines += ["", t("adm-refunds-hint")]
    markup = refunds_keyboard(t, [refund.id for refund in waiting])
    await admin.show(fit(lines, t("adm-list-cut")), markup, edit)


async def on_refunds(message: Message, admin: Admin) -> None:
    await admin.begin()
    await show_refunds(admin)


async def on_refunds_view(callback: CallbackQuery, admin: Admin) -> None:
    if await refused(callback, admin):
        return
    await callback.answer()
    await show_refunds(admin, screen_of(callback))


async def on_refund_done(callback: CallbackQuery, callback_data: RefundDone, admin: Admin) -> None:
    """First tap: are you sure (the client is told the money is back); second: marked."""
    if await refused(callback, admin):
        return
    t = admin.t
    if not callback_data.sure:
        await callback.answer()
        text = t("adm-refund-done-ask", id=callback_data.refund_id)
        await admin.show(
            text, refund_done_keyboard(t, callback_data.refund_id), screen_of(callback)
        )
        return
    refund = await payments.mark_refund_done(
        admin.session, callback_data.refund_id, admin=admin.actor, now=admin.now()
    )
    if refund is None:
        await callback.answer(t("adm-refund-gone", id=callback_data.refund_id), show_alert=True)
    else:
        await callback.answer(t("adm-refund-marked", id=refund.id))
    await show_refunds(admin, screen_of(callback))


def create_router() -> Router:
    router = Router(name="admin-bookings")
    router.message.register(on_bookings, Command("bookings"))
    router.message.register(on_reason, Step(REASON), TypedText())
    router.callback_query.register(on_therapist_bookings, TherapistBookings.filter())
    router.callback_query.register(on_cancel, BookingCancel.filter())
    router.callback_query.register(on_confirm, BookingCancelYes.filter())
    router.message.register(on_refunds, Command("refunds"))
    router.callback_query.register(on_refunds_view, RefundsView.filter())
    router.callback_query.register(on_refund_done, RefundDone.filter())
    return router
