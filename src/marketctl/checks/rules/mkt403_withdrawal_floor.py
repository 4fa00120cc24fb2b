"""The withdrawal period is below the law's floor, or marked as a right the seller may exclude.

A consumer may withdraw from a distance sale without giving a reason: 14 days under Directive
2011/83/EU, art. 9(1), from 2014-06-13. Each interval of ``withdrawal`` is compared with the floor
in force on its days (``marketctl/reference/data/consumer_law.yaml``). Each interval says which
right it is: ``right: statutory`` (the default; the seller cannot exclude it), ``right: default`` (a
return right the seller may exclude by stating its own policy: Japan's 8 days under 特定商取引法
第15条の3, compared with the law's default return period) or ``right: none`` (no no-reason right for
distance sales, as in Canada: ``days: 0``). Where the law gives the statutory right, an interval may
not say default or none. The older ``statutory: true|false`` means right: statutory or default; it
may not contradict ``right``.

Where the market is right and the reference is not, the interval records a reviewed override
(``override`` with what differs, why, the source that says so and the day it was reviewed); the
finding is then a warning that names the override.

Failing example::

    # markets/se/warranty.yaml
    withdrawal:
      - {days: 7, right: statutory, from: 2014-06-13, source: {...}}

Passing example::

    withdrawal:
      - {days: 14, right: statutory, counted_from: receipt, from: 2014-06-13, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Interval
from marketctl.reference.consumer_law import shortfall, withdrawal_right
from marketctl.repository.markets import Market

CODE = "MKT403"
NAME = "withdrawal-floor"
SEVERITY = Severity.ERROR
OVERRIDABLE = True


def check_market(market: Market) -> Iterator[Finding]:
    country, region = market.market.get("country"), market.market.get("region")
    entries = market.warranty.get("withdrawal")
    if not isinstance(country, str) or not isinstance(entries, list):
        return
    region = region if isinstance(region, str) else None
    law = market.repository.reference.consumer_law
    statutory_floors = law.floor("withdrawal_days", country, region)
    default_floors = law.floor("default_return_days", country, region)
    for index, entry in enumerate(entries):
        span = Interval.of(entry)
        right = withdrawal_right(entry)
        key = "right" if "right" in entry else "statutory"
        legacy = entry.get("statutory")
        if "right" in entry and isinstance(legacy, bool) and legacy != (right == "statutory"):
            yield rule(CODE).finding(
                market.location("warranty", ("withdrawal", index, "statutory")),
                f"withdrawal {span} says right: {right} and statutory: "
                f"{str(legacy).lower()}, which contradict each other",
                "remove statutory: right says which right it is",
            )
            continue
        if right in ("default", "none"):
            given = [f for f in statutory_floors if f.value > 0 and f.interval.overlaps(span)]
            if given:
                written = f"right: {right}" if key == "right" else "statutory: false"
                yield rule(CODE).finding(
                    market.location("warranty", ("withdrawal", index, key)),
                    f"withdrawal {span} is marked {written}, but the law gives the right: "
                    f"{given[0].describe()}",
                    f"write {'right: statutory' if key == 'right' else 'statutory: true'}: "
                    "the seller cannot exclude this right",
                )
                continue
            if right == "none":
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
