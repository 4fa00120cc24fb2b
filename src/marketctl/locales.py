"""Locale tags and their CLDR fallback chains."""

from __future__ import annotations

from functools import cache

SOURCE_LOCALE = "en"


def to_cldr(tag: str) -> str:
    """BCP 47 (``fr-CA``) to CLDR/Babel identifiers (``fr_CA``)."""
    return tag.replace("-", "_")


def to_bcp47(identifier: str) -> str:
    return identifier.replace("_", "-")


@cache
def _parent_exceptions() -> dict[str, str]:
    from babel.core import get_global

    return dict(get_global("parent_exceptions"))


def fallback_chain(tag: str) -> tuple[str, ...]:
    """The tag and its CLDR parents, most specific first, without ``root``.

    ``fr-CA`` → (``fr-CA``, ``fr``); ``en-CA`` → (``en-CA``, ``en-001``, ``en``): CLDR's
    parentLocales data, not plain truncation.
    """
    chain = [tag]
    current = to_cldr(tag)
    while True:
        parent = _parent_exceptions().get(current)
        if parent is None:
            if "_" not in current:
                break
            parent = current.rsplit("_", 1)[0]
        if parent == "root":
            break
        chain.append(to_bcp47(parent))
        current = parent
    return tuple(chain)
