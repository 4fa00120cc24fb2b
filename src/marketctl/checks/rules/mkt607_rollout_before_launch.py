"""A rollout step starts before the market launches.

`launch_date` in market.yaml is the day the market opens; it begins at local midnight in the
market's first time zone (the moment the clocks jump, should midnight fall in a DST gap). A step
before that instant reaches no customers, and usually means a date from another market was
copied, or the launch moved and the rollout did not. Steps are compared as UTC instants, so a
rollout written in another `timezone:` is compared correctly. The finding is at the step's
`at`.

Steps that an environment file adds (``markets/_environments/``) are not reported: staging turns
every feature on in every market on purpose, so testers use a planned market before it opens.

Failing example::

    # markets/jp/market.yaml: launch_date: 2026-06-01, timezones: [Asia/Tokyo]
    # markets/jp/rollout.yaml
    features:
      instant_quote:
        - {at: 2026-05-31T23:30, percent: 100}

Passing example::

    features:
      instant_quote:
        - {at: 2026-06-01T00:00, percent: 100}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.schedule import (
    LocalTimeError,
    ScheduleError,
    load_zone,
    local_to_utc,
    rollout_zone,
    start_of_day,
)
from marketctl.repository.markets import Market

CODE = "MKT607"
NAME = "rollout-before-launch"
SEVERITY = Severity.WARNING

# Environment files run ahead of a launch on purpose (staging: every feature on everywhere).
ENVIRONMENTS = "markets/_environments/"


def check_market(market: Market) -> Iterator[Finding]:
    launch = market.market.get("launch_date")
    zones = market.market.get("timezones")
    if not isinstance(launch, str) or not isinstance(zones, list) or not zones:
        return
    try:
        opening = start_of_day(launch, load_zone(zones[0]))
        zone = rollout_zone(market.rollout, market.market)
    except ScheduleError:
        return  # an unknown zone is reported by MKT605 or the market identity rules
    for feature, steps in (market.rollout.get("features") or {}).items():
        for index, step in enumerate(steps):
            try:
                instant = local_to_utc(step["at"], zone)
            except LocalTimeError:
                continue  # MKT605
            if instant >= opening:
                continue
            where = market.location("rollout", ("features", feature, index, "at"))
            if not where.file.startswith(ENVIRONMENTS):
                yield rule(CODE).finding(
                    where,
                    f"{feature}: step at {step['at']} is before the market launches "
                    f"({launch}, {zones[0]})",
                    f"start the step on or after {launch}, or correct launch_date in market.yaml",
                )
