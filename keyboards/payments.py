"""Payment buttons."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class PayBooking(CallbackData, prefix="pay"):
    """A fresh invoice for a booking whose time is held."""

    booking_id: int
