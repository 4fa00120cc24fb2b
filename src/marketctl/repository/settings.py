"""Per-repository settings from ``[tool.marketctl]`` in the root's pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from marketctl.core.diagnostics import Finding, Location, Severity, finding

if TYPE_CHECKING:
    from jsonschema import ValidationError


@dataclass(frozen=True)
class Settings:
    """Which findings count: code prefixes to select or ignore, and severity overrides."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    # Where each code prefix was written, for messages: (place, key, prefix), the place being
    # "pyproject.toml:12" or "--select".
    origins: tuple[tuple[str, str, str], ...] = ()
    # Translation import takes XLIFF units only when reviewed or final, not merely translated
    # (issue 24: for teams that require a review step in their translation tool).
    import_requires_review: bool = False
    # MKT022: what in [tool.marketctl] did not fit its schema (reported by validate and build).
    findings: tuple[Finding, ...] = ()

    def is_selected(self, code: str) -> bool:
        if self.select and not code.startswith(self.select):
            return False
        return not (self.ignore and code.startswith(self.ignore))

    def severity_of(self, code: str, default: Severity) -> Severity:
        # The longest matching prefix wins: MKT503 over MKT5.
        for prefix in sorted(self.severity, key=len, reverse=True):
            if code.startswith(prefix):
                return self.severity[prefix]
        return default

    def merged(self, select: tuple[str, ...], ignore: tuple[str, ...]) -> Settings:
        """These settings with the command line's --select/--ignore added; each option may be
        repeated or hold comma-separated prefixes (--select MKT1,MKT2)."""
        selected = _split(select)
        ignored = _split(ignore)
        origins = [origin for origin in self.origins if not (selected and origin[1] == "select")]
        origins += [("--select", "select", prefix) for prefix in selected]
        origins += [("--ignore", "ignore", prefix) for prefix in ignored]
        return Settings(
            select=selected or self.select,
            ignore=(*self.ignore, *ignored),
            severity=self.severity,
            origins=tuple(origins),
            import_requires_review=self.import_requires_review,
            findings=self.findings,
        )

    def filtered_by_command_line(self) -> bool:
        return any(place.startswith("--") for place, _, _ in self.origins)


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


# The schema of [tool.marketctl] (issue 13): what does not fit it is MKT022 at its line.
SETTINGS_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "select": {"$ref": "#/$defs/prefixes"},
        "import_requires_review": {"type": "boolean"},
        "ignore": {"$ref": "#/$defs/prefixes"},
        "severity": {
            "type": "object",
            "propertyNames": {"$ref": "#/$defs/prefix"},
            "additionalProperties": {"enum": ["error", "warning", "info"]},
        },
    },
    "$defs": {
        "prefix": {"type": "string", "pattern": "^MKT[0-9]{0,3}$"},
        "prefixes": {"type": "array", "items": {"$ref": "#/$defs/prefix"}},
    },
}
_HINTS: Final = {
    "select": 'a list of rule code prefixes, like select = ["MKT3", "MKT401"]',
    "ignore": 'a list of rule code prefixes, like ignore = ["MKT207"]',
    "severity": "a table of code prefix to error, warning or info, like "
    'severity = {MKT508 = "error"}',
    "import_requires_review": "true or false: whether translation import takes XLIFF units "
    "in state translated (false) or only reviewed and final ones (true)",
}


def _finding(path: Path, line: int, message: str, hint: str) -> Finding:
    return finding("MKT022", Location(path.name, line, 1), message, hint)


def _table_lines(text: str) -> tuple[int, dict[str, int]]:
    """The line of the [tool.marketctl] header (or the line naming it) and of each key
    written in the table."""
    lines = text.splitlines()
    header = next(
        (n for n, line in enumerate(lines, 1) if re.match(r"\s*\[\s*tool\.marketctl\s*\]", line)),
        None,
    )
    if header is None:
        named = next((n for n, line in enumerate(lines, 1) if "marketctl" in line), 1)
        return named, {}
    keys: dict[str, int] = {}
    for number in range(header + 1, len(lines) + 1):
        line = lines[number - 1]
        if re.match(r"\s*\[", line):
            break
        match = re.match(r"\s*([A-Za-z0-9_\-\"']+)\s*[=.]", line)
        if match:
            keys.setdefault(match.group(1).strip("\"'"), number)
    return header, keys


def read_settings(root: Path) -> Settings:
    """The settings of ``root/pyproject.toml``. What does not fit the schema is a finding
    (MKT022, at its line) in ``Settings.findings``, and the rest of the table still applies."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return Settings()
    try:
        text = path.read_text(encoding="utf-8")
        document = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        found = re.search(r"line (\d+)", str(error))
        return Settings(
            findings=(
                _finding(
                    path,
                    int(found.group(1)) if found else 1,
                    f"cannot read pyproject.toml: {error}",
                    "fix the TOML syntax (every tool that reads pyproject.toml fails on it)",
                ),
            )
        )
    tool = document.get("tool", {})
    table = tool.get("marketctl", {}) if isinstance(tool, dict) else {}
    header, keys = _table_lines(text)
    if not isinstance(table, dict):
        return Settings(
            findings=(
                _finding(
                    path,
                    header,
                    f"[tool.marketctl] must be a table, not {_shown(table)}",
                    "write [tool.marketctl] on its own line with select, ignore or severity "
                    "keys below it",
                ),
            )
        )
    findings: list[Finding] = []
    bad: set[str] = set()
    if not _fast_valid(table):
        # jsonschema words the problems; jsonschema-rs only says whether there are any.
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(SETTINGS_SCHEMA)
        for problem in sorted(validator.iter_errors(table), key=lambda e: list(map(str, e.path))):
            key = str(problem.path[0]) if problem.path else None
            if key is None and problem.validator == "additionalProperties":
                for name in sorted(set(table) - set(SETTINGS_SCHEMA["properties"])):
                    bad.add(name)
                    findings.append(
                        _finding(
                            path,
                            keys.get(name, header),
                            f"unknown key '{name}' in [tool.marketctl]",
                            "the keys are select, ignore, severity and import_requires_review",
                        )
                    )
                continue
            if key is None:  # pragma: no cover - the table is a dict here
                continue
            bad.add(key)
            where = "".join(f"[{part!r}]" for part in list(problem.path)[1:])
            findings.append(
                _finding(
                    path,
                    keys.get(key, header),
                    f"[tool.marketctl] {key}{where}: {_message(problem)}",
                    f"{key} is {_HINTS[key]}",
                )
            )
    severity = (
        {str(code): Severity(value) for code, value in table.get("severity", {}).items()}
        if "severity" not in bad
        else {}
    )
    select: tuple[str, ...] = tuple(table.get("select", ())) if "select" not in bad else ()
    ignore: tuple[str, ...] = tuple(table.get("ignore", ())) if "ignore" not in bad else ()
    origins = [
        (f"{path.name}:{_line_of(text, key, prefix)}", key, prefix)
        for key, prefixes in (("select", select), ("ignore", ignore), ("severity", severity))
        for prefix in prefixes
    ]
    return Settings(
        select=select,
        ignore=ignore,
        severity=severity,
        origins=tuple(origins),
        import_requires_review=table.get("import_requires_review") is True,
        findings=tuple(dict.fromkeys(findings)),
    )


def _line_of(text: str, key: str, prefix: str) -> int:
    """The line of [tool.marketctl] that names ``prefix`` (tomllib keeps no positions)."""
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if line.strip() == "[tool.marketctl]"), 0)
    quoted = (f'"{prefix}"', f"'{prefix}'", f"{prefix} =", f"{prefix}=")
    for number in range(start, len(lines)):
        line = lines[number].split("#", 1)[0]
        header = line.strip()
        if number > start and header.startswith("[") and not header.startswith("[tool.marketctl"):
            break
        if any(q in line for q in quoted):
            return number + 1
    return start + 1


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@cache
def _settings_validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(SETTINGS_SCHEMA)


def _fast_valid(table: Mapping[str, Any]) -> bool:
    """Whether jsonschema-rs finds the table valid (a TOML date it cannot take: not valid)."""
    try:
        return bool(_settings_validator().is_valid(table))
    except (ValueError, TypeError, OverflowError):
        return False


def _message(error: ValidationError) -> str:
    if error.validator == "enum":
        return f"{_shown(error.instance)} is not one of error, warning, info"
    if error.validator == "pattern":
        return f"{_shown(error.instance)} is not a rule code prefix (MKT, MKT5, MKT503)"
    if error.validator == "type":
        return f"{_shown(error.instance)} is not of type {error.validator_value}"
    return error.message
