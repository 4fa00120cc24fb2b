"""Validate again after a change, redoing only what the changed files touch (issue 11).

A full run keeps its findings by what they depend on (:class:`~marketctl.checks.validation.
Collected`), with the SHA-256 of every file it read, in the unit store
(:class:`~marketctl.repository.cache.UnitStore`). The next run on the same repository compares
the hashes and redoes, for the files that changed:

- their loading and schema findings (MKT0, MKT1) and their inline ignores;
- the rules of every market that reads them: a file in a market's folder touches that market; a
  file of ``_defaults`` or a region touches the markets layered on it, and a catalogue there
  only the markets whose locales fall back to it (all of them when the catalogue stopped or
  started loading or fitting its schema, which decides whether a market is checked at all);
- the message rules (MKT5) for each changed catalogue, against the source catalogue: what they
  say about a translation depends on that translation and the source alone;
- the other repository rules (regions, the feature catalogue, environments), which read only
  the small files every run loads.

Only those files are parsed: every market.yaml (for regions and locales), the layers' other
small files, the source catalogue, and then the whole folder of each touched market with the
catalogues its locales read. Anything else (a file added, removed or renamed, a change to an
environment, to the feature catalogue or to the source catalogue, or more than half of the
markets touched) is a full run, which stores new units. The tests compare the report of every
path with a run without the cache, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marketctl.checks.schemas import check_document
from marketctl.checks.validation import (
    SOURCE_CATALOGUE,
    Collected,
    active_rules,
    by_file,
    documents_of,
    environment_findings,
    is_message_rule,
    market_findings,
    message_findings,
    repository_findings,
    repository_rules,
)
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.locales import fallback_chain
from marketctl.repository.cache import Tree
from marketctl.repository.loading import MARKETS, load_more, load_repository, schema_kind
from marketctl.repository.markets import DEFAULTS, LAYERED_KINDS, REGIONS, Layer, Repository
from marketctl.repository.reference import REFERENCE
from marketctl.repository.sources import NarrowedSource, Source

__all__ = ["SOURCE_CATALOGUE", "broken_files", "decode", "encode", "mark_unread", "update"]

_DOCUMENTATION = (".md", ".txt")
_STRUCTURE = frozenset(f"{kind}.yaml" for kind in LAYERED_KINDS)


class _Full(Exception):
    """The change is not one this module redoes in part: run everything."""


def broken_files(repository: Repository) -> set[str]:
    """The files the loader could not read into a document (``Layer.broken``), by path."""
    return {
        f"{layer.directory}/{name}.yaml" for layer in repository.layers for name in layer.broken
    }


def mark_unread(
    repository: Repository, unread: Iterable[str], broken: set[str], schema_errors: set[str]
) -> None:
    """Catalogues left unread that did not load or fit their schema (as a stored run saw them)
    still keep the markets on their layer from being checked, as in a full run."""
    failing = [path for path in unread if path in broken or path in schema_errors]
    for layer in repository.layers:
        prefix = layer.directory + "/messages/"
        for path in failing:
            if path.startswith(prefix):
                layer.broken.add(path.removeprefix(layer.directory + "/").removesuffix(".yaml"))


def encode(collected: Collected, tree: Tree, broken: set[str]) -> dict[str, Any]:
    """The units of a run, as JSON values."""

    def findings(items: list[Finding]) -> list[list[Any]]:
        return [_finding_value(finding) for finding in items]

    return {
        "files": tree.files,
        "broken": sorted(broken),
        "loading": {path: findings(items) for path, items in collected.loading.items()},
        "schema": {path: findings(items) for path, items in collected.schema.items()},
        "markets": {code: findings(items) for code, items in collected.markets.items()},
        "environments": {
            name: {code: findings(items) for code, items in by_code.items()}
            for name, by_code in collected.environments.items()
        },
        "shared": {
            path: [[index, _finding_value(finding)] for index, finding in pairs]
            for path, pairs in collected.shared.items()
        },
        "ignores": {
            path: {str(line): sorted(codes) for line, codes in lines.items()}
            for path, lines in collected.ignores.items()
        },
    }


def decode(units: dict[str, Any]) -> tuple[Collected, dict[str, str], set[str]]:
    """The units as :func:`encode` wrote them: the findings, the files' hashes and the files
    that did not load. Raises KeyError, TypeError or ValueError where they are not."""

    def findings(items: list[list[Any]]) -> list[Finding]:
        return [_finding(value) for value in items]

    collected = Collected(
        loading={path: findings(items) for path, items in units["loading"].items()},
        schema={path: findings(items) for path, items in units["schema"].items()},
        markets={code: findings(items) for code, items in units["markets"].items()},
        environments={
            name: {code: findings(items) for code, items in by_code.items()}
            for name, by_code in units["environments"].items()
        },
        shared={
            path: [(int(index), _finding(value)) for index, value in pairs]
            for path, pairs in units["shared"].items()
        },
        ignores={
            path: {int(line): frozenset(codes) for line, codes in lines.items()}
            for path, lines in units["ignores"].items()
        },
    )
    files = units["files"]
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise ValueError("files")
    return collected, files, set(units["broken"])


def _finding_value(finding: Finding) -> list[Any]:
    return [
        finding.code,
        finding.severity.value,
        finding.file,
        finding.line,
        finding.column,
        finding.message,
        finding.hint,
        finding.market,
    ]


def _finding(value: list[Any]) -> Finding:
    code, severity, file, line, column, message, hint, market = value
    if not all(isinstance(text, str) for text in (code, file, message, hint)):
        raise ValueError("finding")
    if (
        type(line) is not int
        or type(column) is not int
        or (market is not None and not isinstance(market, str))
    ):
        raise ValueError("finding")
    return Finding(code, Severity(severity), file, line, column, message, hint, market)


def update(source: Source, tree: Tree, units: dict[str, Any]) -> tuple[Collected, set[str]] | None:
    """The findings of a full run on ``tree``, from the stored ``units`` and what changed since
    (with the files that do not load); None where the change needs a full run, or the units
    cannot be read."""
    try:
        collected, files, broken = decode(units)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if files.keys() != tree.files.keys():
        return None  # a file added, removed or renamed: what makes the tree is another
    changed = sorted(
        path
        for path, digest in tree.files.items()
        if digest != files[path] and not path.endswith(_DOCUMENTATION)
    )
    if not changed:
        return collected, broken
    try:
        return _Update(source, tree, collected, broken, changed).run()
    except _Full:
        return None


class _Update:
    def __init__(
        self,
        source: Source,
        tree: Tree,
        collected: Collected,
        broken: set[str],
        changed: list[str],
    ) -> None:
        self.source = source
        self.tree = tree
        self.collected = collected
        self.broken_before = broken
        self.changed = changed
        self.places = {path: _place(path, collected) for path in changed}
        # Translations in market folders alone touch no other market and none of the small
        # files the other repository rules read: those rules' findings stay as stored.
        self.wide = any(
            _is_shared(directory) or relative in _STRUCTURE
            for directory, relative in self.places.values()
        )
        self.paths = [
            path for path, digest in tree.files.items() if not digest.startswith("folder-link:")
        ]

    def run(self) -> tuple[Collected, set[str]]:
        collected = self.collected
        repository, loaded = self._load_first()
        broken_now = (self.broken_before - set(self.changed)) | {
            path for path in broken_files(repository) if path in self.places
        }
        documents = documents_of(repository)
        for path in self.changed:
            collected.schema.pop(path, None)
            collected.ignores.pop(path, None)
            document = documents.get(path)
            if document is not None:
                layer_directory, relative = self.places[path]
                collected.schema[path] = check_document(
                    document, schema_kind(_layer(repository, layer_directory), relative)
                )
                collected.ignores[path] = dict(document.ignores)
        schema_errors = collected.schema_errors

        dirty = self._dirty_markets(repository)
        if len(dirty) * 2 > len(self.collected.markets):
            raise _Full
        extra = self._second_files(repository, dirty, loaded)
        fresh_loading = [f for f in repository.findings if f.file in self.places]
        fresh_loading += [
            f for f in load_more(self.source, repository, extra) if f.file in self.places
        ]
        loaded |= set(extra)
        unread = [path for path in self.paths if path not in loaded]
        mark_unread(repository, unread, broken_now, schema_errors)

        for path in self.changed:
            collected.loading.pop(path, None)
        collected.loading.update(by_file(fresh_loading))

        rules = active_rules()
        codes = sorted(dirty)
        for code in codes:
            collected.markets[code] = market_findings(repository, code, rules, schema_errors)
        environments = environment_findings(repository, codes, schema_errors)
        for name, by_code in collected.environments.items():
            for code in codes:
                by_code.pop(code, None)
            by_code.update(environments.get(name, {}))
        for name, by_code in environments.items():
            collected.environments.setdefault(name, by_code)

        self._shared(repository, schema_errors)
        return collected, broken_now

    def _load_first(self) -> tuple[Repository, set[str]]:
        """Every market.yaml, the layers' other small files, the environments, the feature and
        source catalogues, the changed files and the folders of the markets they are in."""
        touched = {directory for directory, _ in self.places.values() if not _is_shared(directory)}
        first: set[str] = set(self.changed)
        by_market: dict[str, list[str]] = {}
        by_region: dict[str, list[str]] = {}
        for path in self.paths:
            parts = path.split("/")
            if len(parts) < 3 or parts[0] != MARKETS:
                continue
            if parts[1] in (DEFAULTS, REGIONS, "_environments", REFERENCE):
                if "messages" not in parts or path == SOURCE_CATALOGUE:
                    first.add(path)
                elif parts[1] == REGIONS:
                    by_region.setdefault(parts[2], []).append(path)
                continue
            by_market.setdefault(parts[1], []).append(path)
        for region, paths in by_region.items():
            if not any(path.startswith(f"{MARKETS}/{REGIONS}/{region}/") for path in first):
                first.update(paths)  # a region of catalogues alone: they make the layer
        for code, paths in by_market.items():
            directory = f"{MARKETS}/{code}"
            if directory in touched:
                first.update(paths)
            elif not self.wide:
                continue
            elif f"{directory}/market.yaml" in paths:
                first.add(f"{directory}/market.yaml")
            else:
                first.update(paths)  # no market.yaml (MKT010): all it has makes the layer
        return load_repository(NarrowedSource(self.source, first), jobs=1), first

    def _dirty_markets(self, repository: Repository) -> set[str]:
        layers_of = {code: repository.market(code).layers for code in repository.markets}
        dirty: set[str] = set()
        for directory, relative in self.places.values():
            users = {
                code
                for code, layers in layers_of.items()
                if any(layer.directory == directory for layer in layers)
            }
            if not _is_shared(directory) or relative in _STRUCTURE:
                dirty |= users
                continue
            # A shared catalogue concerns the markets whose locales read it, whether it loads
            # or not (validation._is_checkable: no other market's rules depend on it).
            tag = relative.removeprefix("messages/").removesuffix(".yaml")
            dirty |= {
                code
                for code in users
                if any(tag in fallback_chain(locale) for locale in repository.market(code).locales)
            }
        return dirty

    def _second_files(self, repository: Repository, dirty: set[str], loaded: set[str]) -> list[str]:
        """The touched markets' folders and the catalogues of their layers their locales read."""
        wanted: set[str] = set()
        known = set(self.paths)
        for code in dirty:
            market = repository.market(code)
            prefix = f"{MARKETS}/{code}/"
            wanted.update(path for path in self.paths if path.startswith(prefix))
            tags = {tag for locale in market.locales for tag in fallback_chain(locale)}
            for layer in market.layers:
                wanted.update(
                    path
                    for tag in tags
                    if (path := f"{layer.directory}/messages/{tag}.yaml") in known
                )
        return sorted(wanted - loaded)

    def _shared(self, repository: Repository, schema_errors: set[str]) -> None:
        """The repository rules: the message rules for the changed catalogues, the others
        anew."""
        shared = self.collected.shared
        rules = active_rules()
        catalogues = {
            path for path, (_, relative) in self.places.items() if relative not in _STRUCTURE
        }
        kept: dict[str, list[tuple[int, Finding]]] = {}
        for path, pairs in shared.items():
            left = [
                (index, finding)
                for index, finding in pairs
                if (is_message_rule(rules[index]) or not self.wide) and path not in catalogues
            ]
            if left:
                kept[path] = left
        chosen = repository_rules(repository, schema_errors)
        if chosen is not None:
            messages, others = chosen
            fresh: list[tuple[int, Finding]] = []
            if catalogues:
                for index, found in message_findings(repository, messages, frozenset(catalogues)):
                    fresh += [(index, finding) for finding in found]
            if self.wide:
                for index, found in repository_findings(repository, others):
                    fresh += [(index, finding) for finding in found]
            for index, finding in fresh:
                kept.setdefault(finding.file, []).append((index, finding))
        self.collected.shared = {
            path: sorted(pairs, key=lambda pair: pair[0]) for path, pairs in kept.items()
        }


def _place(path: str, collected: Collected) -> tuple[str, str]:
    """The layer folder and the path within it of a changed file this module can redo."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != MARKETS or path == SOURCE_CATALOGUE:
        raise _Full
    if parts[1] == DEFAULTS:
        directory, relative = "/".join(parts[:2]), "/".join(parts[2:])
    elif parts[1] == REGIONS and len(parts) >= 4:
        directory, relative = "/".join(parts[:3]), "/".join(parts[3:])
    elif parts[1] in collected.markets:
        directory, relative = "/".join(parts[:2]), "/".join(parts[2:])
    else:
        raise _Full  # environments, stray files, folders that are not markets
    is_catalogue = relative.startswith("messages/") and relative.count("/") == 1
    if relative not in _STRUCTURE and not (is_catalogue and relative.endswith(".yaml")):
        raise _Full
    return directory, relative


def _is_shared(directory: str) -> bool:
    return directory.split("/")[1] in (DEFAULTS, REGIONS)


def _layer(repository: Repository, directory: str) -> Layer:
    for layer in repository.layers:
        if layer.directory == directory:
            return layer
    raise _Full
