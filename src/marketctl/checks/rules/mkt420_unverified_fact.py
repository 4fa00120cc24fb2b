"""A live market states a legal fact whose source does not say whether it was verified.

Every source of a tax or consumer-law fact says whether somebody read the official text and found
exactly this value there: ``verified: <the day it was read>``, or ``verified: false`` with
``missing:`` (what a reviewer must still check). A live market's fact that says neither is the
worst kind: nobody can tell a checked rate from one copied out of a blog. This warns about such a
fact, and about a ``verified``/``missing`` pair that cannot be right (``false`` without what is
missing, ``missing`` beside a verification date, a date that is not ``YYYY-MM-DD``).

Acknowledged unverified facts (``verified: false`` with ``missing:``) are not findings: they are
the legal reviewer's queue, which ``marketctl sources --unverified`` lists with their sources. So
``validate --strict`` passes on a live market with an honest list of what is still to check, and
fails on one that is silent about it. Planned markets are not checked: their facts are still
being written.

Failing example::

    rates:
      standard:
        - percent: 25
          from: 2023-07-01
          source:
            title: "Mervärdesskattelag (2023:200)"
            url: "https://www.riksdagen.se/..."

Passing example::

          source:
            title: "Mervärdesskattelag (2023:200)"
            url: "https://www.riksdagen.se/..."
            verified: 2026-11-20

or::

            verified: false
            missing: "9 kap. 2 § not opened on riksdagen.se"
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.facts import legal_facts
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Market

CODE = "MKT420"
NAME = "unverified-fact"
SEVERITY = Severity.WARNING

_HINT = (
    "write verified: YYYY-MM-DD (the day the official text was read and said exactly this), "
    'or verified: false with missing: "what a reviewer must still check"'
)


def check_market(market: Market) -> Iterator[Finding]:
    if not market.is_live:
        return
    for fact in legal_facts(market):
        status = fact.status
        if status.problem:
            source = market.resolved[fact.kind].get(fact.source_path)
            key = status.key if isinstance(source, dict) and status.key in source else "verified"
            location = market.location(fact.kind, (*fact.source_path, key))
            yield rule(CODE).finding(location, f"{fact.key}: {status.problem}", _HINT)
        elif status.verified is None:
            yield rule(CODE).finding(
                fact.location,
                f"{fact.key}: the source does not say whether it was verified "
                f"({fact.title or 'untitled'})",
                _HINT,
            )
