"""A legal period's history does not end with exactly one open-ended interval.

The latest interval of ``legal_guarantee``, ``burden_of_proof`` and ``withdrawal`` has no
``until``: it is the period in force now. A history whose every interval ends leaves today's
sales without a period; an open-ended interval that is not the latest overlaps everything after
it. When the law changes, give the old interval an ``until`` and add the new one without.

Where the law itself ends a period and nothing is known after, the latest interval says
``until`` and ``ends_by_law: true`` (services are refused an answer for later days); that is a
finding again once the end is past.

Failing example::

    withdrawal:
      - {days: 14, from: 2014-06-13, until: 2024-12-31, source: {...}}

Passing example::

    withdrawal:
      - {days: 14, from: 2014-06-13, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Problem, check_history, path_name, period_histories
from marketctl.repository.markets import Market

CODE = "MKT409"
NAME = "warranty-current-period"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    for path, entries in period_histories(market.warranty):
        for problem in check_history(entries, path_name(path), today()):
            if problem.problem is Problem.CURRENT:
                yield rule(CODE).finding(
                    market.location("warranty", (*path, problem.index, problem.key)),
                    problem.message,
                    problem.hint,
                )
