"""``marketctl report``: validate, compare with a revision, assess readiness, render.

:mod:`~marketctl.commands.report` holds the pages' data and how they are drawn;
:mod:`~marketctl.commands.readiness` what planned markets and coming changes lack. This module
is the command that puts them together for one tree, so the report a manager opens shows
exactly what ``validate``, ``diff`` and ``readiness`` say about that tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from marketctl.commands.readiness import readiness, spec_runner
from marketctl.commands.report import build_report, render_pages
from marketctl.core.diagnostics import Severity
from marketctl.core.errors import MarketctlError

if TYPE_CHECKING:
    from marketctl.checks.validation import Report

__all__ = ["ReportRefusedError", "make_report", "problems_of"]


class ReportRefusedError(MarketctlError):
    """The repository does not validate: a report would show plausible, wrong figures."""

    def __init__(self, report: Report) -> None:
        super().__init__(
            f"validation found {report.errors} error(s): no report was written",
            "fix the findings above (marketctl validate lists them), or pass --render-anyway "
            "for a report whose every page lists the errors",
        )
        self.report = report


def problems_of(report: Report) -> list[str]:
    """The errors of a validation, one line each, as the report's banner lists them."""
    return [
        f"{f.file}:{f.line}:{f.column}: {f.code} {f.message}"
        for f in report.findings
        if f.severity is Severity.ERROR
    ]


def make_report(
    root: Path,
    markets: Sequence[str],
    today: date,
    *,
    render_anyway: bool = False,
    base: str | None = None,
) -> dict[str, bytes]:
    """Validate, then render the report's pages (nothing is written here).

    A repository with errors is refused (:class:`ReportRefusedError`) unless
    ``render_anyway``, and then every page carries a banner listing the errors. ``base``, a
    git revision, marks what the working tree changes relative to it (``marketctl diff``)."""
    from marketctl.checks.validation import select_markets, validate_source
    from marketctl.repository.settings import read_settings
    from marketctl.repository.sources import WorktreeSource

    settings = read_settings(root)
    repository, report = validate_source(WorktreeSource(root), markets, settings, None, settings)
    if report.errors and not render_anyway:
        raise ReportRefusedError(report)
    codes = select_markets(repository, markets)
    changed: frozenset[str] = frozenset()
    if base is not None:
        from marketctl.commands.diff import compare_sources
        from marketctl.repository.sources import GitSource

        comparison = compare_sources(
            GitSource(root, base), WorktreeSource(root), base, "the working tree", None, codes
        )
        changed = frozenset(
            [f"{change.market} {change.key}" for change in comparison.changes]
            + [f"{code} " for code in comparison.added]
        )
    problems = problems_of(report)
    ready = readiness(repository, codes, today, None if problems else spec_runner(root, settings))
    if problems:
        ready = replace(ready, specs_note="the repository does not validate")
    data = build_report(
        repository,
        codes,
        today,
        problems=problems,
        base=base,
        changed=changed,
        readiness=ready,
    )
    return render_pages(data)
