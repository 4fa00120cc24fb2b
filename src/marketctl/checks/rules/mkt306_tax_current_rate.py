"""A tax rate's history does not end with exactly one open-ended interval.

The latest interval of each rate has no ``until``: it is the rate in force now and until the law
changes. A history whose every interval has an ``until`` leaves the days after it without a rate;
an open-ended interval that is not the latest overlaps everything after it. When a rate changes,
give the old interval an ``until`` (the last day of the old rate) and add the new one without.
Where the law itself ends a rate and nothing is known after (a temporary rate, an act with an
expiry date), the latest interval says ``until`` and ``ends_by_law: true``: services are then
refused an answer for later days. That is a finding again once the end is past.

Failing example::

    rates:
      standard:
        - {percent: 5, from: 1997-04-01, source: {...}}
        - {percent: 8, from: 2014-04-01, source: {...}}

Passing example::

    rates:
      standard:
        - {percent: 5, from: 1997-04-01, until: 2014-03-31, source: {...}}
        - {percent: 8, from: 2014-04-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Problem, check_history, path_name, rate_histories
from marketctl.repository.markets import Market

CODE = "MKT306"
NAME = "tax-current-rate"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    for path, entries in rate_histories(market.tax):
        for problem in check_history(entries, path_name(path), today()):
            if problem.problem is Problem.CURRENT:
                yield rule(CODE).finding(
                    market.location("tax", (*path, problem.index, problem.key)),
                    problem.message,
                    problem.hint,
                )
