"""A tax fact's source names no law or does not link to it.

Every rate, regional tax and tax rule in tax.yaml carries a ``source``: the law (``title``) and
an https link (``url``) to its official text or the tax authority's page, so that a reviewer can
check the number. The schema requires both; this rule catches what it cannot: a title that is
blank or a placeholder (``TODO``, ``TBD``) and a link to no real site (a host without a dot, or
one reserved for examples such as example.com).

Failing example::

    rates:
      standard:
        - percent: 25
          from: 2023-07-01
          source: {title: "TODO", url: "https://example.com/vat"}

Passing example::

        - percent: 25
          from: 2023-07-01
          source:
            title: "Mervärdesskattelag (2023:200)"
            url: "https://www.riksdagen.se/sv/dokument-och-lagar/..."
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Path, path_name, rate_histories
from marketctl.reference.consumer_law import source_problems
from marketctl.repository.markets import Market

CODE = "MKT310"
NAME = "tax-source"
SEVERITY = Severity.ERROR


def tax_sources(tax: Mapping[str, Any]) -> Iterator[Path]:
    """The path of every ``source`` mapping in a resolved tax.yaml."""
    for key in ("prices_include_tax", "margin_scheme"):
        if isinstance(tax.get(key), dict) and isinstance(tax[key].get("source"), dict):
            yield (key, "source")
    regions = tax.get("regions")
    if isinstance(regions, dict):
        for code, region in regions.items():
            if isinstance(region, dict) and isinstance(region.get("source"), dict):
                yield ("regions", code, "source")
    for path, entries in rate_histories(tax):
        for index, entry in enumerate(entries):
            if isinstance(entry.get("source"), dict):
                yield (*path, index, "source")


def check_market(market: Market) -> Iterator[Finding]:
    for path in tax_sources(market.tax):
        source = market.resolved["tax"].get(path)
        for problem in source_problems(source):
            if problem.missing:
                continue  # MKT103 (missing-key) reports it
            yield rule(CODE).finding(
                market.location("tax", (*path, problem.key)),
                f"{path_name(path)}: {problem.message}",
                problem.hint,
            )
