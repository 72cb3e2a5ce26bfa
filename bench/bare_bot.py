"""A bare aiogram bot that only answers callback queries, polling like the bot does: what
the cost-per-update benchmark measures the bot against. `BOT_TOKEN` and
`TELEGRAM_API_URL` as for the bot."""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery


async def answer(callback: CallbackQuery) -> None:
    await callback.answer()


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dispatcher = Dispatcher()
    dispatcher.callback_query.register(answer)
    try:
        await dispatcher.start_polling(bot, allowed_updates=["callback_query"])
    finally:
        await bot.session.close()


if __name__ == "__main__":
    asyncio.run(main())
