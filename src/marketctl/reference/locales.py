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

    ``fr-CA`` → (``fr-CA``, ``fr``); ``en-IN`` → (``en-IN``, ``en-001``, ``en``): CLDR's
    parentLocales data (as Babel ships it), not plain truncation.
    """
    chain = [tag]
    current = to_cldr(tag)
    while True:
        parent = _parent_exceptions().get(current)
        if parent is None:
            if "_" not in current:
                break
            parent = current.rsplit("_", 1)[0]
            if _drops_an_unlikely_script(current, parent):
                break  # CLDR: zh_Hant's parent is root, not zh (which is Simplified)
        if parent == "root":
            break
        chain.append(to_bcp47(parent))
        current = parent
    return tuple(chain)


@cache
def _likely_subtags() -> dict[str, str]:
    from babel.core import get_global

    return dict(get_global("likely_subtags"))


def _drops_an_unlikely_script(identifier: str, parent: str) -> bool:
    """True where truncation removes a script that is not the language's usual one.

    CLDR's parentLocales sends such locales (``zh_Hant``, ``sr_Latn``, ``az_Cyrl``) to root;
    Babel's copy of that table leaves the root entries out, so it is derived here from the
    likely-subtags data instead.
    """
    parts = identifier.split("_")
    if len(parts) != 2 or len(parts[1]) != 4 or parent != parts[0]:
        return False
    likely = _likely_subtags().get(parts[0], "").split("_")
    return len(likely) > 1 and likely[1] != parts[1]
