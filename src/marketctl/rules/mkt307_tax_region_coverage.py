"""A market's regional taxes leave out a subdivision that levies tax, or name one that does not exist.

``regions`` in tax.yaml is keyed by ISO 3166-2 subdivision code. Every key must be a subdivision
of the market's country (pycountry's ISO 3166-2 data). Where the country's subdivisions levy
their own sales tax, every one of them has an entry, even when it levies none (``taxes: {}``),
so that no order in any of them is priced with the wrong tax. Which subdivision types levy tax
is reviewed data (``marketctl/data/tax_law.yaml``): for Canada, provinces and territories, all
13 of them. A market of such a country must declare ``regions``.

Failing example::

    # markets/ca/tax.yaml (no entry for Yukon, and a code that does not exist)
    regions:
      CA-NT: {national: added, taxes: {}, source: {...}}
      CA-NF: {national: replaced, taxes: {hst: [...]}}

Passing example::

    regions:
      CA-NL: {national: replaced, taxes: {hst: [...]}}
      CA-NT: {national: added, taxes: {}, source: {...}}
      CA-YT: {national: added, taxes: {}, source: {...}}
      # ... and the other ten provinces and territories
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

import pycountry

from marketctl.consumer_law import jurisdiction_name, tax_law
from marketctl.diagnostics import Finding, Severity
from marketctl.markets import Market
from marketctl.rules import rule

CODE = "MKT307"
NAME = "tax-region-coverage"
SEVERITY = Severity.ERROR


def subdivisions(country: str) -> dict[str, Any]:
    """The ISO 3166-2 subdivisions of a country, by code."""
    table: Any = pycountry.subdivisions
    return {sub.code: sub for sub in table.get(country_code=country) or ()}


def check_market(market: Market) -> Iterator[Finding]:
    country = market.market.get("country")
    if not isinstance(country, str):
        return
    scope = tax_law().regional_tax_subdivisions.get(country)
    known = subdivisions(country)
    taxing = sorted(
        code for code, sub in known.items() if scope is not None and sub.type in scope.types
    )
    kinds = " and ".join(sorted(f"{t.lower()}s" for t in scope.types)) if scope else ""
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
        if sub is None:
            guess = difflib.get_close_matches(code, list(known), n=1, cutoff=0.5)
            yield rule(CODE).finding(
                market.key_location("tax", ("regions", code)),
                f"{code} is not an ISO 3166-2 subdivision of {jurisdiction_name(country)}",
                f"did you mean '{guess[0]}'?" if guess else
                f"the subdivisions are: {', '.join(sorted(known)) or 'none'}",
            )
        elif scope is not None and sub.type not in scope.types:
            yield rule(CODE).finding(
                market.key_location("tax", ("regions", code)),
                f"{code} ({sub.name}) is a {sub.type.lower()}; only the {kinds} of "
                f"{jurisdiction_name(country)} levy their own sales tax",
                f"remove {code}, or put its tax under the subdivision that levies it",
            )
    for code in taxing:
        if code not in regions:
            sub = known[code]
            yield rule(CODE).finding(
                market.key_location("tax", ("regions",)),
                f"regions has no entry for {code} ({sub.name}, a {sub.type.lower()})",
                f"add {code} with its taxes; where it levies none: "
                f"{code}: {{national: added, taxes: {{}}, source: {{...}}}}",
            )
