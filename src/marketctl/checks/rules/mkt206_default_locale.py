"""The default locale is not the market's main language (a warning).

The first entry of ``locales`` is the default: what a visitor without a language preference sees,
and the locale prices are formatted in when nothing else is known. It should be in the country's
main language among the ones the market offers. "Main" is read from CLDR's ``territoryInfo``
(``babel.core.get_global("territory_languages")``): a language that is official or de facto
official in the whole country ranks above one that is not (regional status does not count), and
among equals the larger population share ranks higher. The rule warns when a later locale's
language ranks above the first one's: in Canada English (official, 87 %) above French
(official, 29 %); in Sweden Swedish (official, 95 %) above English (86 %, not official);
in Belgium Dutch (official, 55 %) above French (official, 38 %).

Locales of the same language tie (``en-CA`` and ``en``); locales CLDR lacks are left to MKT204.
Whether each locale belongs to the country at all is MKT205's question. A market that defaults
to another language on purpose (a Quebec-first launch) says so with
``# marketctl: ignore[MKT206]`` on the line of its first locale.

Failing example::

    # markets/ca/market.yaml
    locales: [fr-CA, en-CA]     # en ranks higher in CA per CLDR

Passing example::

    locales: [en-CA, fr-CA]
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.territories import (
    LanguageUse,
    iso_country,
    language_use,
    parse_locale,
    territory_languages,
)
from marketctl.repository.markets import Market

CODE = "MKT206"
NAME = "default-locale"
SEVERITY = Severity.WARNING


def _rank(use: LanguageUse | None) -> tuple[bool, float]:
    return (use.official, use.population_percent) if use is not None else (False, 0.0)


def _describe(use: LanguageUse | None, language: str) -> str:
    if use is None:
        return f"{language} (not listed)"
    status = "official" if use.official else "not official"
    return f"{language} ({status}, {use.population_percent:g} %)"


def check_market(market: Market) -> Iterator[Finding]:
    locales = market.market.get("locales")
    country = iso_country(market.market.get("country"))
    if not isinstance(locales, list) or len(locales) < 2 or country is None:
        return
    if not territory_languages(country):
        return  # CLDR has no language data for the territory
    parsed = [parse_locale(tag) if isinstance(tag, str) else None for tag in locales]
    first = parsed[0]
    if first is None:
        return  # MKT204
    first_use = language_use(first, country)
    best_use, best = first_use, first
    for locale in parsed[1:]:
        if locale is None:
            continue
        use = language_use(locale, country)
        if _rank(use) > _rank(best_use):
            best_use, best = use, locale
    if best is first:
        return
    yield rule(CODE).finding(
        market.location("market", ("locales", 0)),
        f"default locale {first.tag} is not in {country}'s main language among the market's "
        f"locales: per CLDR {_describe(best_use, best.language)} ranks above "
        f"{_describe(first_use, first.language)}",
        f"list '{best.tag}' first, or add `# marketctl: ignore[{CODE}]` on this line if "
        f"{first.language} is the deliberate default",
    )
