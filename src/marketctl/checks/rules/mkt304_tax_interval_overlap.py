"""Two intervals of a tax rate's history are in force on the same day.

On any day exactly one rate of each kind applies; an order placed on a day that two intervals
cover has two prices. The finding points at the ``from`` of the later interval. Remember that
``until`` is inclusive: an interval ending 2019-09-30 is followed by one from 2019-10-01.

Failing example::

    rates:
      standard:
        - {percent: 8, from: 2014-04-01, until: 2019-10-01, source: {...}}
        - {percent: 10, from: 2019-10-01, source: {...}}

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

CODE = "MKT304"
NAME = "tax-interval-overlap"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    for path, entries in rate_histories(market.tax):
        for problem in check_history(entries, path_name(path)):
            if problem.problem is Problem.OVERLAP:
                yield rule(CODE).finding(
                    market.location("tax", (*path, problem.index, problem.key)),
                    problem.message,
                    problem.hint,
                )
