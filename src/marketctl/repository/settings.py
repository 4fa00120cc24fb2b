"""Per-repository settings from ``[tool.marketctl]`` in the root's pyproject.toml."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from marketctl.core.diagnostics import Severity
from marketctl.core.errors import MarketctlError


@dataclass(frozen=True)
class Settings:
    """Which findings count: code prefixes to select or ignore, and severity overrides."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)

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
        """These settings with the command line's --select/--ignore added."""
        return Settings(
            select=select or self.select,
            ignore=(*self.ignore, *ignore),
            severity=self.severity,
        )


def read_settings(root: Path) -> Settings:
    path = root / "pyproject.toml"
    if not path.is_file():
        return Settings()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise MarketctlError(f"{path}: cannot read [tool.marketctl]: {error}") from error
    table = document.get("tool", {}).get("marketctl", {})
    if not isinstance(table, dict):
        raise MarketctlError(f"{path}: [tool.marketctl] must be a table")
    unknown = set(table) - {"select", "ignore", "severity"}
    if unknown:
        raise MarketctlError(
            f"{path}: unknown key(s) in [tool.marketctl]: {', '.join(sorted(unknown))}",
            "the keys are select, ignore and severity",
        )
    severity: dict[str, Severity] = {}
    for code, value in dict(table.get("severity", {})).items():
        try:
            severity[str(code)] = Severity(value)
        except ValueError:
            raise MarketctlError(
                f"{path}: [tool.marketctl] severity for {code} is '{value}'",
                "use error, warning or info",
            ) from None
    return Settings(
        select=_codes(path, table, "select"),
        ignore=_codes(path, table, "ignore"),
        severity=severity,
    )


def _codes(path: Path, table: dict[str, object], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MarketctlError(f"{path}: [tool.marketctl] {key} must be a list of code prefixes")
    return tuple(value)
