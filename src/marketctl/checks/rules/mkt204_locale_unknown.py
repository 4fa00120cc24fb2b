"""A locale that CLDR does not have.

Every locale in ``locales`` is formatted with CLDR's data: bundles carry its number formats,
currency symbols and plural rules, and messages fall back along its CLDR parents. A tag CLDR does
not know has none of that. The check is Babel's: ``babel.Locale.parse(tag, sep="-")``, which
fills in the script from CLDR's likely subtags (``zh-TW`` is ``zh_Hant_TW``), then
``babel.localedata.exists`` for the result. A well-formed tag is not enough: CLDR has ``fr-CA``
and ``en-SE`` but no ``fr-JP``.

The hint suggests the language with the market's country when CLDR has that locale, else the
language alone; for a language CLDR does not know, the country's CLDR locale that looks most
alike, else any CLDR locale that does.

Failing example::

    # markets/jp/market.yaml
    locales: [ja-JP, fr-JP]     # CLDR has no fr-JP

Passing example::

    locales: [ja-JP, fr]
"""

from __future__ import annotations

from collections.abc import Iterator

from babel.core import get_cldr_version

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.territories import closest, iso_country, locale_tags, parse_locale
from marketctl.repository.markets import Market

CODE = "MKT204"
NAME = "locale-unknown"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    locales = market.market.get("locales")
    if not isinstance(locales, list):
        return
    country = iso_country(market.market.get("country"))
    for index, tag in enumerate(locales):
        if not isinstance(tag, str) or parse_locale(tag) is not None:
            continue
        suggestions = _suggestions(tag, country)
        yield rule(CODE).finding(
            market.location("market", ("locales", index)),
            f"locale '{tag}' is not in CLDR (version {get_cldr_version()}), so it has no "
            "number, currency or plural data",
            "did you mean " + " or ".join(f"'{s}'" for s in suggestions) + "?"
            if suggestions
            else "use a BCP 47 tag CLDR has, such as sv-SE or fr-CA",
        )


def _suggestions(tag: str, country: str | None) -> list[str]:
    language = tag.split("-", 1)[0]
    if parse_locale(language) is not None:
        if country is not None and parse_locale(f"{language}-{country}") is not None:
            return [f"{language}-{country}"]
        return [language]
    own = [t for t in locale_tags() if country is not None and t.endswith(f"-{country}")]
    return closest(tag, own) or closest(tag, locale_tags())
