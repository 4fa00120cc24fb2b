"""A rollout step does not start after the step before it.

A feature's steps are a timeline: each step holds from its own time until the next one starts.
Steps listed out of order (or two at the same instant) make the list say something other than
what it reads like, and a step that starts earlier than the one above it silently never applies
the way the reviewer expected. Times are compared as the UTC instants they stand for in the
rollout time zone (`timezone:` in rollout.yaml, else the market's first time zone), so a step
written across a DST change is ordered by when it really happens. The finding is at the later
step's `at`.

Failing example::

    features:
      buyback:
        - {at: 2027-01-15T09:00, percent: 50}
        - {at: 2026-12-01T09:00, percent: 10}     # before the step above it

Passing example::

    features:
      buyback:
        - {at: 2026-12-01T09:00, percent: 10}
        - {at: 2027-01-15T09:00, percent: 50}
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.schedule import LocalTimeError, ScheduleError, local_to_utc, rollout_zone
from marketctl.repository.markets import Market

CODE = "MKT602"
NAME = "rollout-step-order"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    try:
        zone = rollout_zone(market.rollout, market.market)
    except ScheduleError:
        return  # MKT605 (timezone:) or the market identity rules (timezones) report it
    for feature, steps in (market.rollout.get("features") or {}).items():
        previous: tuple[str, datetime] | None = None
        for index, step in enumerate(steps):
            try:
                instant = local_to_utc(step["at"], zone)
            except LocalTimeError:
                continue  # MKT605 reports it; compare the next step with the last good one
            if previous is not None and instant <= previous[1]:
                when = "at the same instant as" if instant == previous[1] else "before"
                yield rule(CODE).finding(
                    market.location("rollout", ("features", feature, index, "at")),
                    f"{feature}: step at {step['at']} starts {when} the step above it "
                    f"({previous[0]}) in {zone.key}",
                    "list the steps in time order, each later than the one before",
                )
            previous = (step["at"], instant)
