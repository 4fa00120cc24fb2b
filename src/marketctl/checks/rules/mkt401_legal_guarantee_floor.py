"""The legal guarantee is shorter than the law's floor, or counted from the wrong event.

Each interval of ``legal_guarantee`` is compared with the statutory floor in force on its days
(``marketctl/data/consumer_law.yaml``; a floor that came into force on 2022-01-01 does not apply
to an interval that ended in 2021). The floor is the country's own where it has one, else the
EU's for markets with ``region: eu``: 24 months from delivery under Directive (EU) 2019/771,
art. 10(1); 36 months in Sweden (Konsumentköplag (2022:260)), Spain and Portugal. Japan's civil
code counts from discovery of the defect instead (民法 第566条: notice within one year), so a
period ``counted_from: discovery`` is compared with that floor. A period the law fixes in months
cannot be written ``duration: reasonable``.

Failing example::

    # markets/se/warranty.yaml
    legal_guarantee:
      - {months: 24, counted_from: delivery, from: 2022-05-01, source: {...}}

Passing example::

    legal_guarantee:
      - {months: 36, counted_from: delivery, from: 2022-05-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Interval
from marketctl.reference.consumer_law import consumer_law, jurisdiction_name, shortfall
from marketctl.repository.markets import Market

CODE = "MKT401"
NAME = "legal-guarantee-floor"
SEVERITY = Severity.ERROR

# The floor's name for each way of counting the period (docs/file-formats.md, warranty.yaml).
FLOOR_NAMES = {"delivery": "legal_guarantee_months", "discovery": "defect_notice_months"}


def check_market(market: Market) -> Iterator[Finding]:
    country, region = market.market.get("country"), market.market.get("region")
    entries = market.warranty.get("legal_guarantee")
    if not isinstance(country, str) or not isinstance(entries, list):
        return
    region = region if isinstance(region, str) else None
    law = consumer_law()
    for index, entry in enumerate(entries):
        span = Interval.of(entry)
        counted = entry.get("counted_from", "delivery")
        floors = [
            f for f in law.floor(FLOOR_NAMES[counted], country, region) if f.interval.overlaps(span)
        ]
        other = next(event for event in FLOOR_NAMES if event != counted)
        elsewhere = [
            f for f in law.floor(FLOOR_NAMES[other], country, region) if f.interval.overlaps(span)
        ]
        if not floors and elsewhere:
            key = "counted_from" if "counted_from" in entry else "from"
            yield rule(CODE).finding(
                market.location("warranty", ("legal_guarantee", index, key)),
                f"legal_guarantee {span} is counted from {counted}, but the law of "
                f"{jurisdiction_name(elsewhere[0].jurisdiction)} counts it from {other}: "
                f"{elsewhere[0].describe()}",
                f"write counted_from: {other}",
            )
            continue
        months = entry.get("months")
        if not isinstance(months, int):
            if floors:
                yield rule(CODE).finding(
                    market.location("warranty", ("legal_guarantee", index, "duration")),
                    f"legal_guarantee {span} has no length in months, but the law fixes one: "
                    f"{floors[0].describe()}",
                    f"write months: {floors[0].value} or more instead of duration",
                )
            continue
        floor = shortfall(months, span, floors)
        if floor is not None:
            yield rule(CODE).finding(
                market.location("warranty", ("legal_guarantee", index, "months")),
                f"legal guarantee of {months} months {span} is below {floor.describe()}",
                floor.fix("months", span),
            )
