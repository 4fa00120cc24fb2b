"""``marketctl sources [MARKET...] [--unverified]``: the legal reviewer's queue.

Every legal fact a market depends on (tax rates and their regional parts, price display, the
margin scheme, guarantee periods, withdrawal rights, the consumer-law references), with its
source, the days it is in force, and whether somebody read the official text and found exactly
this (``verified: <date>``), acknowledged that nobody has (``verified: false`` with ``missing``),
or said nothing. The list is read through :func:`marketctl.checks.facts.legal_facts`, the same
walk as MKT420/MKT421, so the queue and the warnings never disagree. Facts inherited from a layer
(``_regions/eu``) are listed under every market that depends on them, at the file they are
written in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from marketctl.checks.facts import LegalFact, legal_facts
from marketctl.checks.validation import select_markets
from marketctl.repository.loading import load_repository
from marketctl.repository.sources import WorktreeSource

__all__ = ["SourcesReport", "list_sources", "render_json", "render_text"]

VERIFIED, UNVERIFIED, NO_STATUS = "verified", "unverified", "no status"


@dataclass(frozen=True)
class SourcesReport:
    facts: tuple[LegalFact, ...]
    markets: tuple[str, ...]
    unverified_only: bool

    def count(self, status: str) -> int:
        return sum(1 for fact in self.facts if status_of(fact) == status)


def status_of(fact: LegalFact) -> str:
    """``verified`` (a date), ``unverified`` (false with what is missing), or ``no status``
    (nothing said, or a contradictory pair that MKT420 reports)."""
    if fact.status.problem:
        return NO_STATUS
    if isinstance(fact.status.verified, date):
        return VERIFIED
    return UNVERIFIED if fact.status.verified is False else NO_STATUS


def list_sources(root: Path, names: Iterable[str] = (), unverified: bool = False) -> SourcesReport:
    """The legal facts of the named markets (all when none is named), in market order, then
    in the order they are written in tax.yaml and warranty.yaml."""
    repository = load_repository(WorktreeSource(root))
    codes = select_markets(repository, names)
    facts = [fact for code in codes for fact in legal_facts(repository.market(code))]
    if unverified:
        facts = [fact for fact in facts if status_of(fact) != VERIFIED]
    return SourcesReport(tuple(facts), tuple(codes), unverified)


def _period(fact: LegalFact) -> str:
    if fact.start is None:
        return "in force: not stated"
    return f"from {fact.start}" + (f" until {fact.end}" if fact.end else "")


def _status_text(fact: LegalFact) -> str:
    status = status_of(fact)
    if status == VERIFIED:
        return f"verified {fact.status.verified}"
    if status == UNVERIFIED:
        return f"UNVERIFIED: {fact.status.missing}"
    if fact.status.problem:
        return f"NO STATUS ({fact.status.problem})"
    return "NO STATUS: the source does not say whether it was checked"


def _one_line(text: str) -> str:
    """A quote as one line: a table row or a paragraph copied over several lines reads the same."""
    return " ".join(text.split())


def render_text(report: SourcesReport) -> str:
    lines: list[str] = []
    for fact in report.facts:
        value = f"  {fact.value}" if fact.value else ""
        lines.append(f"{fact.market} {fact.key}{value}  ({_period(fact)})")
        lines.append(f"    {fact.title}" + (f", {fact.ref}" if fact.ref else ""))
        if fact.url:
            lines.append(f"    {fact.url}")
        lines.append(f"    {_status_text(fact)}")
        if fact.quote:
            lines.append(f"    quote: {_one_line(fact.quote)}")
        if fact.unknown:
            lines.append(f"    unknown: {_one_line(fact.unknown)}")
        lines.append(f"    at {fact.location.file}:{fact.location.line}")
    total = len(report.facts)
    what = "unverified fact" if report.unverified_only else "fact"
    summary = (
        f"{total} {what}{'' if total == 1 else 's'} in {len(report.markets)} "
        f"market{'' if len(report.markets) == 1 else 's'} ({', '.join(report.markets)}): "
        f"{report.count(VERIFIED)} verified, {report.count(UNVERIFIED)} unverified with what "
        f"is missing, {report.count(NO_STATUS)} without a status"
    )
    return "\n".join([*lines, summary]) + "\n"


def render_json(report: SourcesReport) -> str:
    facts: list[dict[str, Any]] = [
        {
            "market": fact.market,
            "fact": fact.key,
            "value": fact.value,
            "from": fact.start,
            "until": fact.end,
            "title": fact.title,
            "ref": fact.ref or None,
            "url": fact.url or None,
            "status": status_of(fact),
            "verified": (
                fact.status.verified.isoformat()
                if isinstance(fact.status.verified, date)
                else fact.status.verified
            ),
            "missing": fact.status.missing or None,
            "quote": fact.quote or None,
            "unknown": fact.unknown or None,
            "file": fact.location.file,
            "line": fact.location.line,
        }
        for fact in report.facts
    ]
    summary = {
        "markets": list(report.markets),
        "facts": len(report.facts),
        VERIFIED: report.count(VERIFIED),
        UNVERIFIED: report.count(UNVERIFIED),
        "no_status": report.count(NO_STATUS),
    }
    return json.dumps({"facts": facts, "summary": summary}, ensure_ascii=False, indent=2) + "\n"
