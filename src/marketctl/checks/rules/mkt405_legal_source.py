"""A legal period or consumer-law reference names no law or does not link to it.

Every legal claim in warranty.yaml (each interval of ``legal_guarantee`` with its ``limitation``
and ``regions``, of ``burden_of_proof``, ``withdrawal`` and ``short_term_reject``, and each
``consumer_law`` entry) names its law (``title``) and links to its
official text over https (``url``), so that reviewers and support staff can check it. The schema
already rejects an empty title, a missing link and an http link; this rule catches what a pattern
cannot: a title that is blank or a placeholder (``TODO``, ``TBD``) and a link to no real site (a
host without a dot, or one reserved for examples such as example.com).

Failing example::

    consumer_law:
      - {title: "TBD", url: "https://example.org/law"}

Passing example::

    consumer_law:
      - title: "Konsumentköplag (2022:260)"
        url: "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/konsumentkoplag-2022260_sfs-2022-260/"
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Path, path_name, period_histories
from marketctl.reference.consumer_law import source_problems
from marketctl.repository.markets import Market

CODE = "MKT405"
NAME = "legal-source"
SEVERITY = Severity.ERROR


def legal_sources(warranty: Mapping[str, Any]) -> Iterator[Path]:
    """The path of every mapping in a resolved warranty.yaml that must name a law."""
    for path, entries in period_histories(warranty):
        for index, entry in enumerate(entries):
            if isinstance(entry.get("source"), dict):
                yield (*path, index, "source")
            limitation = entry.get("limitation")
            if isinstance(limitation, dict) and isinstance(limitation.get("source"), dict):
                yield (*path, index, "limitation", "source")
            regions = entry.get("regions")
            for code, override in regions.items() if isinstance(regions, dict) else ():
                if isinstance(override, dict) and isinstance(override.get("source"), dict):
                    yield (*path, index, "regions", code, "source")
    references = warranty.get("consumer_law")
    if isinstance(references, list):
        for index, reference in enumerate(references):
            if isinstance(reference, dict):
                yield ("consumer_law", index)


def check_market(market: Market) -> Iterator[Finding]:
    for path in legal_sources(market.warranty):
        for problem in source_problems(market.resolved["warranty"].get(path)):
            if problem.missing:
                continue  # MKT103 (missing-key) reports it
            yield rule(CODE).finding(
                market.location("warranty", (*path, problem.key)),
                f"{path_name(path)}: {problem.message}",
                problem.hint,
            )
