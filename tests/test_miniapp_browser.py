"""The Mini App in a real browser: headless Chromium from Debian's packages, driven by
Selenium (as the sandbox's browser test), against the bot's own HTTP app with the launch
data signed by the test's token. A client opens the week, books a time in it (the chat
gets the confirmation), then moves it from «Мои сессии» to another time of the same
therapist. Screenshots of each view go to `data/test-artifacts/miniapp/` (or
TEST_ARTIFACTS_DIR); with UPDATE_SCREENSHOTS=1 they also replace the README's."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestServer
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.web import build_app
from bot.webapp import sign
from db.demo import load_demo
from db.models import Booking, Therapist, TimeOff
from tests.conftest import ManualClock, make_harness, make_settings
from tests.flows import sign_up

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    (CHROMIUM is None or CHROMEDRIVER is None) and not os.environ.get("CI"),
    reason="browser tests need Debian's chromium and chromium-driver (.ci/run installs them)",
)
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR") or ROOT / "data" / "test-artifacts")
TOKEN = "123456:TEST-TOKEN"
STEP_SECONDS = 30
T = TypeVar("T")
Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--window-size=360,780",  # the narrowest phone the page is made for
        "--lang=ru",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _shot(driver: WebDriver, name: str) -> None:
    folder = ARTIFACTS / "miniapp"
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / f"{name}.png"))
    if os.environ.get("UPDATE_SCREENSHOTS"):
        driver.save_screenshot(str(ROOT / "docs" / f"miniapp-{name}.png"))


async def _in_browser(step: Callable[[], T]) -> T:
    """Selenium blocks: it runs in a thread while the loop serves the page."""
    return await asyncio.to_thread(step)


def _wait(driver: WebDriver, found: Callable[[WebDriver], Any]) -> Any:
    return WebDriverWait(driver, STEP_SECONDS).until(found)


async def test_a_client_books_and_moves_a_time_in_the_week(
    browser: WebDriver,
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Any,
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
    settings = make_settings(database_url)
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    anna = harness.user(4501, "Анна")
    await sign_up(anna)
    app = build_app(
        harness.dispatcher, harness.bot, settings, db_engine, db_sessionmaker, clock=clock
    )
    init_data = sign(TOKEN, {"id": anna.id, "first_name": "Анна"}, clock.now())
    async with TestServer(app) as server:
        url = f"{server.make_url('/app')}?initData={quote(init_data)}"

        def open_week() -> str:
            browser.get(url)
            chip = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "button.time"))
            _shot(browser, "week")
            return str(chip[0].get_attribute("data-slot"))

        first_slot = int(await _in_browser(open_week))

        def book() -> str:
            browser.find_elements(By.CSS_SELECTOR, "button.time")[0].click()
            _wait(browser, lambda d: d.find_element(By.ID, "sheet").is_displayed())
            _shot(browser, "confirm")
            browser.find_element(By.ID, "book").click()
            message = _wait(
                browser,
                lambda d: (
                    d.find_element(By.ID, "message").is_displayed()
                    and d.find_element(By.ID, "message")
                ),
            )
            return str(message.text)

        said = await _in_browser(book)
        assert "Готово" in said, said
        assert any("Вы записаны" in text for text in anna.texts_since(0))
        async with db_sessionmaker() as session:
            booking = (await session.scalars(select(Booking))).one()
        assert booking.slot_id == first_slot and booking.status == "confirmed"

        def move() -> str:
            browser.find_element(By.ID, "tab-sessions").click()
            _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#sessions .session"))
            _shot(browser, "sessions")
            move_button = next(
                each
                for each in browser.find_elements(By.CSS_SELECTOR, "#sessions button")
                if each.text == "Перенести"
            )
            move_button.click()
            _wait(browser, lambda d: d.find_element(By.ID, "moving").is_displayed())
            chips = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "button.time"))
            target = next(c for c in chips if c.get_attribute("data-slot") != str(first_slot))
            slot = str(target.get_attribute("data-slot"))
            target.click()
            _wait(browser, lambda d: d.find_element(By.ID, "sheet").is_displayed())
            browser.find_element(By.ID, "book").click()
            _wait(browser, lambda d: "перенесена" in d.find_element(By.ID, "message").text)
            return slot

        moved_to = int(await _in_browser(move))
        async with db_sessionmaker() as session:
            booking = await session.get_one(Booking, booking.id)
        assert booking.slot_id == moved_to and booking.reschedule_count == 1
        assert any("перенесена" in text for text in anna.texts_since(0))


async def test_a_therapist_sees_their_week_and_makes_a_day_off(
    browser: WebDriver,
    db_sessionmaker: Sessions,
    db_engine: AsyncEngine,
    database_url: str,
    clock: ManualClock,
    translator: Any,
) -> None:
    async with db_sessionmaker() as session:
        await load_demo(session, now=clock.now())
        therapist = await session.get_one(Therapist, 2)
        therapist.telegram_id = 4701
        await session.commit()
    settings = make_settings(database_url)
    harness = make_harness(settings, db_sessionmaker, clock, translator)
    doctor = harness.user(4701, "Терапевт")
    app = build_app(
        harness.dispatcher, harness.bot, settings, db_engine, db_sessionmaker, clock=clock
    )
    init_data = sign(TOKEN, {"id": doctor.id, "first_name": "Терапевт"}, clock.now())
    async with TestServer(app) as server:
        url = f"{server.make_url('/app')}?initData={quote(init_data)}"

        def day_off() -> str:
            browser.get(url)
            _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#schedule .day"))
            _shot(browser, "therapist")
            assert not browser.find_element(By.ID, "tab-week").is_displayed()
            making = [
                each
                for each in browser.find_elements(By.CSS_SELECTOR, "#schedule button")
                if each.text == "Сделать выходным"
            ]
            making[1].click()
            _wait(browser, lambda d: d.find_element(By.ID, "sheet").is_displayed())
            browser.find_element(By.ID, "book").click()
            message = _wait(
                browser, lambda d: "выходной" in d.find_element(By.ID, "message").text and d
            )
            return str(message.find_element(By.ID, "message").text)

        said = await _in_browser(day_off)
        assert "выходной" in said
        assert any("Свободное время обновлено" in text for text in doctor.texts_since(0))
        async with db_sessionmaker() as session:
            offs = list(await session.scalars(select(TimeOff).where(TimeOff.therapist_id == 2)))
        assert len(offs) == 1 and offs[0].starts_on == offs[0].ends_on
