"""Which of a market's locales a caller means.

A market's locales are full BCP 47 tags (``ja-JP``, ``fr-CA``). A caller may name one of them
exactly, or, ignoring case and with ``_`` for ``-``, any tag that leads to exactly one of them:

- a shorter form of it (``ja`` → ``ja-JP``, ``zh-Hant`` → ``zh-Hant-TW``);
- a CLDR parent on its message fallback chain with the same language (``en-001`` → ``en-CA``
  when the bundle's chain for ``en-CA`` has it). The source locale that every chain ends with
  (``en``) counts only for locales of that language: ``en`` is not Japanese.

A tag that leads to several locales (``fr`` in a market with ``fr-CA`` and ``fr-BE``) is
refused with the candidates, as is a tag that leads to none: guessing would show a customer
the wrong language or the wrong number format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from marketctl.runtime.errors import UnknownLocaleError

__all__ = ["LocaleMatcher"]


def _normal(tag: str) -> str:
    return tag.replace("_", "-").lower()


def _language(tag: str) -> str:
    return _normal(tag).split("-", 1)[0]


def _shorter_forms(tag: str) -> list[str]:
    subtags = tag.split("-")
    return ["-".join(subtags[:n]) for n in range(1, len(subtags))]


class LocaleMatcher:
    """Resolves a caller's locale argument to one of the market's tags."""

    __slots__ = ("_ambiguous", "_lookup", "_market", "default", "locales")

    def __init__(
        self,
        market: str,
        locales: Sequence[str],
        default: str,
        chains: Mapping[str, Sequence[str]],
    ) -> None:
        self._market = market
        self.locales = tuple(locales)
        self.default = default
        # Exact tags as written (the fast path), then the normalized forms.
        lookup: dict[str, str] = {tag: tag for tag in self.locales}
        exact = {_normal(tag): tag for tag in self.locales}
        leads_to: dict[str, set[str]] = {}
        for tag in self.locales:
            language = _language(tag)
            names = set(_shorter_forms(tag))
            names.update(name for name in chains.get(tag, ()) if _language(name) == language)
            for name in names:
                leads_to.setdefault(_normal(name), set()).add(tag)
        self._ambiguous: dict[str, tuple[str, ...]] = {}
        for name, tags in leads_to.items():
            if name in exact:
                continue
            if len(tags) == 1:
                lookup[name] = next(iter(tags))
            else:
                self._ambiguous[name] = tuple(sorted(tags))
        lookup.update(exact)
        self._lookup = lookup

    def resolve(self, locale: str | None) -> str:
        """The market's tag for ``locale``; the default locale for ``None``."""
        if locale is None:
            return self.default
        found = self._lookup.get(locale)
        if found is not None:
            return found
        if not isinstance(locale, str):
            raise TypeError(f"locale must be a str, not {type(locale).__name__}")
        found = self._lookup.get(_normal(locale))
        if found is not None:
            return found
        choices = self._ambiguous.get(_normal(locale))
        if choices is not None:
            raise UnknownLocaleError(
                self._market,
                locale,
                f"has several locales for '{locale}': {', '.join(choices)}; name one of them",
            )
        raise UnknownLocaleError(
            self._market,
            locale,
            f"has no locale '{locale}' (locales: {', '.join(self.locales)})",
        )
