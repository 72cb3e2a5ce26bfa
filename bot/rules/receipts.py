"""Fiscal receipts (54-FZ) with Telegram Payments (pure): what an invoice's
`provider_data` carries so that the payment provider (ЮKassa's format) registers a
receipt for it, and sends it to the client's e-mail.

One line per item: its description (at most 128 characters), quantity, price per unit in
roubles with kopecks, VAT code, payment subject (`service`: therapy is a service) and
payment mode. A session paid before it takes place is a full prepayment
(`full_prepayment`, «предоплата 100 %»): the service is known and is provided later. A
package of sessions is an advance (`advance`, «аванс»): paid before its sessions are
chosen.
Stars invoices carry none: Telegram itself sells the Stars."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DESCRIPTION_LIMIT = 128
SUBJECT = "service"
SESSION_MODE = "full_prepayment"
# A package is paid before its sessions are chosen or dated: an advance («аванс»), the
# mode 54-FZ's rules give a payment whose services cannot yet be identified one by one.
PACKAGE_MODE = "advance"
# ЮKassa's VAT codes: 1 no VAT, 2 0 %, 3 10 %, 4 20 %, 5 10/110, 6 20/120, 7 5 %, 8 7 %,
# 9 5/105, 10 7/107, 11 22 %, 12 22/122.
VAT_CODES = range(1, 13)
# ЮKassa's tax systems: 1 general, 2 simplified (income), 3 simplified (income minus
# expenses), 4 imputed income, 5 agricultural, 6 patent.
TAX_SYSTEMS = range(1, 7)


@dataclass(frozen=True)
class Line:
    description: str
    amount: int  # per unit, in the currency's smallest unit (kopecks)
    quantity: int = 1
    mode: str = SESSION_MODE


def _value(amount: int) -> str:
    return f"{amount // 100}.{amount % 100:02d}"


def receipt(
    lines: Sequence[Line],
    currency: str,
    *,
    vat_code: int,
    tax_system: int | None,
    email: str | None,
) -> dict[str, Any]:
    """The receipt object. Without an e-mail the invoice asks for one and Telegram hands
    it to the provider (`send_email_to_provider`)."""
    if not lines:
        raise ValueError("a receipt has at least one line")
    if vat_code not in VAT_CODES or (tax_system is not None and tax_system not in TAX_SYSTEMS):
        raise ValueError("an unknown VAT code or tax system")
    data: dict[str, Any] = {
        "items": [
            {
                "description": line.description[:DESCRIPTION_LIMIT],
                "quantity": f"{line.quantity}.00",
                "amount": {"value": _value(line.amount), "currency": currency},
                "vat_code": vat_code,
                "payment_subject": SUBJECT,
                "payment_mode": line.mode,
            }
            for line in lines
        ]
    }
    if email:
        data["customer"] = {"email": email}
    if tax_system is not None:
        data["tax_system_code"] = tax_system
    return data


def provider_data(receipt_object: dict[str, Any]) -> str:
    return json.dumps({"receipt": receipt_object}, ensure_ascii=False)


def total(receipt_object: dict[str, Any]) -> int:
    """What the receipt's lines add up to, in the smallest unit (to check against the
    invoice's prices)."""
    cents = 0
    for item in receipt_object["items"]:
        units, _, kopecks = item["amount"]["value"].partition(".")
        quantity = int(item["quantity"].split(".")[0])
        cents += (int(units) * 100 + int(kopecks)) * quantity
    return cents
