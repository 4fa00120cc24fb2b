"""The launch date does not fit the market's status.

``status`` and ``launch_date`` tell services and reports whether a market takes orders and since
when. They must agree with each other and with today's date (``marketctl.core.clock.today()``;
``MARKETCTL_TODAY`` pins it):

- a ``live`` or ``paused`` market has opened, so it needs a ``launch_date``, and that date is
  not in the future (an error: a live market with a future date is either not live yet or has
  the wrong date);
- a ``planned`` market whose ``launch_date`` has passed is a warning: it was launched and its
  status was not updated, or the launch moved and the date was not.

Failing example::

    # markets/se/market.yaml, today being 2026-11-26
    status: live
    launch_date: 2027-03-01     # in the future
    # markets/no/market.yaml
    status: planned
    launch_date: 2026-01-15     # has passed

Passing example::

    status: live
    launch_date: 2025-03-01
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from marketctl.checks.rules import rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Market

CODE = "MKT209"
NAME = "launch-date"
SEVERITY = Severity.ERROR

_OPENED = ("live", "paused")


def check_market(market: Market) -> Iterator[Finding]:
    status = market.market.get("status")
    written = market.market.get("launch_date")
    now = today()
    if not isinstance(written, str):
        if status in _OPENED:
            yield rule(CODE).finding(
                market.location("market", ("status",)),
                f"the market is {status} but has no launch_date",
                "add launch_date: YYYY-MM-DD, the day the market opened",
            )
        return
    try:
        launch = date.fromisoformat(written)
    except ValueError:
        return  # MKT101: the schema reports a date that is not one
    location = market.location("market", ("launch_date",))
    if status in _OPENED and launch > now:
        yield rule(CODE).finding(
            location,
            f"the market is {status} but its launch_date {launch} is in the future "
            f"(today is {now})",
            "set status: planned until the launch, or correct the date to the day it opened",
        )
    elif status == "planned" and launch < now:
        yield (
            rule(CODE)
            .finding(
                location,
                f"the market is planned but its launch_date {launch} has passed (today is {now})",
                "set status: live if the market opened that day, or move launch_date to the "
                "planned day",
            )
            .with_severity(Severity.WARNING)
        )
