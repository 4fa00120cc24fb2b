"""A legal period's history is not oldest first, or an interval ends before it starts.

``legal_guarantee``, ``burden_of_proof`` and ``withdrawal`` are each a list of intervals: ``from``
is the first day in force, ``until`` the last (both inclusive). The list is read oldest first;
an interval whose ``until`` is before its ``from`` is in force on no day at all.

Failing example::

    burden_of_proof:
      - {months: 24, from: 2022-05-01, source: {...}}
      - {months: 6, from: 2002-07-01, until: 2022-04-30, source: {...}}

Passing example::

    burden_of_proof:
      - {months: 6, from: 2002-07-01, until: 2022-04-30, source: {...}}
      - {months: 24, from: 2022-05-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Problem, check_history, path_name, period_histories
from marketctl.repository.markets import Market

CODE = "MKT406"
NAME = "warranty-interval-order"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    for path, entries in period_histories(market.warranty):
        for problem in check_history(entries, path_name(path)):
            if problem.problem is Problem.ORDER:
                yield rule(CODE).finding(
                    market.location("warranty", (*path, problem.index, problem.key)),
                    problem.message,
                    problem.hint,
                )
