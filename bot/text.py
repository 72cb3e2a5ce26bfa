"""Typed input made safe to keep and to show (pure)."""

from __future__ import annotations

import html
import re
import unicodedata

KEPT_CONTROLS = frozenset("\n\t")


def without_controls(text: str) -> str:
    """Control characters (U+0000 and the like) removed; line breaks and tabs kept."""
    return "".join(
        char for char in text if char in KEPT_CONTROLS or unicodedata.category(char) != "Cc"
    )


def has_controls(text: str) -> bool:
    return any(char not in KEPT_CONTROLS and unicodedata.category(char) == "Cc" for char in text)


def visible_name(text: str) -> str | None:
    """A name as others will read it: invisible formatting (zero-width spaces, direction
    marks and overrides) and controls removed, spaces folded; None unless at least one
    letter is left."""
    kept = "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf"))
    name = " ".join(kept.split())
    if not any(unicodedata.category(char).startswith("L") for char in name):
        return None
    return name


TAG = re.compile(r"<[^>]+>")


def without_tags(html_text: str) -> str:
    """A message's HTML as plain text (tags dropped, entities read back): for a page that
    shows the chat's words as text."""
    return html.unescape(TAG.sub("", html_text))
