"""One router per feature, each split by who may use it (`handlers.shared.guards`).
`setup(dispatcher)` builds them (anew per dispatcher: an aiogram router belongs to one
parent) in the order they must be tried, and hands every handler the screens of its
update: `flow` (a `ClientFlow` for a person with a profile, else a `Flow`) and `cards`
(the catalogue; None before consent, which the client routers rule out)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Dispatcher, Router
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, TelegramObject


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
        checkins,
        couples,
        errors,
        groups,
        messaging,
        packages,
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
        couples,
        start,
        settings,
        questionnaire,
        catalog,
        cabinet,
        groups,
        series,
        checkins,
        waitlist,
        requests,
        packages,
        payments,
        messaging,
        reminders,
        errors,
    ]
    return [module.create_router() for module in modules]


class CallbackPrefixes(Filter):
    """A router's buttons at a glance: the callback data's prefix is one of the router's.
    Put on a router whose every button handler (its sub-routers' too) takes one kind of
    callback data, so a press meant for another router passes it after one look instead
    of after each of its handlers has tried to read the data (each would refuse it)."""

    def __init__(self, prefixes: dict[str, frozenset[str]]) -> None:
        self.prefixes = prefixes  # separator -> prefixes

    async def __call__(self, query: CallbackQuery) -> bool:
        data = query.data
        if not data:
            return False
        return any(
            data.split(separator, 1)[0] in prefixes for separator, prefixes in self.prefixes.items()
        )


def callback_prefixes(router: Router) -> dict[str, frozenset[str]] | None:
    """The callback data prefixes (by separator) of every button handler of the router and
    its sub-routers, each router indexed on the way (`CallbackPrefixes`); None when a
    handler takes a button by anything but its kind of callback data."""
    below = [callback_prefixes(child) for child in router.sub_routers]
    found: defaultdict[str, set[str]] = defaultdict(set)
    for handler in router.callback_query.handlers:
        kinds = [
            each.callback.callback_data
            for each in handler.filters or []
            if isinstance(each.callback, CallbackQueryFilter)
        ]
        if not kinds:
            return None
        found[kinds[0].__separator__].add(kinds[0].__prefix__)
    for prefixes in below:
        if prefixes is None:
            return None
        for separator, names in prefixes.items():
            found[separator] |= names
    result = {separator: frozenset(names) for separator, names in found.items()}
    if _handlers_in(router) > 1:
        router.callback_query.filter(CallbackPrefixes(result))
    return result


def _handlers_in(router: Router) -> int:
    return len(router.callback_query.handlers) + sum(
        _handlers_in(child) for child in router.sub_routers
    )


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
    callback_prefixes(dispatcher)
