"""Reviewed overrides: a market that really differs from the reference data says so next to the
value, and a person vouches for it (issue 20).

Money and law that contradict the reference (a currency that is not legal tender, a tax rate or
a legal period that differs from the law marketctl holds for that day, a rate that looks like a
fraction) are errors. A market that really differs records why beside the value:

- in an interval of a rate or a legal period (``tax.yaml``, ``warranty.yaml``), or in a fact
  written as a mapping (``prices_include_tax``, ``margin_scheme``), as its ``override``;
- for a single value at the top of a file (``currency`` in ``market.yaml``), as
  ``<name>_override`` beside it.

An override holds ``what`` differs, ``why``, the ``source`` that says so (title and url, as any
fact's source) and the day it was ``reviewed``; the schemas require all four. The finding of a
rule that compares that value with the reference (:data:`OVERRIDABLE` rules) is then a warning
that names the override, so CI still shows it and ``--strict`` still counts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from marketctl.core.diagnostics import Finding, Location, Severity
from marketctl.core.documents import Document

__all__ = ["OVERRIDE", "Override", "apply_override", "override_at"]

#: The key of an interval's override; a single value's is ``<name>_override``.
OVERRIDE = "override"
_FIELDS = ("what", "why", "reviewed")

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Override:
    """A reviewed override as written, and where."""

    what: str
    why: str
    source: str
    reviewed: str
    location: Location


def override_at(document: Document, path: Path) -> Override | None:
    """The override that vouches for the value at ``path`` of ``document``: the ``override`` of
    the innermost mapping holding it below the top of the file (an interval, a fact such as
    ``prices_include_tax``), or ``<name>_override`` beside a top-level value."""
    candidates: list[Path] = [(*path[:depth], OVERRIDE) for depth in range(len(path) - 1, 0, -1)]
    if path and isinstance(path[0], str):
        candidates.append((f"{path[0]}_{OVERRIDE}",))
    for where in candidates:
        written = document.get(where)
        if written is None:
            continue
        if not isinstance(written, Mapping) or not _complete(written):
            return None  # an incomplete one is the schema's finding (MKT101, MKT103)
        source = written["source"]
        return Override(
            what=written["what"],
            why=written["why"],
            source=str(source.get("title", "")),
            reviewed=written["reviewed"],
            location=document.key_location(where),
        )
    return None


def _complete(written: Mapping[str, Any]) -> bool:
    return all(isinstance(written.get(key), str) and written[key] for key in _FIELDS) and (
        isinstance(written.get("source"), Mapping)
    )


def written_path(document: Document, finding: Finding) -> Path | None:
    """The path of the value written where ``finding`` points (the deepest, where a mapping and
    its first value start at the same place); None where no value starts there."""
    found = [
        path
        for path, position in document.values.items()
        if position.line == finding.line and position.column == finding.column
    ]
    return max(found, key=len) if found else None


def apply_override(finding: Finding, documents: Mapping[str, Document]) -> Finding:
    """``finding`` as a warning naming the override of the value it points at, where the value
    has one; else unchanged."""
    document = documents.get(finding.file)
    if document is None:
        return finding
    path = written_path(document, finding)
    vouched = override_at(document, path) if path is not None else None
    if vouched is None:
        return finding
    where = vouched.location
    return replace(
        finding,
        severity=Severity.WARNING,
        message=(
            f"{finding.message}; overridden at {where.file}:{where.line} (reviewed "
            f"{vouched.reviewed}): {vouched.what}"
        ),
        hint=(
            f"kept as a warning because a person vouched for it: {vouched.why} (source: "
            f"{vouched.source}); remove the override when the value follows the reference"
        ),
    )
