"""Regional taxes leave out a subdivision that levies its own tax.

``regions`` in tax.yaml is keyed by ISO 3166-2 subdivision code. Where a country's subdivisions
levy their own sales tax, every one of them has an entry, even when it levies none
(``taxes: {}``), so that no order in any of them is priced with the wrong tax; a subdivision of a
type that levies none has no entry. The subdivisions come from pycountry's ISO 3166-2 data of
the market's country, filtered to the types that levy tax, which are reviewed data
(``marketctl/reference/data/tax_law.yaml``): for Canada, provinces and territories, all 13 of them.
A market of such a country must declare ``regions``. A key that is not a subdivision of the country
at all is MKT208 (subdivision-code).

Failing example::

    # markets/ca/tax.yaml (no entry for Yukon)
    regions:
      CA-NT: {national: added, taxes: {}, source: {...}}
      CA-NU: {national: added, taxes: {}, source: {...}}

Passing example::

    regions:
      CA-NT: {national: added, taxes: {}, source: {...}}
      CA-NU: {national: added, taxes: {}, source: {...}}
      CA-YT: {national: added, taxes: {}, source: {...}}
      # ... and the other ten provinces and territories
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.consumer_law import jurisdiction_name
from marketctl.reference.territories import Subdivision, subdivisions_of
from marketctl.repository.markets import Market

CODE = "MKT307"
NAME = "tax-region-coverage"
SEVERITY = Severity.ERROR


def subdivisions(country: str) -> dict[str, Subdivision]:
    """The ISO 3166-2 subdivisions of a country, by code."""
    return {sub.code: sub for sub in subdivisions_of(country)}


def plural(kind: str) -> str:
    """``Province`` → ``provinces``, ``Territory`` → ``territories``."""
    word = kind.lower()
    return word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"


def with_article(kind: str) -> str:
    word = kind.lower()
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def check_market(market: Market) -> Iterator[Finding]:
    country = market.market.get("country")
    if not isinstance(country, str):
        return
    scope = market.repository.reference.tax_law.regional_tax_subdivisions.get(country)
    known = subdivisions(country)
    taxing = sorted(
        code for code, sub in known.items() if scope is not None and sub.type in scope.types
    )
    kinds = " and ".join(sorted(plural(t) for t in scope.types)) if scope else ""
    regions = market.tax.get("regions")
    if not isinstance(regions, dict):
        if taxing:
            yield rule(CODE).finding(
                market.location("tax", ("regions",)),
                f"the {kinds} of {jurisdiction_name(country)} levy their own sales tax, but "
                "tax.yaml has no regions",
                f"add regions: with an entry for each of the {len(taxing)}: {', '.join(taxing)}",
            )
        return
    for code in regions:
        sub = known.get(code)
        # A code that is no subdivision of the country is MKT208's (subdivision-code) finding.
        if sub is not None and scope is not None and sub.type not in scope.types:
            yield rule(CODE).finding(
                market.key_location("tax", ("regions", code)),
                f"{code} ({sub.name}) is {with_article(sub.type)}; only the {kinds} of "
                f"{jurisdiction_name(country)} levy their own sales tax",
                f"remove {code}, or put its tax under the subdivision that levies it",
            )
    for code in taxing:
        if code not in regions:
            sub = known[code]
            yield rule(CODE).finding(
                market.key_location("tax", ("regions",)),
                f"regions has no entry for {code} ({sub.name}, {with_article(sub.type)})",
                f"add {code} with its taxes; where it levies none: "
                f"{code}: {{national: added, taxes: {{}}, source: {{...}}}}",
            )
