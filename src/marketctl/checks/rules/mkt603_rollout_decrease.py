"""A rollout step lowers a feature's percentage without `rollback: true` and a reason.

Raising a percentage only adds units (bucketing is flagd's `fractional`: the units in are a
prefix of the hash space that grows with the percentage), so a raise never takes the feature
away from anyone. Lowering it does: customers who had the feature lose it mid-session. That may
be exactly right (an incident, a legal review), but it must be deliberate and explained, so a
step whose percentage is lower than the step before it needs `rollback: true` and a non-empty
`reason` (an incident id or a decision). The finding is at the step's `percent`; a step that
says `rollback: true` without a reason is reported at `rollback`.

Failing example::

    features:
      carbon_savings_label:
        - {at: 2026-05-04T09:00, percent: 20}
        - {at: 2026-05-18T09:00, percent: 5}                  # goes down, no rollback
        - {at: 2026-06-01T09:00, percent: 0, rollback: true}  # rollback without a reason

Passing example::

    features:
      carbon_savings_label:
        - {at: 2026-05-04T09:00, percent: 20}
        - at: 2026-05-18T09:00
          percent: 5
          rollback: true
          reason: "label wording under legal review (INC-1184)"
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Market

CODE = "MKT603"
NAME = "rollout-decrease"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    for feature, steps in (market.rollout.get("features") or {}).items():
        previous: Decimal | None = None
        for index, step in enumerate(steps):
            percent = _finite(step["percent"])
            path = ("features", feature, index)
            rollback = step.get("rollback") is True
            reason = step.get("reason")
            explained = isinstance(reason, str) and reason.strip() != ""
            if rollback and not explained:
                yield rule(CODE).finding(
                    market.location("rollout", (*path, "rollback")),
                    f"{feature}: step at {step['at']} has rollback: true but no reason",
                    'add reason: "..." with the incident id or the decision behind the rollback',
                )
            elif not rollback and _lower(percent, previous):
                yield rule(CODE).finding(
                    market.location("rollout", (*path, "percent")),
                    f"{feature}: step at {step['at']} lowers the percentage from {previous} % "
                    f"to {percent} % without rollback: true",
                    "lowering takes the feature away from units that have it: if that is meant, "
                    'add rollback: true and reason: "..." (incident id or decision); '
                    f"otherwise write at least {previous}",
                )
            if percent is not None:
                previous = percent


def _lower(percent: Decimal | None, previous: Decimal | None) -> bool:
    return percent is not None and previous is not None and percent < previous


def _finite(value: Any) -> Decimal | None:
    """The share as a Decimal; None for NaN, which MKT604 reports (the schema lets it pass)."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
        return number if number.is_finite() else None
    return None
