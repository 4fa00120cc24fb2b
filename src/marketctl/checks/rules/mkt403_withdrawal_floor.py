"""The withdrawal period is below the law's floor, or marked as a right the seller may exclude.

A consumer may withdraw from a distance sale without giving a reason: 14 days under Directive
2011/83/EU, art. 9(1), from 2014-06-13. Each interval of ``withdrawal`` is compared with the floor
in force on its days (``marketctl/data/consumer_law.yaml``). Where the law gives the right, the
interval must say ``statutory: true`` (the default): the seller cannot exclude it. A right the
seller may exclude (``statutory: false``, Japan's 8-day return right under 特定商取引法
第15条の3) is compared with the law's default return period instead.

Failing example::

    # markets/se/warranty.yaml
    withdrawal:
      - {days: 7, statutory: true, from: 2014-06-13, source: {...}}

Passing example::

    withdrawal:
      - {days: 14, statutory: true, from: 2014-06-13, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Interval
from marketctl.reference.consumer_law import consumer_law, shortfall
from marketctl.repository.markets import Market

CODE = "MKT403"
NAME = "withdrawal-floor"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    country, region = market.market.get("country"), market.market.get("region")
    entries = market.warranty.get("withdrawal")
    if not isinstance(country, str) or not isinstance(entries, list):
        return
    region = region if isinstance(region, str) else None
    law = consumer_law()
    statutory_floors = law.floor("withdrawal_days", country, region)
    default_floors = law.floor("default_return_days", country, region)
    for index, entry in enumerate(entries):
        span = Interval.of(entry)
        if entry.get("statutory", True) is False:
            given = [f for f in statutory_floors if f.value > 0 and f.interval.overlaps(span)]
            if given:
                yield rule(CODE).finding(
                    market.location("warranty", ("withdrawal", index, "statutory")),
                    f"withdrawal {span} is marked statutory: false, but the law gives the right: "
                    f"{given[0].describe()}",
                    "write statutory: true: the seller cannot exclude this right",
                )
                continue
            floors = default_floors
        else:
            floors = statutory_floors
        days = entry.get("days")
        floor = shortfall(days, span, floors) if isinstance(days, int) else None
        if floor is not None:
            yield rule(CODE).finding(
                market.location("warranty", ("withdrawal", index, "days")),
                f"withdrawal period of {days} days {span} is below {floor.describe()}",
                floor.fix("days", span),
            )
