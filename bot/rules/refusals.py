"""A use case's refusal, and the words it is told in (pure).

A use case that says no raises a `Refused`: its `key` names a text of the locale files
(`bot/locales/*/*.ftl`) and `values` fills it in. The handlers do not turn refusals into
sentences: `handlers.shared.refusals` tells any refusal to the person, in their language,
as an alert under a button or a message. A subclass says which refusal it is, for the code
that must tell them apart; its `key` is what the person reads unless the raise site says
otherwise.

The same refusal may read differently in another use case (a request "closed" for the
therapist who answers it, a time "taken" for a client who asks for it): the use case that
knows its reader words it with `told`."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, Self, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Refused(Exception):
    """Something a person asked for that cannot be done, and the text that says why."""

    key: str = "stale-button-short"

    def __init__(self, key: str | None = None, /, **values: Any) -> None:
        if key is not None:
            self.key = key
        self.values: dict[str, Any] = values
        super().__init__(self.key)

    def saying(self, key: str, /, **values: Any) -> Self:
        """The same refusal in other words (for a reader who needs them)."""
        self.key = key
        if values:
            self.values = values
        self.args = (key,)
        return self


class told:  # lower case: read as a phrase, `with told(...)`, `@told(...)`
    """Refusals raised inside are told as the first (kind, key) they are one of; a key of
    None keeps the refusal's own words, as does a kind not listed. Around a block
    (`with told(...)`) or a whole use case (`@told(...)` on its async function)."""

    def __init__(self, *words: tuple[type[Refused], str | None]) -> None:
        self.words = words

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, refusal: BaseException | None, trace: object) -> None:
        if isinstance(refusal, Refused):
            for cls, key in self.words:
                if isinstance(refusal, cls):
                    if key is not None:
                        refusal.saying(key)
                    break

    def __call__(self, use_case: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(use_case)
        async def worded(*args: P.args, **kwargs: P.kwargs) -> T:
            with self:
                return await use_case(*args, **kwargs)

        return worded
