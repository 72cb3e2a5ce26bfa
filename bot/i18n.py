"""Translations with Project Fluent (`fluent.runtime`).

Every `.ftl` file under `bot/locales/<language>/` is loaded. Arguments are HTML-escaped
(messages are sent with parse_mode HTML); wrap a trusted fragment in `Markup` to keep it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle
from fluent.syntax import FluentParser

from bot.config import SUPPORTED_LANGUAGES

LOCALES = Path(__file__).resolve().parent / "locales"


class Markup(str):
    """A string that is already safe HTML."""

    __slots__ = ()


class MissingTranslation(LookupError):
    pass


class Translator:
    def __init__(self, default: str = "ru", path: Path = LOCALES) -> None:
        self.default = default
        self._bundles: dict[str, FluentBundle] = {}
        # Without the source positions of every node (`FluentResource` keeps them): they
        # would only name where a broken entry is, and take half the texts' memory.
        parser = FluentParser(with_spans=False)
        for language in SUPPORTED_LANGUAGES:
            bundle = FluentBundle([language], use_isolating=False)
            for file in sorted((path / language).glob("*.ftl")):
                bundle.add_resource(parser.parse(file.read_text(encoding="utf-8")))
            self._bundles[language] = bundle

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._bundles)

    def _bundle(self, language: str) -> FluentBundle:
        return self._bundles.get(language) or self._bundles[self.default]

    def get(self, language: str, key: str, /, *, plain: bool = False, **args: Any) -> str:
        """The text in `language`. Arguments are HTML-escaped for messages; `plain` leaves
        them as they are, for button labels (Telegram shows those literally)."""
        bundle = self._bundle(language)
        if not bundle.has_message(key):
            raise MissingTranslation(f"{key} ({language})")
        pattern = bundle.get_message(key).value
        if pattern is None:
            raise MissingTranslation(f"{key} ({language}) has no value")
        values = {name: (value if plain else _safe(value)) for name, value in args.items()}
        text, errors = bundle.format_pattern(pattern, values)
        if errors:
            raise MissingTranslation(f"{key} ({language}): {errors[0]}")
        return str(text)

    def for_language(self, language: str) -> Texts:
        return Texts(self, language if language in self._bundles else self.default)


def _safe(value: Any) -> Any:
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, datetime):
        raise TypeError("format dates with bot.formatting before handing them to a text")
    return value


class Texts:
    """Texts in one language; handlers get one as `t`: ``t(message_id, name=...)``."""

    __slots__ = ("language", "translator")

    def __init__(self, translator: Translator, language: str) -> None:
        self.translator = translator
        self.language = language

    def __call__(self, key: str, /, **args: Any) -> str:
        return self.translator.get(self.language, key, **args)

    def plain(self, key: str, /, **args: Any) -> str:
        """A button label: arguments as typed (Telegram shows labels as plain text)."""
        return self.translator.get(self.language, key, plain=True, **args)

    def join(self, keys: Iterable[str], separator: str = ", ") -> str:
        return separator.join(self(key) for key in keys)


def guess_language(language_code: str | None, default: str) -> str:
    """First guess from Telegram's language_code: Russian for the region's languages."""
    if not language_code:
        return default
    code = language_code.lower().split("-")[0]
    if code in SUPPORTED_LANGUAGES:
        return code
    if code in {"uk", "be", "kk", "ky", "uz", "tg", "hy", "ka", "az"}:
        return "ru"
    return "en"
