"""Fiscal receipts in invoices (`bot.rules.receipts`, `handlers.shared.invoices`): the
receipt's shape and sums, and which invoices carry one. Every invoice the conversation
tests send is checked too (`tests.fake_telegram.check_receipt`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from aiogram.methods import SendInvoice

from bot.i18n import Texts, Translator
from bot.rules import receipts
from db.models import Booking, Therapist, User
from handlers.shared.invoices import invoice_method
from tests.conftest import make_settings
from tests.fake_telegram import check_receipt

WHEN = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)


def test_a_receipt_lists_each_line_and_adds_up() -> None:
    lines = [receipts.Line("Сессия", 350_050), receipts.Line("x" * 300, 1_000, quantity=3)]
    data = receipts.receipt(lines, "RUB", vat_code=1, tax_system=None, email=None)
    assert receipts.total(data) == 350_050 + 3_000
    first, second = data["items"]
    assert first["amount"] == {"value": "3500.50", "currency": "RUB"}
    assert second["quantity"] == "3.00" and len(second["description"]) == 128
    assert "customer" not in data and "tax_system_code" not in data
    with pytest.raises(ValueError):
        receipts.receipt(lines, "RUB", vat_code=13, tax_system=None, email=None)
    with pytest.raises(ValueError):
        receipts.receipt(lines, "RUB", vat_code=1, tax_system=7, email=None)
    with pytest.raises(ValueError):
        receipts.receipt([], "RUB", vat_code=1, tax_system=None, email=None)


def _invoice(email: str | None, **settings: object) -> SendInvoice:
    translator = Translator(default="ru")
    therapist = Therapist(id=1, name_ru="Анна Смирнова", name_en="Anna", session_minutes=50)
    client = User(id=2, telegram_id=3, timezone="Europe/Moscow", language="ru", email=email)
    booking = Booking(id=4, therapist_id=1, client_id=2, starts_at=WHEN, price=3000)
    method = invoice_method(
        3,
        Texts(translator, "ru"),
        booking,
        therapist,
        client,
        make_settings("sqlite+aiosqlite://", **settings),
    )
    check_receipt(method)
    return method


def test_which_invoices_carry_a_receipt() -> None:
    provider = {"payment_provider_token": "provider:TEST", "payment_currency": "RUB"}
    # Receipts on, no e-mail stored: the invoice asks for one and hands it to the provider.
    asked = _invoice(None, **provider, receipts=True)
    data = json.loads(asked.provider_data)
    assert asked.need_email and asked.send_email_to_provider
    assert "customer" not in data["receipt"] and receipts.total(data["receipt"]) == 300_000
    assert "Анна Смирнова" in data["receipt"]["items"][0]["description"]
    # Receipts off: none.
    assert _invoice("a@example.com", **provider).provider_data is None
    # Stars: never, whatever the setting says.
    stars = _invoice("a@example.com", payment_currency="XTR", receipts=True)
    assert stars.provider_data is None and not stars.need_email


def test_an_invoice_and_its_receipt_keep_names_as_typed() -> None:
    """Invoices are plain text: a group's title with `&` or `<` reads as typed in the
    title, description and receipt line (escaping it would show `&amp;`)."""
    translator = Translator(default="ru")
    therapist = Therapist(id=1, name_ru="Анна & Co", name_en="Anna", session_minutes=50)
    client = User(id=2, telegram_id=3, timezone="Europe/Moscow", language="ru", email="a@b.c")
    booking = Booking(id=4, therapist_id=1, client_id=2, starts_at=WHEN, ends_at=WHEN, price=1500)
    method = invoice_method(
        3,
        Texts(translator, "ru"),
        booking,
        therapist,
        client,
        make_settings(
            "sqlite+aiosqlite://",
            payment_provider_token="provider:TEST",
            payment_currency="RUB",
            receipts=True,
        ),
        group="Тревога & <стресс>",
    )
    (item,) = json.loads(method.provider_data or "{}")["receipt"]["items"]
    assert "Тревога & <стресс>" in item["description"]
    assert "Тревога & <стресс>" in method.description and "Анна & Co" in method.description
    assert "&amp;" not in method.description + method.title + item["description"]
