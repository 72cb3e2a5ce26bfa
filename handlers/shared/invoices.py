"""Invoices for held times (Telegram Payments), shared by booking and the cabinet."""

from __future__ import annotations

from aiogram import Bot
from aiogram.methods import SendInvoice
from aiogram.types import LabeledPrice

from bot.config import Settings
from bot.formatting import local_name, when_html, when_text
from bot.i18n import Texts
from bot.rules import receipts
from bot.rules.payments import Price
from db.models import Booking, Therapist, User
from db.packages import Offer

PAYLOAD_PREFIX = "booking:"
PACKAGE_PREFIX = "package:"


def payload_of(booking: Booking) -> str:
    return f"{PAYLOAD_PREFIX}{booking.id}"


def booking_id_of(payload: str) -> int | None:
    if not payload.startswith(PAYLOAD_PREFIX):
        return None
    tail = payload.removeprefix(PAYLOAD_PREFIX)
    return int(tail) if tail.isdigit() else None


def package_payload(package_id: int, therapist_id: int) -> str:
    return f"{PACKAGE_PREFIX}{package_id}:{therapist_id}"


def package_of(payload: str) -> tuple[int, int] | None:
    """The package and therapist an invoice's payload names; None for anything else."""
    if not payload.startswith(PACKAGE_PREFIX):
        return None
    package, _, therapist = payload.removeprefix(PACKAGE_PREFIX).partition(":")
    if not (package.isdigit() and therapist.isdigit()):
        return None
    return int(package), int(therapist)


async def send_invoice(
    bot: Bot,
    chat_id: int,
    t: Texts,
    booking: Booking,
    therapist: Therapist,
    client: User,
    settings: Settings,
    *,
    group: str | None = None,
) -> None:
    await bot(invoice_method(chat_id, t, booking, therapist, client, settings, group=group))


def invoice_method(
    chat_id: int,
    t: Texts,
    booking: Booking,
    therapist: Therapist,
    client: User,
    settings: Settings,
    *,
    group: str | None = None,
) -> SendInvoice:
    """The invoice for a held session, as a Bot API call (sent directly or by the
    outgoing path); `group`: the group's title, for a seat at a group's date."""
    price = settings.invoice_price(booking.price)
    when = when_text(t, booking.starts_at, client.timezone)
    name = local_name(therapist, t.language)
    minutes = (
        therapist.session_minutes
        if group is None
        else int((booking.ends_at - booking.starts_at).total_seconds() // 60)
    )
    kind = "session" if group is None else "group"
    # An invoice and its receipt are plain text: nothing in them is HTML-escaped.
    values = {"name": name, "when": when, "minutes": minutes, "title": group or ""}
    return _invoice(
        chat_id,
        client,
        settings,
        title=t.plain(f"invoice-title-{kind}"),
        description=t.plain(f"invoice-description-{kind}", zone=client.timezone, **values),
        payload=payload_of(booking),
        label=t.plain(f"invoice-label-{kind}", minutes=minutes),
        price=price,
        line=receipts.Line(t.plain(f"receipt-{kind}", **values), price.amount),
    )


def package_invoice(
    chat_id: int, t: Texts, offer: Offer, therapist: Therapist, client: User, settings: Settings
) -> SendInvoice:
    """The invoice for a package of sessions: one line, paid before its sessions are
    chosen (an advance, `bot.rules.receipts.PACKAGE_MODE`)."""
    price = settings.invoice_price(offer.price)
    name = local_name(therapist, t.language)
    values = {
        "sessions": offer.sessions,
        "minutes": therapist.session_minutes,
        "weeks": offer.weeks,
    }
    return _invoice(
        chat_id,
        client,
        settings,
        title=t.plain("package-invoice-title", sessions=offer.sessions),
        description=t.plain("package-invoice-description", name=name, **values),
        payload=package_payload(offer.package_id, offer.therapist_id),
        label=t.plain("package-invoice-label", sessions=offer.sessions),
        price=price,
        line=receipts.Line(
            t.plain("receipt-package", name=name, **values),
            price.amount,
            mode=receipts.PACKAGE_MODE,
        ),
    )


def _invoice(
    chat_id: int,
    client: User,
    settings: Settings,
    *,
    title: str,
    description: str,
    payload: str,
    label: str,
    price: Price,
    line: receipts.Line,
) -> SendInvoice:
    """One priced item, by Stars or the provider; with a provider and receipts on, its
    fiscal receipt (`bot.rules.receipts`) sent to the client's stored e-mail, or to the
    one the invoice asks for."""
    provider = settings.payments_mode == "provider"
    provider_data = None
    if provider and settings.receipts:
        provider_data = receipts.provider_data(
            receipts.receipt(
                [line],
                price.currency,
                vat_code=settings.receipt_vat_code,
                tax_system=settings.receipt_tax_system,
                email=client.email,
            )
        )
    secret = settings.payment_provider_token
    token = secret.get_secret_value() if provider and secret is not None else None
    return SendInvoice(
        chat_id=chat_id,
        title=title,
        description=description,
        payload=payload,
        currency=price.currency,
        prices=[LabeledPrice(label=label, amount=price.amount)],
        provider_token=token,
        need_email=provider and not client.email,
        send_email_to_provider=provider,
        provider_data=provider_data,
    )


def hold_text(t: Texts, booking: Booking, client: User, settings: Settings) -> str:
    """What a client reads when a time is held for them; the invoice follows. Only a
    card payment provider's form asks for a card."""
    text = t(
        "pay-hold",
        when=when_html(t, booking.starts_at, client.timezone),
        zone=client.timezone,
        minutes=settings.payment_hold_minutes,
    )
    if settings.payments_mode == "provider":
        text = f"{text} {t('pay-hold-card')}"
    return text
