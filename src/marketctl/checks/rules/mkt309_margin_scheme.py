"""A market claims a second-hand margin scheme that its law does not have.

Under a margin scheme a dealer in second-hand goods pays VAT on its margin (selling price minus
purchase price) instead of on the whole price. The EU has one (Directive 2006/112/EC, art.
311–325, before 2007 the Sixth Directive's art. 26a, from 1995-01-01), and so has the UK; Japan
and Canada tax the whole price. ``margin_scheme.available: true`` where the law has none, or on
days before it existed, would under-charge tax on every refurbished device. The law is reviewed
data in ``marketctl/reference/data/tax_law.yaml``; the market's claim covers its ``from`` to
``until``, or from today when it has no ``from``. ``available: false`` is always allowed (a dealer
may opt for normal taxation, art. 316).

Where the market is right and the reference is not, ``margin_scheme`` records a reviewed override
(``override`` with what differs, why, the source that says so and the day it was reviewed); the
finding is then a warning that names the override.

Failing example::

    # markets/jp/tax.yaml
    margin_scheme:
      available: true
      source: {...}

Passing example::

    # markets/_regions/eu/tax.yaml
    margin_scheme:
      available: true
      from: 2007-01-01
      source: {...}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import ONE_DAY, first_uncovered, stated_interval
from marketctl.reference.consumer_law import jurisdiction_name
from marketctl.repository.markets import Market

CODE = "MKT309"
NAME = "margin-scheme"
SEVERITY = Severity.ERROR
OVERRIDABLE = True


def check_market(market: Market) -> Iterator[Finding]:
    country, region = market.market.get("country"), market.market.get("region")
    scheme = market.tax.get("margin_scheme")
    if not isinstance(country, str) or not isinstance(scheme, dict):
        return
    if scheme.get("available") is not True:
        return
    span = stated_interval(scheme, today())
    law = market.repository.reference.tax_law.margin_schemes(
        country, region if isinstance(region, str) else None
    )
    available = [requirement for requirement in law if requirement.value]
    if not available:
        yield rule(CODE).finding(
            market.location("tax", ("margin_scheme", "available")),
            f"the law of {jurisdiction_name(country)} has no margin scheme for second-hand goods: "
            "tax is due on the whole price",
            "set available: false; if the law has changed, ask for "
            "marketctl/reference/data/tax_law.yaml "
            "to be updated, with the source",
        )
        return
    missing = first_uncovered(span, (requirement.interval for requirement in available))
    if missing is None:
        return
    if missing == span.start:
        key = "from" if "from" in scheme else "available"
        starts = [r.interval.start for r in available if r.interval.start > missing]
        hint = (
            f"write from: {min(starts)}, the day the law introduced it"
            if starts
            else ("start the margin scheme on a day the law has one")
        )
    else:
        key = "until" if "until" in scheme else "available"
        hint = f"end it with until: {missing - ONE_DAY}, the last day the law had one"
    periods = ", ".join(str(requirement.interval) for requirement in available)
    yield rule(CODE).finding(
        market.location("tax", ("margin_scheme", key)),
        f"margin_scheme is available {span}, but {jurisdiction_name(available[0].jurisdiction)} "
        f"has no margin scheme on {missing} (it has one {periods}; "
        f"{available[0].source})",
        hint,
    )
