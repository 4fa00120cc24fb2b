"""Prices are shown without tax where the law requires tax-inclusive prices.

Where the law says the price shown to a consumer is the final price including tax, a market must set
``prices_include_tax.value: true``: services format and compute prices from it. The law is reviewed
data in ``marketctl/reference/data/tax_law.yaml``, by date: the EU (Directive 98/6/EC, art. 2(a) and
3(1), from 2000-03-18), the UK (Price Marking Order 2004) and Japan (消費税法 第63条, 総額表示,
suspended from 2013-10-01 to 2021-03-31). The market's value is compared with the law in force on
the days it speaks for: its ``from`` to ``until``, or from today when it has no ``from``. Showing
tax-inclusive prices where the law does not require it (Canada) is always allowed.

Where the market is right and the reference is not, ``prices_include_tax`` records a reviewed
override (``override`` with what differs, why, the source that says so and the day it was
reviewed); the finding is then a warning that names the override.

Failing example::

    # markets/jp/tax.yaml
    prices_include_tax:
      value: false
      from: 2021-04-01
      source: {...}

Passing example::

    prices_include_tax:
      value: true
      from: 2021-04-01
      source: {...}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import stated_interval
from marketctl.reference.consumer_law import jurisdiction_name
from marketctl.repository.markets import Market

CODE = "MKT308"
NAME = "tax-inclusive-display"
SEVERITY = Severity.ERROR
OVERRIDABLE = True


def check_market(market: Market) -> Iterator[Finding]:
    country, region = market.market.get("country"), market.market.get("region")
    shown = market.tax.get("prices_include_tax")
    if not isinstance(country, str) or not isinstance(shown, dict):
        return
    if shown.get("value") is not False:
        return  # showing tax-inclusive prices is allowed everywhere
    span = stated_interval(shown, today())
    law = market.repository.reference.tax_law.inclusive_prices(
        country, region if isinstance(region, str) else None
    )
    for requirement in law:
        if requirement.value and requirement.interval.overlaps(span):
            yield rule(CODE).finding(
                market.location("tax", ("prices_include_tax", "value")),
                f"prices_include_tax is false {span}, but the law of "
                f"{jurisdiction_name(requirement.jurisdiction)} requires prices shown to "
                f"consumers to include tax {requirement.interval} ({requirement.source})",
                "set value: true and show every price to consumers with tax included",
            )
            return
