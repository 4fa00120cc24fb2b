"""A rollout percentage has more than 3 decimals, or is not a number.

A share is written in percent with at most 3 decimals: 0.001 % is one unit in 100,000, finer
than any rollout needs, and every share then has an exact, small pair of flagd weights (12.345 %
is 2469 in 20,000). The number of decimals is that of the value, so `12.50` counts as one
decimal. The JSON Schema checks the range 0 to 100, but lets YAML's `.nan` through: it is
reported here, as it is no share at all. The finding is at the `percent`.

Failing example::

    features:
      carbon_savings_label:
        - {at: 2026-04-07T09:00, percent: 0.0005}     # 4 decimals
        - {at: 2026-05-04T09:00, percent: .nan}

Passing example::

    features:
      carbon_savings_label:
        - {at: 2026-04-07T09:00, percent: 0.5}
        - {at: 2026-05-04T09:00, percent: 12.345}
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.schedule import MAX_PERCENT_DECIMALS, percent_decimals
from marketctl.repository.markets import Market

CODE = "MKT604"
NAME = "rollout-percent-precision"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    for feature, steps in (market.rollout.get("features") or {}).items():
        for index, step in enumerate(steps):
            value = step["percent"]
            path = ("features", feature, index, "percent")
            if not isinstance(value, int | Decimal) or not Decimal(value).is_finite():
                yield rule(CODE).finding(
                    market.location("rollout", path),
                    f"{feature}: percent at {step['at']} is not a number ({value})",
                    "write the share in percent, from 0 to 100, like 12.5",
                )
            elif percent_decimals(value) > MAX_PERCENT_DECIMALS:
                yield rule(CODE).finding(
                    market.location("rollout", path),
                    f"{feature}: percent {value} at {step['at']} has "
                    f"{percent_decimals(value)} decimals, at most {MAX_PERCENT_DECIMALS} "
                    "are allowed",
                    f"round it to {MAX_PERCENT_DECIMALS} decimals (0.001 % is one unit in 100,000)",
                )
