"""CLDR data for bundles, extracted from Babel at compile time.

A service formats prices and messages with :mod:`marketctl.runtime` from plain JSON data and
never opens Babel's locale database; this module is where that data comes from. Everything
returned is JSON as it is (str, int, list, dict; no Decimal, no tuple), built in sorted key
order so that a bundle serialises the same way every time.

The number data is the ``latn`` numbering system's (the default of Babel's formatting
functions, ``numbering_system="latn"``), also for locales whose CLDR default is another one
(``ar-EG`` defaults to ``arab`` digits); the runtime produces what Babel produces.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import get_cldr_version
from babel.numbers import (
    UnknownCurrencyError,
    get_currency_precision,
    get_currency_symbol,
    validate_currency,
)
from babel.plural import PluralRule

from marketctl.core.errors import MarketctlError

__all__ = [
    "NUMBERING_SYSTEM",
    "CldrDataError",
    "currency_data",
    "grouping_data_version",
    "locale_data",
    "minimum_grouping_digits",
    "plural_rules_of",
]

NUMBERING_SYSTEM = "latn"

# CLDR's plural categories in CLDR's order (UTS #35, Part 3, "Language Plural Rules").
_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


class CldrDataError(MarketctlError):
    """A locale or currency Babel's CLDR data does not have."""


def _locale(tag: str) -> Locale:
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError) as error:
        raise CldrDataError(
            f"no CLDR data for locale {tag!r}: {error}",
            hint="Use a BCP 47 tag that CLDR knows, such as sv-SE or fr-CA.",
        ) from None


def _plurals(rule: PluralRule) -> dict[str, Any]:
    # Babel renders the rules in its own (pre-CLDR 24, "in"/"is") syntax; the runtime parses
    # them back with babel.plural.PluralRule, which reads both syntaxes.
    rules = {category: str(text) for category, text in sorted(rule.rules.items())}
    # PluralRule.tags leaves out the implicit "other", which every locale has.
    present = set(rule.tags) | {"other"}
    return {
        "categories": [c for c in _CATEGORIES if c in present],
        "rules": rules,
    }


def locale_data(tag: str) -> dict[str, Any]:
    """Number formats and plural rules of a BCP 47 locale, as plain JSON data.

    >>> locale_data("sv-SE")["patterns"]["currency"]
    '#,##0.00\\xa0¤'
    """
    locale = _locale(tag)
    symbols = locale.number_symbols.get(NUMBERING_SYSTEM)
    if symbols is None:  # pragma: no cover - every CLDR locale has latn symbols today
        raise CldrDataError(f"CLDR has no {NUMBERING_SYSTEM} number symbols for {tag!r}")
    return {
        "cldr_locale": str(locale),
        "cldr_version": get_cldr_version(),
        "minimum_grouping_digits": minimum_grouping_digits(str(locale)),
        "numbering_system": NUMBERING_SYSTEM,
        "patterns": {
            # The default-length ("None") decimal and percent formats, and the standard,
            # not accounting, currency format: what format_decimal / format_percent /
            # format_currency use.
            "currency": locale.currency_formats["standard"].pattern,
            "decimal": locale.decimal_formats[None].pattern,
            "percent": locale.percent_formats[None].pattern,
        },
        "plurals": {
            "cardinal": _plurals(locale.plural_form),
            "ordinal": _plurals(locale.ordinal_form),
        },
        # CLDR <symbols numberSystem="latn"> element names: decimal, group, minusSign,
        # plusSign, percentSign, perMille, exponential, infinity, nan, ...
        "symbols": {name: str(value) for name, value in sorted(symbols.items())},
        "tag": tag,
    }


def currency_data(code: str, tags: Iterable[str]) -> dict[str, Any]:
    """ISO 4217 digits of a currency and its symbol in each of the given locales.

    ``digits`` is CLDR's ``supplementalData`` ``currencyData/fractions`` ``digits`` (JPY 0,
    SEK 2, KWD 3), not the cash digits. A locale without a symbol of its own gets the ISO
    code, as with Babel's ``get_currency_symbol``. CLDR's narrow symbols (``alt="narrow"``)
    are not in Babel's data, so there are none here.
    """
    try:
        validate_currency(code)
    except UnknownCurrencyError:
        raise CldrDataError(
            f"unknown currency {code!r}",
            hint="Use an ISO 4217 code in upper case, such as SEK.",
        ) from None
    return {
        "code": code,
        "digits": get_currency_precision(code),
        "symbols": {tag: get_currency_symbol(code, _locale(tag)) for tag in sorted(set(tags))},
    }


@cache
def _grouping_table() -> dict[str, Any]:
    """``data/cldr_minimum_grouping.json``: CLDR's ``minimumGroupingDigits`` of every locale,
    with the CLDR release it was read from (``scripts/cldr_grouping.py`` writes it)."""
    path = resources.files("marketctl.reference") / "data" / "cldr_minimum_grouping.json"
    table: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return table


def grouping_data_version() -> str:
    """The CLDR release the minimum grouping digits come from (``48.2.0``)."""
    return str(_grouping_table()["cldr_version"])


@cache
def minimum_grouping_digits(name: str) -> int:
    """CLDR's ``minimumGroupingDigits`` of a Babel locale name (``es``, ``pt_PT``, ``sv_SE``).

    UTS #35, Part 3, "Number Symbols": a grouping separator is shown only when the integer
    part has at least this many digits more than the primary group (2 in ``es``, ``it``,
    ``pt-PT`` and ``pl``: ``1299,50 €`` but ``12.999,50 €``). Babel does not expose the value;
    it comes from CLDR's own JSON release (:func:`grouping_data_version`). A default-content
    locale (``sv_SE``) has no entry of its own and takes its parent's; root's value is 1.
    """
    locales: dict[str, int] = _grouping_table()["locales"]
    for ancestor in _inheritance(name):
        value = locales.get(ancestor.replace("_", "-"))
        if value is not None:
            return value
    return 1


@cache
def plural_rules_of(tag: str, ordinal: bool = False) -> dict[str, str] | None:
    """CLDR's plural rules of a BCP 47 locale (category -> condition; ``other`` has none), or
    None where CLDR does not know the locale: ``Locale.plural_form``'s answer.

    Babel finds them by loading the locale's whole data, merged with every locale it inherits
    from (a fifth of a second for a dozen locales, all of it unused by validate). The rules are
    read here from the nearest of those locales' own data files that has them, walking the
    inheritance as ``babel.localedata.load`` does (tests/test_cldr.py compares the two)."""
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return None
    for name in _inheritance(str(locale)):
        rules = _own_rules(name)[1 if ordinal else 0]
        if rules is not None:
            return rules
    return {}


def _inheritance(name: str) -> list[str]:
    """The locale and the locales it inherits from, nearest first, root last."""
    from babel import localedata
    from babel.core import get_global

    exceptions = get_global("parent_exceptions")
    non_likely = getattr(localedata, "_is_non_likely_script", lambda name: False)
    chain = [name]
    while name != "root":
        parent = exceptions.get(name)
        if not parent:
            parts = name.split("_")
            parent = "root" if len(parts) == 1 or non_likely(name) else "_".join(parts[:-1])
        chain.append(parent)
        name = parent
    return chain


@cache
def _own_rules(name: str) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """The cardinal and ordinal rules one locale's own data file gives (None: it gives none),
    read without merging and without keeping the rest of the file (about 1 MB per locale).
    Babel's cache is left alone: a file loaded unmerged through ``babel.localedata.load``
    would be served unmerged to everyone after."""
    from babel import localedata

    with open(localedata.resolve_locale_filename(name), "rb") as handle:
        data: dict[str, Any] = pickle.load(handle)  # Babel's own data files
    cardinal, ordinal = data.get("plural_form"), data.get("ordinal_form")
    return (
        None if cardinal is None else dict(cardinal.rules),
        None if ordinal is None else dict(ordinal.rules),
    )
