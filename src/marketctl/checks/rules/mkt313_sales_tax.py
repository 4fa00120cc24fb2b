"""A sales-tax market is written as if it had a national rate, or a state rate looks complete.

In the United States there is no national sales tax: each state (and DC) sets a base rate, and
cities, counties and districts add their own by delivery address. ``system: sales_tax`` says so:

- no national ``rates`` (a national "standard" rate would be a number no order pays);
- each subdivision under ``regions`` has its base rate as the one component ``state`` and says
  ``local_rates: true|false`` (whether local jurisdictions add rates), so services know that the
  base rate alone is not the rate (the runtime refuses ``tax_rate`` for such a market);
- prices are shown before tax (``prices_include_tax`` is left out, or false): the rate depends on
  the delivery address, which a price list does not know.

``local_rates`` belongs to sales tax only. Every taxing subdivision must be present (MKT307, from
pycountry's State and District subdivisions). An error.

Failing example::

    system: sales_tax
    rates:
      standard: [{percent: 6, from: 2026-11-30, source: ...}]
    regions:
      US-TX:
        national: added
        taxes: {state: [...]}       # no local_rates

Passing example::

    system: sales_tax
    regions:
      US-TX:
        national: added
        local_rates: true
        taxes:
          state:
            - percent: 6.25
              from: 2026-11-30
              source: {title: "Texas Comptroller — Local sales tax", url: "https://...", ...}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Market

CODE = "MKT313"
NAME = "sales-tax"
SEVERITY = Severity.ERROR

COMPONENT = "state"


def check_market(market: Market) -> Iterator[Finding]:
    tax = market.tax
    found = tax.get("regions")
    regions: dict[str, Any] = found if isinstance(found, dict) else {}
    if tax.get("system") != "sales_tax":
        for code, region in regions.items():
            if isinstance(region, dict) and "local_rates" in region:
                yield rule(CODE).finding(
                    market.key_location("tax", ("regions", code, "local_rates")),
                    f"regions.{code}.local_rates: only a sales-tax market has local rates "
                    f"(system is {tax.get('system')})",
                    "remove local_rates",
                )
        return
    if "rates" in tax:
        yield rule(CODE).finding(
            market.key_location("tax", ("rates",)),
            "a sales-tax market has no national rate, but rates is written",
            f"remove rates: each state's base rate goes under regions.<code>.taxes.{COMPONENT}",
        )
    prices = tax.get("prices_include_tax")
    if isinstance(prices, dict) and prices.get("value") is True:
        yield rule(CODE).finding(
            market.location("tax", ("prices_include_tax", "value")),
            "prices_include_tax is true, but sales tax depends on the delivery address",
            "remove prices_include_tax (sales-tax prices are shown before tax)",
        )
    for code, region in regions.items():
        if not isinstance(region, dict):
            continue
        if "local_rates" not in region:
            yield rule(CODE).finding(
                market.key_location("tax", ("regions", code)),
                f"regions.{code} does not say whether local jurisdictions add rates",
                "add local_rates: true (cities, counties or districts add their own rates) "
                "or false",
            )
        components = region.get("taxes")
        taxes: dict[str, Any] = components if isinstance(components, dict) else {}
        for name in taxes:
            if name != COMPONENT:
                yield rule(CODE).finding(
                    market.key_location("tax", ("regions", code, "taxes", name)),
                    f"regions.{code}.taxes.{name}: a sales-tax region has one component, "
                    f"{COMPONENT} (the state base rate)",
                    f"rename it to {COMPONENT}; local rates come from a rate provider",
                )
        if COMPONENT not in taxes:
            yield rule(CODE).finding(
                market.key_location("tax", ("regions", code)),
                f"regions.{code} has no state base rate",
                f"add taxes.{COMPONENT}: the state's base rate with its source "
                "(percent: 0 where the state has no sales tax)",
            )
