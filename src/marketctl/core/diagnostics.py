"""Findings: what validation says about the markets, as plain values.

Rules yield :class:`Finding` values; reporters render them; nothing here raises or prints.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    # A finding made below the rule catalogue (the loader, the YAML reader) names its code only;
    # validation rates it with the catalogue's default severity before anything reads it.
    UNRATED = "unrated"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2, "unrated": 3}[self.value]


class Position(NamedTuple):
    """A 1-based line and column in a file; ordered by line, then column.

    A tuple, not a dataclass: a large repository holds one for every key and value it loads
    (hundreds of thousands), and a tuple is a third of the memory and cheaper to make."""

    line: int
    column: int


@dataclass(frozen=True)
class Anchor:
    """Where the files of findings are, for CI: a finding's file is relative to the root that
    holds markets/, but GitHub attaches annotations and code-scanning results to paths relative
    to the git work tree. ``prefix`` is the root's path from the work tree (``cfg`` when the
    markets are under ``cfg/markets/``, empty when the root is the work tree) and ``base`` the
    work tree's absolute path, when known."""

    prefix: str = ""
    base: Path | None = None

    def path(self, file: str) -> str:
        return f"{self.prefix}/{file}" if self.prefix else file


# Files as the findings give them (relative to the root), for the formats read by people.
AS_GIVEN = Anchor()


@dataclass(frozen=True)
class Location:
    """A place in the repository: a path relative to the root (posix) and a position."""

    file: str
    line: int = 1
    column: int = 1

    @classmethod
    def at(cls, file: str, position: Position | None) -> Location:
        if position is None:
            return cls(file)
        return cls(file, position.line, position.column)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    """One problem at one place: the unit of every report."""

    code: str
    severity: Severity
    file: str
    line: int
    column: int
    message: str
    hint: str = ""
    market: str | None = None

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.column)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.code, self.message)

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)


def finding(
    code: str, location: Location, message: str, hint: str = "", market: str | None = None
) -> Finding:
    """A finding made from a code and a location; the rule catalogue rates it later.

    Modules below ``checks`` (the YAML reader, the repository loader) make their findings with this,
    so they never import the catalogue: ``checks.validation`` attaches each code's severity.
    """
    return Finding(
        code=code,
        severity=Severity.UNRATED,
        file=location.file,
        line=location.line,
        column=location.column,
        message=message,
        hint=hint,
        market=market,
    )


def unique_sorted(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in file order, each reported once.

    A value in ``_defaults`` that breaks a rule would otherwise be reported once per market that
    inherits it; the market is dropped from the identity for that reason.
    """
    seen: dict[tuple[str, str, int, int, str], Finding] = {}
    for finding in findings:
        key = (finding.code, finding.file, finding.line, finding.column, finding.message)
        seen.setdefault(key, finding)
    return sorted(seen.values(), key=Finding.sort_key)
