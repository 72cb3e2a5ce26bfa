"""The sandbox page in a real browser: headless Chromium from Debian's packages (`chromium`
and `chromium-driver`, installed by `.ci/run`), driven by Selenium; nothing is downloaded.

A new client goes from /start through the questionnaire to a paid session by tapping the
page's own buttons, downloads the calendar file, then the therapist persona sees the
booking card and the admin the /stats chart. Screenshots of each step are saved in
`data/test-artifacts/sandbox/` (or TEST_ARTIFACTS_DIR).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.sandbox_process import ROOT, Sandbox, running_sandbox

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
# In CI (.ci/run installs them) a missing browser fails instead of skipping.
pytestmark = pytest.mark.skipif(
    (CHROMIUM is None or CHROMEDRIVER is None) and not os.environ.get("CI"),
    reason=(
        "browser tests need Debian's chromium and chromium-driver "
        "(apt-get install chromium chromium-driver; .ci/run installs them)"
    ),
)
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR") or ROOT / "data" / "test-artifacts")
STEP_SECONDS = 30


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with running_sandbox(tmp_path / "sandbox") as running:
        yield running


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(downloads: Path) -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--window-size=430,900",  # a phone-sized window
        "--lang=ru",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
        },
    )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """The sandbox page as a person uses it: taps, types, switches personas."""

    def __init__(self, driver: WebDriver, shots: Path) -> None:
        self.driver = driver
        self.shots = shots
        shots.mkdir(parents=True, exist_ok=True)

    def until(self, found: Callable[[], Any], what: str) -> Any:
        def check(_: WebDriver) -> Any:
            try:
                return found()
            except (NoSuchElementException, StaleElementReferenceException):
                return None

        try:
            return WebDriverWait(self.driver, STEP_SECONDS, poll_frequency=0.1).until(check)
        except Exception as error:
            self.screenshot(f"failed-{re.sub(r'[^a-z0-9]+', '-', what.lower())[:40]}")
            chat = self.driver.find_element(By.ID, "messages").text[-3000:]
            raise AssertionError(f"no {what} in the page\n--- chat:\n{chat}") from error

    def screenshot(self, name: str) -> None:
        self.driver.save_screenshot(str(self.shots / f"{name}.png"))

    def bubbles(self) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, "#messages .msg"))

    def chat_text(self) -> str:
        return str(self.driver.find_element(By.ID, "messages").text)

    def wait_text(self, text: str) -> WebElement:
        def found() -> WebElement | None:
            for bubble in reversed(self.bubbles()):
                if text in bubble.text:
                    return bubble
            return None

        return self.until(found, f"message with {text!r}")

    def tap(self, fits: Callable[[str], bool], what: str) -> None:
        """Tap the first fitting inline button of the newest message that has one, and
        wait for the bot's answer (the chat changes)."""

        def found() -> WebElement | None:
            for bubble in reversed(self.bubbles()):
                for button in bubble.find_elements(By.CSS_SELECTOR, "button.inline"):
                    if fits(button.text.strip()):
                        return button
            return None

        button = self.until(found, f"button {what}")
        before = self.driver.find_element(By.ID, "messages").get_attribute("innerHTML")
        button.click()
        self.until(
            lambda: (
                self.driver.find_element(By.ID, "messages").get_attribute("innerHTML") != before
            ),
            f"answer to {what}",
        )

    def tap_label(self, label: str) -> None:
        self.tap(lambda text: text == label or text.startswith(label), repr(label))

    def type(self, text: str) -> None:
        field = self.driver.find_element(By.ID, "input")
        field.send_keys(text)
        field.send_keys(Keys.ENTER)
        self.until(lambda: field.get_attribute("value") == "", "the input emptied")

    def switch(self, persona: str) -> None:
        self.driver.find_element(
            By.CSS_SELECTOR, f'button.persona[data-persona="{persona}"]'
        ).click()
        self.until(
            lambda: (
                "active"
                in (
                    self.driver.find_element(
                        By.CSS_SELECTOR, f'button.persona[data-persona="{persona}"]'
                    ).get_attribute("class")
                    or ""
                )
            ),
            f"persona {persona}",
        )


def is_day(text: str) -> bool:
    return re.fullmatch(r"\w+ \d{1,2} \w+", text) is not None


def is_time(text: str) -> bool:
    return re.fullmatch(r"\d{2}:\d{2}", text) is not None


def test_a_new_client_books_in_the_page_then_the_therapist_and_the_admin(
    sandbox: Sandbox, browser: WebDriver, downloads: Path
) -> None:
    page = Page(browser, ARTIFACTS / "sandbox")
    browser.get(f"{sandbox.url}/#new_client")
    page.until(lambda: browser.find_element(By.ID, "start").is_displayed(), "start button")
    page.screenshot("01-new-client")
    therapist_hint = browser.find_element(
        By.CSS_SELECTOR, 'button.persona[data-persona="therapist"]'
    ).text
    linked = "Анна Смирнова"
    assert linked in therapist_hint, therapist_hint

    browser.find_element(By.ID, "start").click()
    page.wait_text("Вы согласны")
    page.tap_label("Согласен")
    page.wait_text("Сколько вам лет")
    page.type("30")
    for answer in ("Да", "Индивидуальная", "Тревога", "Готово", "Не важно", "Любые дни"):
        page.tap_label(answer)
    page.tap_label("Любое время")
    page.tap_label("Не важно")
    page.screenshot("02-answers")
    page.tap(lambda text: "Всё верно" in text, "'Всё верно'")

    # The matched cards, with photos; ▶ to the therapist the therapist persona is.
    page.until(
        lambda: browser.execute_script(
            "const img = document.querySelector('#messages .msg img.photo');"
            "return img !== null && img.complete && img.naturalWidth > 0;"
        ),
        "a therapist's photo",
    )
    for _ in range(12):
        card = page.until(
            lambda: next(
                (
                    bubble
                    for bubble in reversed(page.bubbles())
                    if bubble.find_elements(By.CSS_SELECTOR, "img.photo")
                ),
                None,
            ),
            "a card",
        )
        if linked in card.text:
            break
        page.tap_label("▶")
    else:
        pytest.fail(f"no card of {linked}\n{page.chat_text()}")
    page.screenshot("03-card")
    page.tap(is_day, "a day")
    page.tap(is_time, "a time")
    page.wait_text("Проверьте запись")
    page.tap(lambda text: "Записаться" in text, "'Записаться'")

    pay = page.until(
        lambda: next(iter(browser.find_elements(By.CSS_SELECTOR, ".invoice button.pay")), None),
        "the invoice's pay button",
    )
    assert pay.text.startswith("Оплатить (песочница) ⭐"), pay.text
    page.screenshot("04-invoice")
    pay.click()
    page.wait_text("запись подтверждена")
    link = page.until(
        lambda: next(
            (
                anchor
                for anchor in browser.find_elements(By.CSS_SELECTOR, "#messages a.document")
                if anchor.get_attribute("download") == "session.ics"
            ),
            None,
        ),
        "the calendar file",
    )
    page.screenshot("05-booked")
    link.click()
    deadline = time.monotonic() + STEP_SECONDS
    while not (downloads / "session.ics").exists():
        assert time.monotonic() < deadline, (
            f"session.ics not downloaded: {list(downloads.iterdir())}"
        )
        time.sleep(0.1)
    time.sleep(0.3)  # written in full
    calendar = icalendar.Calendar.from_ical((downloads / "session.ics").read_bytes())
    events = calendar.walk("VEVENT")
    assert len(events) == 1 and events[0].get("DTSTART") is not None

    # The therapist persona got the booking card, live.
    page.switch("therapist")
    card = page.wait_text("Аня")
    assert "Новая запись" in card.text, card.text
    page.screenshot("06-therapist")

    # The admin: /stats from the command menu, with its chart.
    page.switch("admin")
    browser.find_element(By.ID, "menu").click()
    page.until(
        lambda: browser.find_element(By.CSS_SELECTOR, '.command[data-command="stats"]'),
        "/stats in the menu",
    ).click()
    page.until(
        lambda: browser.execute_script(
            "return [...document.querySelectorAll('#messages .msg img.photo')]"
            ".some(img => img.complete && img.naturalWidth > 0);"
        ),
        "the /stats chart",
    )
    browser.execute_script(
        "[...document.querySelectorAll('#messages .msg img.photo')].pop().scrollIntoView();"
    )
    page.screenshot("07-admin-stats")

    # The page's own controls: the clock a day ahead, and English.
    shown = browser.find_element(By.ID, "clock-now").text
    browser.find_element(By.ID, "plus-day").click()
    page.until(lambda: browser.find_element(By.ID, "clock-now").text != shown, "the clock moved")
    browser.find_element(By.CSS_SELECTOR, 'button.lang[data-lang="en"]').click()
    page.until(
        lambda: browser.find_element(By.ID, "send").get_attribute("textContent") == "Send",
        "the page in English",
    )
    tab = browser.find_element(By.CSS_SELECTOR, 'button.persona[data-persona="therapist"]')
    assert "Demo profile: Anna Smirnova" in tab.text, tab.text
    page.screenshot("08-english")


def open_panel(page: Page) -> None:
    """The menu button («🗓 Неделя») opens the Mini App's panel; the driver goes into it."""
    browser = page.driver
    page.until(lambda: browser.find_element(By.ID, "app-open").is_displayed(), "menu button")
    browser.find_element(By.ID, "app-open").click()
    frame = page.until(
        lambda: (
            browser.find_element(By.ID, "miniapp").is_displayed()
            and browser.find_element(By.ID, "miniapp-frame")
        ),
        "the Mini App's panel",
    )
    browser.switch_to.frame(frame)


def test_the_demo_client_reads_times_and_colours_and_books_in_the_mini_app(
    sandbox: Sandbox, browser: WebDriver
) -> None:
    """The chat shows each `tg-time` as its text (the moment in the browser's zone on
    hover) and the buttons' colours; the menu button opens the Mini App in a panel, with
    launch data the sandbox signs with its own bot token, and a time booked there is held
    with its invoice in the chat, as in Telegram."""
    page = Page(browser, ARTIFACTS / "sandbox-miniapp")
    browser.get(f"{sandbox.url}/#demo_client")
    opener = page.until(
        lambda: (
            browser.find_element(By.ID, "app-open").is_displayed()
            and browser.find_element(By.ID, "app-open")
        ),
        "the Mini App's menu button",
    )
    assert opener.text == "🗓 Неделя", opener.text
    page.type("/my")
    cabinet = page.wait_text("Мои сессии")
    moment = page.until(
        lambda: cabinet.find_element(By.CSS_SELECTOR, "span.tg-time"), "a time in the cabinet"
    )
    assert re.fullmatch(r"\w{2} \d{1,2} \w+, \d{2}:\d{2}", moment.text), moment.text
    assert moment.get_attribute("title"), "the moment in the browser's zone"
    web_app = cabinet.find_elements(By.CSS_SELECTOR, "button.inline.web-app")
    assert [button.text for button in web_app] == ["🗓 Неделя целиком"]
    page.tap(lambda text: bool(re.match(r"\w{2} \d{1,2} \w+, \d{2}:\d{2}", text)), "a session")
    page.tap(lambda text: text.endswith("Отменить"), "'Отменить'")
    page.wait_text("Отменить сессию")
    danger = page.until(
        lambda: browser.find_element(By.CSS_SELECTOR, "#messages button.inline.style-danger"),
        "a red button",
    )
    assert "отменить" in danger.text.lower(), danger.text
    assert danger.value_of_css_property("background-color") == "rgba(217, 83, 79, 1)"
    page.screenshot("01-chat")

    open_panel(page)
    chip = page.until(
        lambda: next(iter(browser.find_elements(By.CSS_SELECTOR, "button.time")), None),
        "a free time in the week",
    )
    chip.click()
    page.until(lambda: browser.find_element(By.ID, "sheet").is_displayed(), "the confirmation")
    browser.find_element(By.ID, "book").click()
    said = page.until(
        lambda: (
            browser.find_element(By.ID, "message").is_displayed()
            and browser.find_element(By.ID, "message").text
        ),
        "the Mini App's answer",
    )
    browser.switch_to.default_content()
    page.screenshot("02-miniapp")
    assert "счёт" in said.lower() or "оплат" in said.lower(), said
    browser.find_element(By.ID, "miniapp-close").click()
    page.until(lambda: not browser.find_element(By.ID, "miniapp").is_displayed(), "closed")
    pay = page.until(
        lambda: next(iter(browser.find_elements(By.CSS_SELECTOR, ".invoice button.pay")), None),
        "the invoice in the chat",
    )
    assert pay.text.startswith("Оплатить (песочница) ⭐"), pay.text

    # The therapist opens their week in the panel and writes to the demo client from the
    # session's card; the client's chat gets it from the therapist, with the reply button.
    page.switch("therapist")
    open_panel(page)
    page.until(lambda: browser.find_element(By.ID, "tab-therapist").is_displayed(), "their tab")
    browser.find_element(By.ID, "tab-therapist").click()

    def open_session() -> WebElement | None:
        # The week may be drawn again meanwhile (the tab loads it): find and tap at once.
        for each in browser.find_elements(By.CSS_SELECTOR, "#schedule button.mine"):
            if "Мария" in each.text:
                each.click()
                note = browser.find_element(By.ID, "note")
                return note if note.is_displayed() else None
        return None

    note = page.until(open_session, "the demo client's session and its message box")
    note.send_keys("Мария, добрый день! Жду вас.")
    browser.find_element(By.ID, "send-note").click()
    page.until(lambda: "Доставлено" in browser.find_element(By.ID, "message").text, "delivered")
    assert note.get_attribute("value") == ""
    page.screenshot("03-therapist-writes")
    browser.switch_to.default_content()
    browser.find_element(By.ID, "miniapp-close").click()
    page.wait_text("Вы написали клиенту Мария")
    page.switch("demo_client")
    letter = page.wait_text("Жду вас")
    assert "Ваш терапевт" in letter.text
    assert [b.text for b in letter.find_elements(By.CSS_SELECTOR, "button.inline")] == [
        "↩️ Ответить"
    ]
