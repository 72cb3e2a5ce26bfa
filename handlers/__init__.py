"""One router per feature; `get_routers()` builds them in the order they must be tried.

Routers are built anew for each dispatcher (an aiogram router belongs to one parent)."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import catalog, errors, questionnaire, settings, start

    # Commands and feature routers first; the fallbacks in `errors` catch what is left.
    modules = [start, settings, questionnaire, catalog, errors]
    return [module.create_router() for module in modules]
