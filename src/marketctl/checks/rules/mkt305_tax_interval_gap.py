"""A tax rate's history has days on which no interval is in force.

Once a rate's history starts, every day up to today and beyond has a rate: an order placed in a
gap could not be priced, and a gap is usually an ``until`` or ``from`` typed one day or one year
off. Each interval starts the day after the previous one's ``until``. The finding points at the
``from`` of the interval after the gap.

Failing example::

    rates:
      standard:
        - {percent: 8, from: 2014-04-01, until: 2019-09-30, source: {...}}
        - {percent: 10, from: 2019-11-01, source: {...}}

Passing example::

    rates:
      standard:
        - {percent: 8, from: 2014-04-01, until: 2019-09-30, source: {...}}
        - {percent: 10, from: 2019-10-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Problem, check_history, path_name, rate_histories
from marketctl.repository.markets import Market

CODE = "MKT305"
NAME = "tax-interval-gap"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    for path, entries in rate_histories(market.tax):
        for problem in check_history(entries, path_name(path)):
            if problem.problem is Problem.GAP:
                yield rule(CODE).finding(
                    market.location("tax", (*path, problem.index, problem.key)),
                    problem.message,
                    problem.hint,
                )
