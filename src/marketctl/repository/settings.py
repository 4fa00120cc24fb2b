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
    # Where each code prefix was written, for messages: (place, key, prefix), the place being
    # "pyproject.toml:12" or "--select".
    origins: tuple[tuple[str, str, str], ...] = ()

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
        )

    def filtered_by_command_line(self) -> bool:
        return any(place.startswith("--") for place, _, _ in self.origins)


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


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
    text = path.read_text(encoding="utf-8")
    select = _codes(path, table, "select")
    ignore = _codes(path, table, "ignore")
    origins = [
        (f"{path.name}:{_line_of(text, key, prefix)}", key, prefix)
        for key, prefixes in (("select", select), ("ignore", ignore), ("severity", severity))
        for prefix in prefixes
    ]
    return Settings(select=select, ignore=ignore, severity=severity, origins=tuple(origins))


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


def _codes(path: Path, table: dict[str, object], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MarketctlError(f"{path}: [tool.marketctl] {key} must be a list of code prefixes")
    return tuple(value)
