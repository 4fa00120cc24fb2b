"""Rendering a validation report: text, json, github (workflow commands) and sarif (2.1.0).

Reporters only turn findings into text; they decide nothing.
"""

from __future__ import annotations

import json
from typing import ClassVar, Protocol
from urllib.parse import quote

from marketctl import __version__
from marketctl.checks.rules import catalogue
from marketctl.checks.validation import Report
from marketctl.core.diagnostics import Finding, Severity


class Reporter(Protocol):
    def render(self, report: Report, quiet: bool = False, group: bool = True) -> str:
        """The report as text; ``quiet`` leaves out the summary line where there is one,
        ``group`` folds a code repeated in one file where the format is for people."""
        ...


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: Report) -> str:
    markets = ", ".join(report.markets) or "no markets"
    stopping = f" (+{len(report.stopping)} that build refuses)" if report.stopping else ""
    return (
        f"{_plural(report.errors, 'error')}{stopping}, {_plural(report.warnings, 'warning')} "
        f"in {_plural(len(report.markets), 'market')} ({markets}), {_plural(report.files, 'file')}"
    )


# A code repeated this often in one file prints once, with the count and how to list them all.
GROUP_AT = 4


def _market_of(finding: Finding) -> str | None:
    if finding.market:
        return finding.market
    parts = finding.file.split("/")
    if len(parts) > 2 and parts[0] == "markets" and not parts[1].startswith("_"):
        return parts[1]
    return None


def _finding_lines(finding: Finding, indent: str = "") -> list[str]:
    lines = [
        f"{indent}{finding.location}: {finding.code} {finding.severity.value}: {finding.message}"
    ]
    if finding.hint:
        lines.append(f"{indent}    hint: {finding.hint}")
    return lines


class TextReporter:
    """``markets/se/tax.yaml:7:12: MKT301 error: ...`` and the hint on the next line.

    Errors print before warnings and notes. A code that repeats ``GROUP_AT`` times or more in
    one file prints once: the first finding, the count, and the command that lists them all
    (``group=False`` prints every one).
    """

    def render(self, report: Report, quiet: bool = False, group: bool = True) -> str:
        lines: list[str] = []
        ordered = sorted(report.findings, key=lambda f: (f.severity.rank, *f.sort_key()))
        repeats: dict[tuple[str, str, Severity], list[Finding]] = {}
        for finding in ordered:
            repeats.setdefault((finding.code, finding.file, finding.severity), []).append(finding)
        for finding in ordered:
            same = repeats[(finding.code, finding.file, finding.severity)]
            if not group or len(same) < GROUP_AT:
                lines += _finding_lines(finding)
            elif finding is same[0]:
                lines += _finding_lines(finding)
                market = _market_of(finding)
                command = " ".join(
                    part
                    for part in ("marketctl validate", market, f"--select {finding.code}")
                    if part
                )
                lines.append(
                    f"    ... and {len(same) - 1} more {finding.code} "
                    f"{finding.severity.value}s in this file ({len(same)} in all); "
                    f"`{command} --no-group` lists them"
                )
        if report.stopping:
            count = len(report.stopping)
            lines.append(
                f"{_plural(count, 'error')} that `marketctl build` would refuse, although the "
                "settings hide " + ("it" if count == 1 else "them") + ":"
            )
            for finding, why in report.stopping:
                lines += _finding_lines(finding, "  ")
                lines.append(f"      why: {why}")
        if not quiet:
            lines.append(summary_line(report))
        return "".join(f"{line}\n" for line in lines)


class JsonReporter:
    def render(self, report: Report, quiet: bool = False, group: bool = True) -> str:
        rules = catalogue()
        document = {
            "version": 1,
            "summary": {
                "errors": report.errors,
                "warnings": report.warnings,
                "markets": list(report.markets),
                "files": report.files,
            },
            "findings": [
                {
                    "code": f.code,
                    "name": rules[f.code].name if f.code in rules else f.code,
                    "severity": f.severity.value,
                    "file": f.file,
                    "line": f.line,
                    "column": f.column,
                    "message": f.message,
                    "hint": f.hint,
                    "market": f.market,
                }
                for f in report.findings
            ],
            "stopping": [
                {
                    "code": f.code,
                    "severity": f.severity.value,
                    "file": f.file,
                    "line": f.line,
                    "column": f.column,
                    "message": f.message,
                    "why": why,
                }
                for f, why in report.stopping
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter:
    """GitHub Actions workflow commands: an annotation on the line of each finding."""

    _LEVEL: ClassVar[dict[Severity, str]] = {
        Severity.ERROR: "error",
        Severity.WARNING: "warning",
        Severity.INFO: "notice",
    }

    def render(self, report: Report, quiet: bool = False, group: bool = True) -> str:
        rules = catalogue()
        lines = []
        for f in (*report.findings, *(finding for finding, _ in report.stopping)):
            name = rules[f.code].name if f.code in rules else ""
            title = _escape_property(f"{f.code} {name}".strip())
            message = f.message + (f"\n{f.hint}" if f.hint else "")
            lines.append(
                f"::{self._LEVEL[f.severity]} file={_escape_property(f.file)},line={f.line},"
                f"col={f.column},title={title}::{_escape_data(message)}"
            )
        if not quiet:
            lines.append(summary_line(report))
        return "".join(f"{line}\n" for line in lines)


class SarifReporter:
    """SARIF 2.1.0, for code-scanning dashboards."""

    _LEVEL: ClassVar[dict[Severity, str]] = {
        Severity.ERROR: "error",
        Severity.WARNING: "warning",
        Severity.INFO: "note",
    }

    def render(self, report: Report, quiet: bool = False, group: bool = True) -> str:
        rules = [rule for rule in catalogue().values() if not rule.retired]
        index = {rule.code: position for position, rule in enumerate(rules)}
        shown = (*report.findings, *(finding for finding, _ in report.stopping))
        results = [self._result(f, index) for f in shown]
        document = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "marketctl",
                            "version": __version__,
                            "informationUri": "https://github.com/marketctl/marketctl",
                            "rules": [
                                {
                                    "id": rule.code,
                                    "name": rule.name,
                                    "shortDescription": {"text": rule.summary},
                                    "fullDescription": {"text": rule.doc.strip()},
                                    "help": {"text": rule.doc.strip()},
                                    "defaultConfiguration": {"level": self._LEVEL[rule.severity]},
                                }
                                for rule in rules
                            ],
                        }
                    },
                    "results": results,
                }
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    def _result(self, f: Finding, index: dict[str, int]) -> dict[str, object]:
        result: dict[str, object] = {
            "ruleId": f.code,
            "level": self._LEVEL[f.severity],
            "message": {"text": f.message + (f" ({f.hint})" if f.hint else "")},
            "locations": [
                {
                    "physicalLocation": {
                        # Relative to the repository root, which SARIF consumers (GitHub code
                        # scanning) resolve %SRCROOT% to; percent-encoded as a URI must be.
                        "artifactLocation": {"uri": quote(f.file), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        return result


REPORTERS: dict[str, Reporter] = {
    "text": TextReporter(),
    "json": JsonReporter(),
    "github": GithubReporter(),
    "sarif": SarifReporter(),
}
