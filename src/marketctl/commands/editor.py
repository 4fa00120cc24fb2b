"""A repository kept loaded for an editor: the findings of ``validate``, ``explain`` as hover,
definitions, completion and quick fixes, on the files as the editor holds them (unsaved edits
included).

:mod:`marketctl.lsp` adapts this to the Language Server Protocol; nothing here knows the
protocol. Every answer comes from the functions the commands use: the findings are
:func:`~marketctl.checks.validation.validate_source`'s (brought up to date after an edit by
:func:`~marketctl.checks.incremental.update`, as ``validate`` does from its cache), hover is
:func:`~marketctl.commands.explain.explain` and the rule catalogue's documentation.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from marketctl.checks import incremental, validation
from marketctl.checks.rules import catalogue
from marketctl.checks.validation import Report
from marketctl.commands.explain import Explanation, explain
from marketctl.commands.ruledocs import render_rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Location
from marketctl.core.documents import Document, load_document
from marketctl.core.documents import Path as KeyPath
from marketctl.core.errors import MarketctlError
from marketctl.reference.locales import fallback_chain
from marketctl.repository.cache import Tree, tree_of
from marketctl.repository.loading import load_repository
from marketctl.repository.markets import DEFAULTS, REGIONS, Repository
from marketctl.repository.settings import read_settings
from marketctl.repository.sources import DocumentMemo, SourceOn, WorktreeSource

__all__ = ["Completion", "EditorSession", "OverlaySource", "quick_fixes", "token_span"]

MARKETS = "markets"
_MAX_MARKETS_IN_HOVER = 8
# "did you mean 'SEK' (Swedish Krona)?", "did you mean 'sv-SE' or 'sv-FI'?"
_DID_YOU_MEAN = re.compile(
    r"did you mean ('[^']+'(?:\s*\([^)]*\))?(?:,?\s*(?:or\s+)?'[^']+'(?:\s*\([^)]*\))?)*)"
)
_QUOTED = re.compile(r"'([^']+)'")
_IGNORE_OPEN = re.compile(r"#\s*marketctl:\s*ignore\[[A-Z0-9,\s]*$")
_KEY_LINE = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z0-9_.-]+)\s*:(?:\s|$)")


class OverlaySource(SourceOn):
    """The working tree with the editor's unsaved texts in place of the files on disk (and
    files the editor created but has not saved)."""

    def __init__(
        self, root: Path, texts: Mapping[str, bytes], memo: DocumentMemo | None = None
    ) -> None:
        super().__init__(WorktreeSource(root))
        self._texts = texts
        self._memo = memo

    @property
    def document_memo(self) -> DocumentMemo | None:
        return self._memo

    def list_files(self, directory: str) -> list[str]:
        listed = set(super().list_files(directory))
        listed.update(path for path in self._texts if path.startswith(directory + "/"))
        return sorted(listed)

    def read(self, path: str) -> bytes:
        text = self._texts.get(path)
        return text if text is not None else super().read(path)


@dataclass(frozen=True)
class Completion:
    label: str
    detail: str = ""


class EditorSession:
    """One repository, loaded once and kept up to date with the editor's texts."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.texts: dict[str, bytes] = {}
        self._units: dict[str, Any] | None = None
        self._units_day = ""
        self._repository: Repository | None = None
        # Every file parsed once per version of its bytes, for the life of the session, and
        # hashed once per version on disk.
        self._memo = DocumentMemo()
        self._digests: dict[str, tuple[object, str]] = {}

    def source(self) -> OverlaySource:
        return OverlaySource(self.root, dict(self.texts), self._memo)

    # -- the editor's files ---------------------------------------------------------------

    def relative(self, path: Path) -> str | None:
        """``markets/se/tax.yaml`` for a file of this repository, None for any other."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None

    def set_text(self, relative: str, text: str) -> None:
        self.texts[relative] = text.encode("utf-8")
        self._repository = None

    def close(self, relative: str) -> None:
        if self.texts.pop(relative, None) is not None:
            self._repository = None

    def saved(self) -> None:
        """Files changed on disk (saved, or changed by another program)."""
        self._repository = None

    # -- findings --------------------------------------------------------------------------

    def _tree(self, texts: Mapping[str, bytes]) -> Tree | None:
        tree = tree_of(self.root, self._digests)
        if tree is None:
            return None
        files = dict(tree.files)
        for path, raw in texts.items():
            if path.startswith(MARKETS + "/"):
                files[path] = hashlib.sha256(raw).hexdigest()
        digest = hashlib.sha256()
        for relative in sorted(files):
            digest.update(f"{relative}\0{files[relative]}\0".encode())
        return Tree(digest.hexdigest(), files)

    def validate(self, texts: Mapping[str, bytes] | None = None) -> Report:
        """What ``marketctl validate`` reports for the tree as the editor holds it (``texts``:
        the editor's texts as they were when it asked, by default as they are now)."""
        texts = dict(self.texts if texts is None else texts)
        configured = read_settings(self.root)
        settings = configured.merged((), ())
        source = OverlaySource(self.root, texts, self._memo)
        tree = self._tree(texts)
        day = today().isoformat()
        if self._units is not None and tree is not None and day == self._units_day:
            updated = incremental.update(source, tree, self._units)
            if updated is not None:
                collected, broken = updated
                self._units = incremental.encode(collected, tree, broken)
                return validation.assemble(
                    collected, sorted(collected.markets), settings, configured, _everything
                )
        # One process: a long-lived server with threads does not fork workers (and the
        # incremental runs after this one are small).
        repository, report = validation.validate_source(
            source, (), settings, None, configured, jobs=1
        )
        self._repository = repository
        if tree is not None and report.collected is not None:
            broken = incremental.broken_files(repository)
            self._units = incremental.encode(report.collected, tree, broken)
            self._units_day = day
        return report

    # -- the loaded repository --------------------------------------------------------------

    def repository(self) -> Repository:
        if self._repository is None:
            self._repository = load_repository(self.source())
        return self._repository

    def document(self, relative: str) -> Document | None:
        try:
            raw = OverlaySource(self.root, self.texts).read(relative)
        except (OSError, MarketctlError):
            return None
        document, _ = load_document(relative, raw)
        return document

    def markets_reading(self, relative: str) -> list[str]:
        """The markets whose resolved values read this file."""
        repository = self.repository()
        parts = relative.split("/")
        if len(parts) < 3 or parts[0] != MARKETS:
            return []
        folder = parts[1]
        codes = sorted(repository.markets)
        if folder == DEFAULTS and parts[2] == "messages" and len(parts) == 4:
            tag = parts[3].removesuffix(".yaml")
            return [
                code
                for code in codes
                if any(tag in fallback_chain(locale) for locale in repository.market(code).locales)
            ]
        if folder == DEFAULTS:
            return codes
        if folder == REGIONS and len(parts) >= 4:
            return [c for c in codes if repository.market(c).market.get("region") == parts[2]]
        return [folder] if folder in repository.markets else []

    def key_at(self, relative: str, line: int, column: int) -> KeyPath | None:
        """The path of the key or value written at (1-based) line and column."""
        document = self.document(relative)
        if document is None:
            return None
        best: tuple[int, KeyPath] | None = None
        for positions in (document.keys, document.values):
            for path, position in positions.items():
                if (
                    path
                    and position.line == line
                    and position.column <= column
                    and (best is None or position.column >= best[0])
                ):
                    best = (position.column, path)
        return None if best is None else best[1]

    def explanations(self, relative: str, line: int, column: int) -> list[tuple[str, Explanation]]:
        """``explain`` of the value under the cursor, in every market that reads the file."""
        path = self.key_at(relative, line, column)
        if path is None:
            return []
        key = _explain_key(relative, path)
        if key is None:
            return []
        repository = self.repository()
        answers = []
        for code in self.markets_reading(relative):
            market_key = key
            if key.startswith("messages."):
                tags = [
                    t
                    for t in repository.market(code).locales
                    if relative.rsplit("/", 1)[-1].removesuffix(".yaml") in fallback_chain(t)
                ]
                if not tags:
                    continue
                market_key = f"messages.{tags[0]}.{key.removeprefix('messages.')}"
            try:
                answers.append((code, explain(repository.market(code), market_key)))
            except MarketctlError:
                continue
        return answers

    def hover(self, relative: str, line: int, column: int, findings: Iterable[Finding]) -> str:
        """Markdown: the explain chain per market, and the documentation of the rules of the
        findings at this place."""
        parts: list[str] = []
        answers = self.explanations(relative, line, column)
        for code, answer in answers[:_MAX_MARKETS_IN_HOVER]:
            lines = [f"**{code}** `{answer.key}` = `{_short(answer.value)}`"]
            if answer.location is not None:
                lines.append(f"from {answer.location}")
            if answer.note:
                lines.append(f"({answer.note})")
            for location, value in answer.overrides:
                lines.append(f"overrides {location}: `{_short(value)}`")
            parts.append("  \n".join(lines))
        if len(answers) > _MAX_MARKETS_IN_HOVER:
            parts.append(f"… and {len(answers) - _MAX_MARKETS_IN_HOVER} more markets")
        rules = catalogue()
        for finding in findings:
            if finding.file == relative and finding.line == line and finding.code in rules:
                parts.append(render_rule(rules[finding.code]).rstrip())
        return "\n\n---\n\n".join(parts)

    def definitions(self, relative: str, line: int, column: int) -> list[Location]:
        """Where the value under the cursor is supplied in each market that reads it, and the
        values it overrides."""
        here = (relative, line)
        found: dict[tuple[str, int, int], Location] = {}
        for _, answer in self.explanations(relative, line, column):
            for location in [answer.location, *(at for at, _ in answer.overrides)]:
                if location is not None and (location.file, location.line) != here:
                    found.setdefault((location.file, location.line, location.column), location)
        return [found[key] for key in sorted(found)]

    # -- completion -------------------------------------------------------------------------

    def completions(
        self, relative: str, line_text: str, lines_before: list[str]
    ) -> list[Completion]:
        """The codes the position takes: after ``ignore[`` rule codes; after a key (or in its
        list) the currencies, locales, time zones, regions, subdivisions, features or rate
        kinds that key holds."""
        if _IGNORE_OPEN.search(line_text):
            return [Completion(code, rule.name) for code, rule in sorted(catalogue().items())]
        keys = _key_chain([*lines_before, line_text])
        if not keys:
            return []
        key = keys[-1]
        name = relative.rsplit("/", 1)[-1]
        repository = self.repository()
        if key == "currency":
            return [Completion(code, name) for code, name in _currencies()]
        if key in ("locales", "default_locale"):
            return [Completion(tag) for tag in _locales()]
        if key in ("timezone", "timezones", "time_zone"):
            return [Completion(zone) for zone in _zones()]
        if key == "region" and name == "market.yaml":
            return [Completion(region) for region in sorted(repository.regions)]
        if key == "country":
            from marketctl.reference.iso import countries

            return [Completion(c.alpha_2, c.short_name) for c in countries()]
        if "regions" in keys[:-1] or key == "regions":
            country = self._country(relative)
            if country:
                from marketctl.reference.iso import subdivisions_of

                return [Completion(s.code, s.name) for s in subdivisions_of(country)]
        if key in ("features", "requires") or (name == "rollout.yaml" and len(keys) == 1):
            features = repository.features.data.get("features", {}) if repository.features else {}
            return [Completion(feature) for feature in sorted(features)]
        if key == "rates" and name == "tax.yaml":
            return [Completion(kind) for kind in self._rate_kinds()]
        return []

    def _country(self, relative: str) -> str | None:
        parts = relative.split("/")
        if len(parts) >= 3 and parts[1] in self.repository().markets:
            value = self.repository().market(parts[1]).market.get("country")
            return str(value) if value else parts[1].upper()
        return None

    def _rate_kinds(self) -> list[str]:
        repository = self.repository()
        kinds: set[str] = set()
        for code in repository.markets:
            rates = repository.market(code).tax.get("rates")
            if isinstance(rates, Mapping):
                kinds.update(str(kind) for kind in rates)
        return sorted(kinds)


def quick_fixes(finding: Finding, line_text: str) -> list[tuple[int, int, str]]:
    """The exact fixes a finding carries (its hint's ``did you mean 'X'`` or ``'X' or 'Y'``):
    the 0-based start and end of the text to replace on the finding's line, and each
    replacement."""
    match = _DID_YOU_MEAN.search(finding.hint or "")
    span = token_span(line_text, finding.column - 1) if match else None
    if match is None or span is None:
        return []
    start, end = span
    current = line_text[start:end].strip("'\"")
    return [
        (start, end, suggestion)
        for suggestion in dict.fromkeys(_QUOTED.findall(match.group(1)))
        if suggestion != current
    ]


def token_span(line_text: str, start: int) -> tuple[int, int] | None:
    """The scalar written from ``start`` (0-based) on a line: a quoted string with its
    quotes, or the plain text up to a separator."""
    if not 0 <= start < len(line_text):
        return None
    if line_text[start] in "'\"":
        closing = line_text.find(line_text[start], start + 1)
        return None if closing == -1 else (start, closing + 1)
    end = start
    while end < len(line_text) and line_text[end] not in " \t,]}#":
        end += 1
    if end > start and line_text[end - 1] == ":":
        end -= 1
    return (start, end) if end > start else None


def _everything(path: str) -> bool:
    return True


def _explain_key(relative: str, path: KeyPath) -> str | None:
    parts = relative.split("/")
    name = parts[-1]
    if len(parts) >= 4 and parts[-2] == "messages":
        message = path[0] if path else None
        return f"messages.{message}" if isinstance(message, str) else None
    kind = name.removesuffix(".yaml")
    if kind not in ("market", "tax", "warranty", "rollout"):
        return None
    return ".".join([kind, *map(str, path)])


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _key_chain(lines: list[str]) -> list[str]:
    """The keys that lead to the last line, by indentation (block YAML), outermost first."""
    chain: list[str] = []
    indent = None
    for text in reversed(lines):
        match = _KEY_LINE.match(text)
        stripped = text.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        here = len(text) - len(stripped)
        if match is None:
            if indent is None:
                indent = here + 1  # a list item or a value: its key is above and to the left
            continue
        if indent is None or here < indent:
            chain.append(match.group(2))
            indent = here
            if here == 0:
                break
    return list(reversed(chain))


@cache
def _currencies() -> tuple[tuple[str, str], ...]:
    from marketctl.reference.iso import currency_codes, currency_name

    return tuple((code, currency_name(code) or "") for code in currency_codes())


@cache
def _locales() -> tuple[str, ...]:
    from babel.localedata import locale_identifiers

    return tuple(sorted(name.replace("_", "-") for name in locale_identifiers()))


@cache
def _zones() -> tuple[str, ...]:
    from zoneinfo import available_timezones

    return tuple(sorted(available_timezones()))
