"""Payment buttons."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from keyboards.ids import Id


class PayBooking(CallbackData, prefix="pay"):
    """A fresh invoice for a booking whose time is held."""

    booking_id: Id
