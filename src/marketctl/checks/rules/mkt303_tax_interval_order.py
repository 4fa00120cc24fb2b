"""A tax rate's history is not oldest first, or an interval ends before it starts.

Each rate (``rates.<kind>``, ``regions.<code>.taxes.<component>``) is a list of intervals: ``from``
is the first day in force, ``until`` the last (both inclusive). The list is read oldest first,
by people in review and by ``marketctl diff``; an interval whose ``until`` is before its ``from``
is in force on no day at all, which is always a typo.

Failing example::

    rates:
      standard:
        - {percent: 10, from: 2019-10-01, source: {...}}
        - {percent: 8, from: 2014-04-01, until: 2019-09-30, source: {...}}

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

CODE = "MKT303"
NAME = "tax-interval-order"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    for path, entries in rate_histories(market.tax):
        for problem in check_history(entries, path_name(path)):
            if problem.problem is Problem.ORDER:
                yield rule(CODE).finding(
                    market.location("tax", (*path, problem.index, problem.key)),
                    problem.message,
                    problem.hint,
                )
