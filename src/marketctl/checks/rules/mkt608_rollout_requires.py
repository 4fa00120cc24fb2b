"""A feature is on in a market while a feature it requires is not on for every unit.

The catalogue's `requires` says a feature only works on top of another: `buyback` sends
people through `instant_quote`. So every unit (user, session, device) that has the feature
must also have the required one, at every instant.

Only 100 % guarantees that. Each feature buckets units by its own hash (flagd's `fractional`
over the feature key followed by the unit id), so the 10 % of
units that get `buyback` and the 50 % that get `instant_quote` are independent draws:
about half of buyback's units would lack instant_quote. No percentage below 100 on the
required feature makes the pair safe, however high it is. Hence: whenever the feature is above
0 %, the required feature must be at 100 % in that market.

Both schedules are checked at every step of either feature, as UTC instants: a step that
raises the feature above 0 % while the required one is below 100 % is reported at the
feature's `percent`; a step that lowers the required feature below 100 % while the feature is
on is reported at the required feature's `percent`. A required feature that the market does
not roll out at all is at 0 %. (A `requires` naming a feature missing from the catalogue is
MKT609.)

Failing example::

    # markets/_defaults/features.yaml: buyback requires [instant_quote]
    features:
      instant_quote:
        - {at: 2026-12-01T09:00, percent: 50}
      buyback:
        - {at: 2026-12-01T09:00, percent: 10}     # instant_quote is only at 50 %

Passing example::

    features:
      instant_quote:
        - {at: 2026-11-02T10:00, percent: 100}
      buyback:
        - {at: 2026-12-01T09:00, percent: 10}
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.schedule import (
    ScheduleError,
    Step,
    compile_steps,
    percent_at,
    rollout_zone,
)
from marketctl.repository.markets import Market

CODE = "MKT608"
NAME = "rollout-requires"
SEVERITY = Severity.ERROR

_FULL = 100


def check_market(market: Market) -> Iterator[Finding]:
    features = market.repository.features
    if features is None:
        return
    catalogue = features.data.get("features") or {}
    try:
        zone = rollout_zone(market.rollout, market.market)
    except ScheduleError:
        return  # MKT605 or the market identity rules
    written = market.rollout.get("features") or {}
    # Only the features of a `requires` pair have their timelines compared.
    paired: set[str] = set()
    for feature, entry in catalogue.items():
        requires = (entry.get("requires") or []) if isinstance(entry, dict) else []
        if requires:
            paired.add(feature)
            paired.update(required for required in requires if isinstance(required, str))
    schedules: dict[str, list[Step]] = {}
    for feature, steps in written.items():
        if feature not in paired:
            continue
        try:
            schedules[feature] = compile_steps(steps, zone)
        except ScheduleError:
            continue  # MKT602, MKT604 or MKT605 report it; its timeline is not known
    for feature, steps in schedules.items():
        entry = catalogue.get(feature)
        requires = (entry.get("requires") or []) if isinstance(entry, dict) else []
        for required in requires:
            if required == feature or required not in catalogue:
                continue  # MKT609
            if required in written and required not in schedules:
                continue  # the required feature's own steps are broken
            yield from _conflicts(market, feature, steps, required, schedules.get(required, []))


def _conflicts(
    market: Market, feature: str, steps: list[Step], required: str, needed: list[Step]
) -> Iterator[Finding]:
    """Findings where ``feature`` is above 0 % while ``required`` is below 100 %."""
    own = {step.at_utc: index for index, step in enumerate(steps)}
    theirs = {step.at_utc: index for index, step in enumerate(needed)}
    instants: list[datetime] = sorted(own.keys() | theirs.keys())
    was_fine = True
    for instant in instants:
        share, cover = percent_at(steps, instant), percent_at(needed, instant)
        broken = share > 0 and cover < _FULL
        if broken and instant in own:
            step = steps[own[instant]]
            yield rule(CODE).finding(
                market.location("rollout", ("features", feature, own[instant], "percent")),
                f"{feature} is at {share} % from {step.local}, but {required}, which it "
                f"requires, is at {cover} % then",
                f"bring {required} to 100 % at or before {step.local}, or start {feature} "
                f"later: each feature picks its units by its own hash, so only 100 % of "
                f"{required} covers every unit that has {feature}",
            )
        elif broken and was_fine:
            step = needed[theirs[instant]]
            yield rule(CODE).finding(
                market.location("rollout", ("features", required, theirs[instant], "percent")),
                f"{required} goes down to {cover} % at {step.local} while {feature}, which "
                f"requires it, is at {share} %",
                f"take {feature} to 0 % at or before {step.local} first, or keep {required} "
                "at 100 %",
            )
        was_fine = not broken
