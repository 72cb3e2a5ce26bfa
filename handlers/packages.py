"""Prepaid packages for clients: a therapist's packages (from their card or the cabinet)
and buying one (its invoice; the payment is recorded by `handlers.payments`)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.config import Settings
from bot.formatting import local_name, money
from bot.rules.policy import Rules
from db import packages
from db.models import Therapist
from handlers.shared.flow import ClientFlow
from handlers.shared.guards import for_clients
from handlers.shared.invoices import package_invoice
from keyboards.packages import BuyPackage, PackageOffers, offers_keyboard


async def on_offers(
    callback: CallbackQuery, callback_data: PackageOffers, flow: ClientFlow, rules: Rules
) -> None:
    """A therapist's packages, each with what it saves; the ids are a button's."""
    t = flow.t
    therapist = await flow.session.get(Therapist, callback_data.therapist_id)
    offers = await packages.offers_for(flow.session, therapist) if therapist else []
    if therapist is None or not offers:
        await callback.answer(t("package-none"), show_alert=True)
        return
    if not rules.paid:
        await callback.answer(t("package-payments-off"), show_alert=True)
        return
    await callback.answer()
    lines = [t("package-offers-title", name=local_name(therapist, t.language)), ""]
    for offer in offers:
        lines.append(
            t(
                "package-offer",
                sessions=offer.sessions,
                price=money(offer.price),
                full=money(offer.full),
                saved=money(max(offer.full - offer.price, 0)),
                weeks=offer.weeks,
            )
        )
    lines += ["", t("package-how")]
    await flow.display("\n".join(lines), offers_keyboard(t, offers))


async def on_buy(
    callback: CallbackQuery,
    callback_data: BuyPackage,
    flow: ClientFlow,
    rules: Rules,
    settings: Settings,
) -> None:
    """The package's invoice, at its price now; pre-checkout checks it again."""
    t = flow.t
    offer = await packages.offer(flow.session, callback_data.package_id, callback_data.therapist_id)
    if offer is None or not rules.paid:
        await callback.answer(t("package-gone"), show_alert=True)
        return
    therapist = await flow.session.get_one(Therapist, offer.therapist_id)
    await callback.answer()
    await flow.bot(package_invoice(flow.chat_id, t, offer, therapist, flow.user, settings))


def create_router() -> Router:
    router = for_clients("packages")
    router.callback_query.register(on_offers, PackageOffers.filter())
    router.callback_query.register(on_buy, BuyPackage.filter())
    return router
