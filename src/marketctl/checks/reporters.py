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
    def render(self, report: Report, quiet: bool = False) -> str:
        """The report as text; ``quiet`` leaves out the summary line where there is one."""
        ...


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: Report) -> str:
    markets = ", ".join(report.markets) or "no markets"
    return (
        f"{_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')} "
        f"in {_plural(len(report.markets), 'market')} ({markets}), {_plural(report.files, 'file')}"
    )


class TextReporter:
    """``markets/se/tax.yaml:7:12: MKT301 error: ...`` and the hint on the next line."""

    def render(self, report: Report, quiet: bool = False) -> str:
        lines: list[str] = []
        for finding in report.findings:
            lines.append(
                f"{finding.location}: {finding.code} {finding.severity.value}: {finding.message}"
            )
            if finding.hint:
                lines.append(f"    hint: {finding.hint}")
        if not quiet:
            lines.append(summary_line(report))
        return "".join(f"{line}\n" for line in lines)


class JsonReporter:
    def render(self, report: Report, quiet: bool = False) -> str:
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

    def render(self, report: Report, quiet: bool = False) -> str:
        rules = catalogue()
        lines = []
        for f in report.findings:
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

    def render(self, report: Report, quiet: bool = False) -> str:
        rules = [rule for rule in catalogue().values() if not rule.retired]
        index = {rule.code: position for position, rule in enumerate(rules)}
        results = [self._result(f, index) for f in report.findings]
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
