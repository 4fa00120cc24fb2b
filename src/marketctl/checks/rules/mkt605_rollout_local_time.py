"""A rollout step time does not exist, happens twice, or the rollout time zone is unknown.

Step times are written in the rollout time zone (`timezone:` in rollout.yaml, else the
market's first time zone) and bundles hold UTC instants, so services in any zone agree on the
moment a step starts. Where daylight saving time
starts, the clocks jump over an hour: 02:30 on 2026-03-29 never happens in Europe/Stockholm
(a *gap*). Where it ends, an hour repeats: 02:30 on 2026-10-25 happens twice (a *fold*), an
hour apart. Either way the step has no single instant, and marketctl does not guess: the
finding is at the step's `at` and offers the nearest times that happen once. A date or time
that is not real (2026-02-30, 25:00) is reported too; the schema only checks the digits' shape.

A `timezone:` that is not an IANA time zone name is reported at the name, with the closest
known one. (A wrong name in market.yaml's `timezones` is a market identity finding.)

Failing example::

    # markets/se/rollout.yaml (Europe/Stockholm)
    features:
      buyback:
        - {at: 2026-03-29T02:30, percent: 10}     # gap: 02:00 -> 03:00
        - {at: 2026-10-25T02:30, percent: 50}     # fold: 03:00 -> 02:00

Passing example::

    features:
      buyback:
        - {at: 2026-03-29T03:30, percent: 10}
        - {at: 2026-10-25T09:00, percent: 50}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.schedule import (
    LocalTimeError,
    UnknownTimeZoneError,
    load_zone,
    local_to_utc,
    rollout_zone_name,
)
from marketctl.repository.markets import Market

CODE = "MKT605"
NAME = "rollout-local-time"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    name = rollout_zone_name(market.rollout, market.market)
    if name is None:
        return  # no timezones in market.yaml: the schema's required check reports it
    try:
        zone = load_zone(name)
    except UnknownTimeZoneError as error:
        if "timezone" in market.rollout:
            yield rule(CODE).finding(
                market.location("rollout", ("timezone",)),
                f"rollout time zone '{name}' is not an IANA time zone",
                f"did you mean '{error.suggestion}'?"
                if error.suggestion
                else "write an IANA time zone name, like Europe/Stockholm, or remove timezone "
                "to use the market's first time zone",
            )
        return  # an unknown zone from market.yaml is a market identity finding
    for feature, steps in (market.rollout.get("features") or {}).items():
        for index, step in enumerate(steps):
            try:
                local_to_utc(step["at"], zone)
            except LocalTimeError as error:
                yield rule(CODE).finding(
                    market.location("rollout", ("features", feature, index, "at")),
                    f"{feature}: {error.message}",
                    _hint(error),
                )


def _hint(error: LocalTimeError) -> str:
    if error.kind == "invalid" or not error.alternatives:
        return "write a real local date and time as YYYY-MM-DDTHH:MM, like 2026-04-01T09:00"
    choices = " or ".join(error.alternatives)
    if error.kind == "gap":
        return f"write a time that exists, like {choices}"
    return f"write a time that happens once, like {choices}"
