"""A locale that is not one of the market's country (a warning).

A locale sets how a market writes numbers, prices and dates, and which language it speaks. Two
things are checked for every locale CLDR has (MKT204 reports the others):

- its region, when it has one, is the market's country: ``fr-FR`` in Canada formats numbers,
  prices and dates the way France does, where ``fr-CA`` is what Quebec expects. The hint
  suggests ``<language>-<country>`` when CLDR has it.
- its language is used in the country per CLDR's ``territoryInfo`` (``babel.core.get_global(
  "territory_languages")``): it is official there in some capacity (official, de facto
  official, or official in a region, like Inuktitut in Canada), or at least
  ``MIN_POPULATION_PERCENT`` % of the population speak it (English in Sweden: 86 %). The
  official list alone (``babel.languages.get_official_languages(territory, de_facto=True)``)
  would flag English in Sweden or the Netherlands, which CLDR itself has locales for; every
  listed language, however small, would let Swedish in Japan pass. A language CLDR lists with a
  smaller share is reported with that share, so a deliberate choice is easy to confirm and
  silence with ``# marketctl: ignore[MKT205]``.

A locale without a region (``fr``) is only checked for its language. Regions that are not
countries (``en-001``, ``es-419``) are reported like another country's.

Failing example::

    # markets/ca/market.yaml
    country: CA
    locales: [en-CA, fr-FR]     # France's French: did you mean 'fr-CA'?
    # markets/jp/market.yaml
    locales: [ja-JP, sv-SE]     # Swedish is not a language of Japan

Passing example::

    country: CA
    locales: [en-CA, fr-CA]
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.territories import (
    LanguageUse,
    LocaleTag,
    country_name,
    iso_country,
    language_use,
    parse_locale,
    territory_languages,
)
from marketctl.repository.markets import Market

CODE = "MKT205"
NAME = "locale-territory"
SEVERITY = Severity.WARNING

# The share of a territory's population (CLDR languagePopulation/populationPercent) from which a
# language without official status counts as used there: a judgement, not CLDR data. English in
# Sweden (86 %, not official) passes; Japanese in Canada (0.27 %) does not.
MIN_POPULATION_PERCENT = 5.0


def is_used(use: LanguageUse | None) -> bool:
    return use is not None and (
        use.official_status is not None or use.population_percent >= MIN_POPULATION_PERCENT
    )


def check_market(market: Market) -> Iterator[Finding]:
    locales = market.market.get("locales")
    country = iso_country(market.market.get("country"))
    if not isinstance(locales, list) or country is None or not territory_languages(country):
        return
    for index, tag in enumerate(locales):
        locale = parse_locale(tag) if isinstance(tag, str) else None
        if locale is None:
            continue  # MKT204
        problems: list[str] = []
        if locale.territory is not None and locale.territory != country:
            name = country_name(locale.territory)
            place = f"{locale.territory} ({name})" if name else f"region {locale.territory}"
            problems.append(f"is for {place}, not {country}")
        use = language_use(locale, country)
        if not is_used(use):
            problems.append(_language_problem(locale.language, country, use))
        if problems:
            yield rule(CODE).finding(
                market.location("market", ("locales", index)),
                f"locale {tag} " + ", and ".join(problems),
                _hint(locale, country, is_used(use)),
            )


def _language_problem(language: str, country: str, use: LanguageUse | None) -> str:
    if use is None:
        return f"is in {language}, which CLDR does not list among the languages of {country}"
    return (
        f"is in {language}, which is not official in {country} and spoken by "
        f"{use.population_percent:g} % of its people per CLDR (less than "
        f"{MIN_POPULATION_PERCENT:g} %)"
    )


def _hint(locale: LocaleTag, country: str, used: bool) -> str:
    if used:
        for candidate in (f"{locale.language}-{country}", locale.language):
            if candidate != locale.tag and parse_locale(candidate) is not None:
                return f"did you mean '{candidate}'?"
        return f"CLDR has no {locale.language} locale for {country}; check the tag"
    ranked = sorted(
        territory_languages(country).values(),
        key=lambda use: (use.official, use.population_percent),
        reverse=True,
    )
    for use in ranked:
        candidate = f"{use.language.replace('_', '-')}-{country}"
        if parse_locale(candidate) is not None:
            return (
                f"did you mean '{candidate}'? ({use.language} is spoken by "
                f"{use.population_percent:g} % in {country} per CLDR); if the language is "
                f"deliberate, add `# marketctl: ignore[{CODE}]` on this line"
            )
    return f"if the language is deliberate, add `# marketctl: ignore[{CODE}]` on this line"
