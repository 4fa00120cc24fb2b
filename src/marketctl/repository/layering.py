"""Layered values with provenance.

``_defaults`` → ``_regions/<region>`` → ``<market>``: mappings merge key by key; a scalar or a list
in a later layer replaces the earlier one. Every resolved value remembers the document and path
it came from, and what it replaced, so ``explain`` and every finding can point at the line that
decided it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from marketctl.core.diagnostics import Location
from marketctl.core.documents import Document, Path, value_at


@dataclass(frozen=True)
class Origin:
    """A value as one document wrote it."""

    document: Document
    path: Path

    @property
    def location(self) -> Location:
        return self.document.value_location(self.path)

    @property
    def key_location(self) -> Location:
        return self.document.key_location(self.path)

    @property
    def value(self) -> Any:
        return self.document.get(self.path)


@dataclass
class Resolved:
    """One file kind of one market after layering."""

    data: dict[str, Any] = field(default_factory=dict)
    origins: dict[Path, Origin] = field(default_factory=dict)
    overridden: dict[Path, list[Origin]] = field(default_factory=dict)
    contributors: dict[Path, list[Origin]] = field(default_factory=dict)

    @property
    def documents(self) -> list[Document]:
        return [origin.document for origin in self.contributors.get((), [])]

    def get(self, path: Path) -> Any:
        return value_at(self.data, path)

    def has(self, path: Path) -> bool:
        return path in self.origins or path == ()

    def origin(self, path: Path) -> Origin | None:
        """The document that decided the value at ``path`` (or its nearest ancestor)."""
        for depth in range(len(path), -1, -1):
            found = self.origins.get(path[:depth])
            if found is not None:
                return found
        return None

    def location(self, path: Path) -> Location | None:
        """Where the value at ``path`` was written; for a merged mapping, the latest layer's."""
        if path in self.contributors and path not in self.origins:
            return self.contributors[path][-1].location
        origin = self.origin(path)
        return origin.location if origin else None

    def key_location(self, path: Path) -> Location | None:
        if path in self.contributors and path not in self.origins:
            return self.contributors[path][-1].key_location
        origin = self.origin(path)
        return origin.key_location if origin else None


def resolve(documents: Iterable[Document]) -> Resolved:
    """Merge documents, earliest layer first."""
    resolved = Resolved()
    for document in documents:
        resolved.contributors.setdefault((), []).append(Origin(document, ()))
        _merge_mapping(resolved, resolved.data, document.data, (), document)
    return resolved


def _merge_mapping(
    resolved: Resolved, target: dict[str, Any], source: dict[str, Any], path: Path, doc: Document
) -> None:
    for key, value in source.items():
        child = (*path, key)
        existing = target.get(key)
        if isinstance(existing, dict) and isinstance(value, dict):
            if child in resolved.origins:
                # The mapping came whole from one layer; from now on it is merged.
                resolved.contributors[child] = [resolved.origins.pop(child)]
            resolved.contributors.setdefault(child, []).append(Origin(doc, child))
            _merge_mapping(resolved, existing, value, child, doc)
            continue
        if key in target:
            previous = resolved.origin(child)
            if previous is not None:
                resolved.overridden.setdefault(child, []).append(previous)
            _forget_below(resolved, child, existing)
        target[key] = _copied(value)
        _record(resolved, value, child, doc)


_IMMUTABLE = (str, int, float, bool, type(None), date, datetime)


def _copied(value: Any) -> Any:
    """A copy of a document's value that merging can change without changing the document:
    ``copy.deepcopy`` for what YAML gives (mappings, lists and scalars), a third of its time."""
    kind = type(value)
    if kind is dict:
        return {key: _copied(child) for key, child in value.items()}
    if kind is list:
        return [_copied(child) for child in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


def _forget_below(resolved: Resolved, path: Path, replaced: Any) -> None:
    """Forget what was recorded below ``path``, whose value ``replaced`` is being replaced:
    the paths inside that value, and no others (scanning every recorded path instead made an
    environment that overrides N features cost N times the whole rollout)."""
    for below in _paths_inside(replaced, path):
        resolved.origins.pop(below, None)
        resolved.contributors.pop(below, None)
    resolved.contributors.pop(path, None)


def _paths_inside(value: Any, path: Path) -> Iterator[Path]:
    if isinstance(value, dict):
        children: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    else:
        return
    for key, child in children:
        inside = (*path, key)
        yield inside
        yield from _paths_inside(child, inside)


def _record(resolved: Resolved, value: Any, path: Path, doc: Document) -> None:
    resolved.origins[path] = Origin(doc, path)
    if isinstance(value, dict):
        for key, child in value.items():
            _record(resolved, child, (*path, key), doc)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _record(resolved, child, (*path, index), doc)
