"""A legal period's history has days on which no interval is in force.

Once a period's history starts, every day has an answer: a sale in a gap would have no legal
guarantee, presumption or withdrawal period on record, and a gap is usually a date typed one day
or one year off. Each interval starts the day after the previous one's ``until``. The finding
points at the ``from`` of the interval after the gap.

Failing example::

    burden_of_proof:
      - {months: 6, from: 2002-07-01, until: 2022-04-30, source: {...}}
      - {months: 24, from: 2022-06-01, source: {...}}

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

CODE = "MKT408"
NAME = "warranty-interval-gap"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    for path, entries in period_histories(market.warranty):
        for problem in check_history(entries, path_name(path)):
            if problem.problem is Problem.GAP:
                yield rule(CODE).finding(
                    market.location("warranty", (*path, problem.index, problem.key)),
                    problem.message,
                    problem.hint,
                )
