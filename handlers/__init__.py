"""One router per feature; `get_routers()` gives them in the order they must be tried."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import errors, questionnaire, settings, start

    # Commands and feature routers first; the fallbacks in `errors` catch what is left.
    return [start.router, settings.router, questionnaire.router, errors.router]
