"""Invoices for held times (Telegram Payments), shared by booking and the cabinet."""

from __future__ import annotations

from aiogram import Bot
from aiogram.methods import SendInvoice
from aiogram.types import LabeledPrice

from bot.config import Settings
from bot.formatting import local_name, when_text
from bot.i18n import Markup, Texts
from bot.rules import receipts
from db.models import Booking, Therapist, User

PAYLOAD_PREFIX = "booking:"


def payload_of(booking: Booking) -> str:
    return f"{PAYLOAD_PREFIX}{booking.id}"


def booking_id_of(payload: str) -> int | None:
    if not payload.startswith(PAYLOAD_PREFIX):
        return None
    tail = payload.removeprefix(PAYLOAD_PREFIX)
    return int(tail) if tail.isdigit() else None


async def send_invoice(
    bot: Bot,
    chat_id: int,
    t: Texts,
    booking: Booking,
    therapist: Therapist,
    client: User,
    settings: Settings,
) -> None:
    await bot(invoice_method(chat_id, t, booking, therapist, client, settings))


def invoice_method(
    chat_id: int,
    t: Texts,
    booking: Booking,
    therapist: Therapist,
    client: User,
    settings: Settings,
) -> SendInvoice:
    """The invoice for a held session, as a Bot API call (sent directly or by the
    outgoing path)."""
    price = settings.invoice_price(booking.price)
    provider = settings.payments_mode == "provider"
    when = when_text(t, booking.starts_at, client.timezone)
    provider_data = None
    if provider and settings.receipts:
        # A fiscal receipt for the provider (`bot.rules.receipts`), sent to the client's
        # stored e-mail, or to the one the invoice asks for.
        line = receipts.Line(
            t(
                "receipt-session",
                name=local_name(therapist, t.language),
                when=when,
                minutes=therapist.session_minutes,
            ),
            price.amount,
        )
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
        title=t("invoice-title"),
        description=t(
            "invoice-description",
            name=Markup(local_name(therapist, t.language)),
            when=when,
            zone=client.timezone,
            minutes=therapist.session_minutes,
        ),
        payload=payload_of(booking),
        currency=price.currency,
        prices=[
            LabeledPrice(
                label=t("invoice-label", minutes=therapist.session_minutes), amount=price.amount
            )
        ],
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
        when=when_text(t, booking.starts_at, client.timezone),
        zone=client.timezone,
        minutes=settings.payment_hold_minutes,
    )
    if settings.payments_mode == "provider":
        text = f"{text} {t('pay-hold-card')}"
    return text
