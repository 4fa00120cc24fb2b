"""The short-term right to reject is missing where the law gives one, or shorter than the law's.

Beside the legal guarantee, some laws let the consumer reject non-conforming goods for a full
refund within a short period: the United Kingdom's 30 days from delivery (Consumer Rights Act
2015, s. 22), Ireland's 30-day short-term right to terminate (Consumer Rights Act 2022, s. 24).
``short_term_reject`` in warranty.yaml records it as a dated history; it is compared with the
floor in force on its days (``marketctl/reference/data/consumer_law.yaml``,
``short_term_reject_days``), and a market whose law gives the right today must state it.

Where the market is right and the reference is not, the interval records a reviewed override
(``override`` with what differs, why, the source that says so and the day it was reviewed); the
finding is then a warning that names the override.

Failing example::

    # markets/gb/warranty.yaml
    short_term_reject:
      - {days: 14, counted_from: delivery, from: 2015-10-01, source: {...}}

Passing example::

    short_term_reject:
      - {days: 30, counted_from: delivery, from: 2015-10-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Interval
from marketctl.reference.consumer_law import shortfall
from marketctl.repository.markets import Market

CODE = "MKT410"
NAME = "short-term-reject"
SEVERITY = Severity.ERROR
OVERRIDABLE = True


def check_market(market: Market) -> Iterator[Finding]:
    country, region = market.market.get("country"), market.market.get("region")
    if not isinstance(country, str):
        return
    floors = market.repository.reference.consumer_law.floor(
        "short_term_reject_days", country, region if isinstance(region, str) else None
    )
    entries = market.warranty.get("short_term_reject")
    if not isinstance(entries, list):
        now = today()
        current = [f for f in floors if f.interval.end is None or f.interval.end >= now]
        if current:
            floor = current[0]
            yield rule(CODE).finding(
                market.location("warranty", ("short_term_reject",)),
                "warranty.yaml has no short_term_reject, but the law gives a short-term right "
                f"to reject: {floor.describe()}",
                f"add short_term_reject: [{{days: {floor.value}, counted_from: "
                f"{floor.counted_from or 'delivery'}, from: {floor.interval.start}, "
                "source: {...}}]",
            )
        return
    for index, entry in enumerate(entries):
        days = entry.get("days")
        if not isinstance(days, int):
            continue
        span = Interval.of(entry)
        short = shortfall(days, span, floors)
        if short is not None:
            yield rule(CODE).finding(
                market.location("warranty", ("short_term_reject", index, "days")),
                f"short-term right to reject of {days} days {span} is below {short.describe()}",
                short.fix("days", span),
            )
