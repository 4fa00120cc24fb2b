"""Layered values with provenance.

``_defaults`` → ``_regions/<region>`` → ``<market>``: mappings merge key by key; a scalar or a list
in a later layer replaces the earlier one. Every resolved value remembers the document and path
it came from, and what it replaced, so ``explain`` and every finding can point at the line that
decided it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
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


_MISSING = object()


class Origins(Mapping[Path, Origin]):
    """Where each value inside a value one layer wrote whole comes from, by path.

    Made on demand from the paths where layers wrote whole values (``Resolved.roots``) and the
    data: recording an origin for every nested path up front cost a fifth of validating a
    rollout of 1,000 features. A path whose value came from merging mappings has none."""

    def __init__(self, resolved: Resolved) -> None:
        self._resolved = resolved

    def __getitem__(self, path: Path) -> Origin:
        found = self._resolved.recorded(path)
        if found is None:
            raise KeyError(path)
        return found

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and self._resolved.recorded(path) is not None

    def __iter__(self) -> Iterator[Path]:
        for root in self._resolved.roots:
            yield root
            yield from _paths_inside(self._resolved.get(root), root)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class Resolved:
    """One file kind of one market after layering."""

    data: dict[str, Any] = field(default_factory=dict)
    #: The paths where a layer wrote a value whole (it and everything inside it are that
    #: layer's), with that layer's document. None is inside another.
    roots: dict[Path, Document] = field(default_factory=dict)
    overridden: dict[Path, list[Origin]] = field(default_factory=dict)
    contributors: dict[Path, list[Origin]] = field(default_factory=dict)

    @property
    def origins(self) -> Origins:
        return Origins(self)

    @property
    def documents(self) -> list[Document]:
        return [origin.document for origin in self.contributors.get((), [])]

    def get(self, path: Path) -> Any:
        return value_at(self.data, path)

    def has(self, path: Path) -> bool:
        return path == () or self.recorded(path) is not None

    def recorded(self, path: Path) -> Origin | None:
        """The origin of the value at ``path`` where it lies inside a value one layer wrote
        whole; None where there is no value or it came from merging."""
        root = self._root(path)
        if root is None or self._deepest(path, len(root[0])) != len(path):
            return None
        return Origin(root[1], path)

    def origin(self, path: Path) -> Origin | None:
        """The document that decided the value at ``path`` (or its nearest ancestor)."""
        root = self._root(path)
        if root is None:
            return None
        return Origin(root[1], path[: self._deepest(path, len(root[0]))])

    def _root(self, path: Path) -> tuple[Path, Document] | None:
        roots = self.roots
        for depth in range(len(path), -1, -1):
            document = roots.get(path[:depth])
            if document is not None:
                return path[:depth], document
        return None

    def _deepest(self, path: Path, start: int) -> int:
        """How many steps of ``path`` lead to a value in the data (at least ``start``)."""
        value: Any = self.data
        for depth, step in enumerate(path):
            if isinstance(value, dict):
                value = value.get(step, _MISSING)
            elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
                value = value[step]
            else:
                value = _MISSING
            if value is _MISSING:
                return max(depth, start)
        return len(path)

    def location(self, path: Path) -> Location | None:
        """Where the value at ``path`` was written; for a merged mapping, the latest layer's."""
        if path in self.contributors:
            return self.contributors[path][-1].location
        origin = self.origin(path)
        return origin.location if origin else None

    def key_location(self, path: Path) -> Location | None:
        if path in self.contributors:
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
            written = resolved.roots.pop(child, None)
            if written is not None:
                # The mapping came whole from one layer; from now on it is merged, and each
                # of its keys is that layer's value.
                resolved.contributors[child] = [Origin(written, child)]
                for inner in existing:
                    resolved.roots[(*child, inner)] = written
            resolved.contributors.setdefault(child, []).append(Origin(doc, child))
            _merge_mapping(resolved, existing, value, child, doc)
            continue
        if key in target:
            previous = resolved.origin(child)
            if previous is not None:
                resolved.overridden.setdefault(child, []).append(previous)
            _forget_below(resolved, child, existing)
        target[key] = _copied(value)
        resolved.roots[child] = doc


_IMMUTABLE = (str, int, float, Decimal, bool, type(None), date, datetime)


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
    if resolved.roots.pop(path, None) is None:  # merged: what is recorded lies inside
        for below in _paths_inside(replaced, path):
            resolved.roots.pop(below, None)
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
