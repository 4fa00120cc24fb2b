"""Two intervals of a legal period's history are in force on the same day.

On any day one legal guarantee, one burden-of-proof period and one withdrawal period apply; a
sale on a day that two intervals cover has two answers. The finding points at the ``from`` of the
later interval. ``until`` is inclusive: an interval ending 2022-04-30 is followed by one from
2022-05-01.

Failing example::

    legal_guarantee:
      - {months: 36, from: 2005-04-01, until: 2022-05-01, source: {...}}
      - {months: 36, from: 2022-05-01, source: {...}}

Passing example::

    legal_guarantee:
      - {months: 36, from: 2005-04-01, until: 2022-04-30, source: {...}}
      - {months: 36, from: 2022-05-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Problem, check_history, path_name, period_histories
from marketctl.repository.markets import Market

CODE = "MKT407"
NAME = "warranty-interval-overlap"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    for path, entries in period_histories(market.warranty):
        for problem in check_history(entries, path_name(path)):
            if problem.problem is Problem.OVERLAP:
                yield rule(CODE).finding(
                    market.location("warranty", (*path, problem.index, problem.key)),
                    problem.message,
                    problem.hint,
                )
