"""Telegram Mini App launch data (`initData`): checked on every request with the bot's
token (aiogram's `safe_parse_webapp_init_data`), refused when missing, forged, signed for
another bot, or older than `MAX_AGE`; and signed here for the sandbox and the tests, by
the same rule Telegram uses (HMAC-SHA256 keyed by `HMAC-SHA256("WebAppData", token)`)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiogram.utils.web_app import WebAppInitData, safe_parse_webapp_init_data

MAX_AGE = timedelta(days=1)
CLOCK_SKEW = timedelta(minutes=5)  # a launch a little "in the future" (clocks differ)


class NotSigned(ValueError):
    """Missing, forged, another bot's, or too old: the request is refused (401)."""


def checked(token: str, raw: str | None, now: datetime) -> WebAppInitData:
    """The launch data when they are the bot's own and fresh; raises NotSigned."""
    if not raw:
        raise NotSigned("missing")
    try:
        data = safe_parse_webapp_init_data(token, raw)
    except ValueError as error:
        raise NotSigned("signature") from error
    if data.user is None:
        raise NotSigned("no user")
    signed_at = data.auth_date
    if signed_at > now + CLOCK_SKEW or now - signed_at > MAX_AGE:
        raise NotSigned("expired")
    return data


def sign(token: str, user: dict[str, Any], signed_at: datetime, **extra: str) -> str:
    """Launch data for `user` as Telegram would sign them for the bot with `token`."""
    fields = {
        "auth_date": str(int(signed_at.timestamp())),
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        **extra,
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
