"""A market's standard tax rate differs from the rate the law of its country sets.

The standard rate prices almost every order, so it is written twice: once in the market's
``tax.yaml`` (``rates.standard``, which the bundles are built from) and once, independently, in
the reviewed reference ``marketctl/reference/data/tax_law.yaml`` (``standard_rates``: each country's
statutory rate with its history and source: Sweden's 25 % under Mervärdesskattelag (2023:200) 9
kap., Germany's 16 % from 2020-07-01 to 2020-12-31 under § 28 UStG, Finland's 25.5 % from
2024-09-01). Each interval of the market's national standard rate is compared, day by day, with the
rates the law sets on those days; a different percentage on any day is reported at the interval's
``percent``. Only days the reference covers are judged: history before a country's first reference
interval is not, and a country without reference data is not checked. An interval is judged on the
days it prices orders: where intervals overlap, the one that started last is in force (as in the
bundles), and the overlap itself is MKT304's or MKT306's finding. Regional components (Canada's HST,
PST and QST) are not the national rate: Canada's ``standard`` is the federal GST. When the law
changes, the reference must be updated too, with its source: a repository writes the newer rate
in its own ``markets/_reference/tax_law.yaml`` (it replaces the packaged history of that country),
and a rate read from there is named with its file and line.

It is an error: a wrong standard rate mis-prices almost every order (issue 20). Where the
market is right and the reference is not (a change the reference has not caught up with, an entry
of the reference that rests on a secondary source), the interval records a reviewed override,
``override`` with what differs, why, the source that says so and the day it was reviewed; the
finding is then a warning that names the override, and the reference should be corrected.

Failing example::

    # markets/se/tax.yaml
    rates:
      standard:
        - {percent: 24, from: 2023-07-01, source: {...}}

Passing example::

    rates:
      standard:
        - {percent: 25, from: 2023-07-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import ONE_DAY, Interval
from marketctl.reference.consumer_law import StatutoryRate
from marketctl.repository.markets import Market

CODE = "MKT312"
NAME = "tax-standard-rate"
SEVERITY = Severity.ERROR
OVERRIDABLE = True

UPDATE = (
    "if the law has changed since the reference data, write the newer rate with its source in "
    "markets/_reference/tax_law.yaml"
)


def check_market(market: Market) -> Iterator[Finding]:
    country = market.market.get("country")
    rates = market.tax.get("rates")
    if not isinstance(country, str) or not isinstance(rates, Mapping):
        return
    entries = rates.get("standard")
    law = market.repository.reference.tax_law.standard_rate(country)
    if not isinstance(entries, list) or not law:
        return
    spans = _spans(entries)
    for index, entry in enumerate(entries):
        percent = entry.get("percent") if isinstance(entry, Mapping) else None
        span = spans[index]
        if type(percent) not in (int, Decimal) or span is None:
            continue
        charged = _in_force(spans, index)
        if charged is None:
            continue
        # The reference is oldest first: report the first day the rates part.
        differing = [r for r in law if r.value != percent and r.interval.overlaps(charged)]
        if not differing:
            continue
        statutory = differing[0]
        days = charged.intersection(statutory.interval) or charged
        yield rule(CODE).finding(
            market.location("tax", ("rates", "standard", index, "percent")),
            f"rates.standard: rate {percent} % ({span}) differs from {statutory.describe()}",
            _hint(days, statutory, newer=_may_be_newer(span, statutory, law[-1])),
        )


def _spans(entries: list[Any]) -> list[Interval | None]:
    """Each entry's interval; None where it has no valid dates or ends before it starts (the
    schema and MKT303 report those)."""
    spans: list[Interval | None] = []
    for entry in entries:
        try:
            span = Interval.of(entry) if isinstance(entry, Mapping) else None
        except (KeyError, ValueError):
            span = None
        spans.append(
            None if span is None or (span.end is not None and span.end < span.start) else span
        )
    return spans


def _in_force(spans: list[Interval | None], index: int) -> Interval | None:
    """The days on which interval ``index`` is the one in force: up to the day before a later
    interval starts (``intervals.in_force``: the one that started last wins; of two starting the
    same day, the one listed last). None if another one always takes precedence."""
    span = spans[index]
    if span is None:
        return None
    later: list[date] = []
    for other, candidate in enumerate(spans):
        if other == index or candidate is None or candidate.start < span.start:
            continue
        if candidate.start == span.start:
            if other > index:
                return None
            continue
        later.append(candidate.start)
    if not later:
        return span
    cutoff = min(later) - ONE_DAY
    return Interval(span.start, cutoff if span.end is None else min(span.end, cutoff))


def _may_be_newer(span: Interval, statutory: StatutoryRate, latest: StatutoryRate) -> bool:
    """Whether the market may know of a change that marketctl's data does not have yet: its
    interval differs from the reference's latest (open) rate and is current, or starts after
    the reference's last change."""
    return statutory is latest and (span.end is None or span.start > latest.interval.start)


def _hint(days: Interval, statutory: StatutoryRate, newer: bool) -> str:
    """What is known, and what to do: the reference's rate on ``days`` (the days of ``span``
    on which the two part), its source and how sure that source is; then to read the law. It
    proposes no dates of its own: a reference interval that starts on the first day the data
    records (``first_recorded``) says nothing about a change on that day (issue 20: the hint
    once advised ending Poland's rate on 2018-12-31 and starting 23 % on 2019-01-01)."""
    source = statutory.source
    when = f"on {days.start}" if days.end == days.start else str(days)
    known = f"marketctl's reference has {statutory.value} % {when} ({source}: {source.url}"
    if source.verified is False:
        known += "; not yet verified against the official text"
    known += ")"
    if statutory.first_recorded and days.start == statutory.interval.start:
        known += f"; {days.start} is the first day it records, not the day that rate took effect"
    fix = f"{known}; read the law for those days and write the rate it sets, with its source"
    return f"{fix}; {UPDATE}" if newer else fix
