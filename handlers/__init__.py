"""One router per feature, each split by who may use it (`handlers.shared.guards`).
`setup(dispatcher)` builds them (anew per dispatcher: an aiogram router belongs to one
parent) in the order they must be tried, and hands every handler the screens of its
update: `flow` (a `ClientFlow` for a person with a profile, else a `Flow`) and `cards`
(the catalogue; None before consent, which the client routers rule out)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Dispatcher, Router
from aiogram.types import TelegramObject


class ScreensMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        from handlers.shared.cards import Catalog
        from handlers.shared.flow import Flow

        if data.get("state") is not None:  # updates of a chat with a person in it
            data["flow"] = Flow.from_data(data)
            data["cards"] = Catalog.from_data(data)
        return await handler(event, data)


def get_routers() -> list[Router]:
    from handlers import (
        admin,
        cabinet,
        calendar_feed,
        catalog,
        errors,
        messaging,
        payments,
        questionnaire,
        reminders,
        requests,
        series,
        settings,
        start,
        therapist,
        waitlist,
    )

    # Commands and feature routers first; the fallbacks in `errors` catch what is left.
    modules = [
        admin,
        therapist,
        calendar_feed,
        start,
        settings,
        questionnaire,
        catalog,
        cabinet,
        series,
        waitlist,
        requests,
        payments,
        messaging,
        reminders,
        errors,
    ]
    return [module.create_router() for module in modules]


def setup(dispatcher: Dispatcher) -> None:
    """Include the routers; must come after the middlewares that load the person."""
    from handlers.payments import CardNumberGuard
    from handlers.shared.refusals import RefusalsMiddleware

    dispatcher.update.outer_middleware(CardNumberGuard())
    dispatcher.update.outer_middleware(ScreensMiddleware())
    # A use case's refusal that leaves a handler is told to the person here.
    dispatcher.callback_query.middleware(RefusalsMiddleware())
    dispatcher.message.middleware(RefusalsMiddleware())
    dispatcher.include_routers(*get_routers())
