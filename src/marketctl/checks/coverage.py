"""Translation coverage: the share of source message keys each market's locales translate.

A key counts as translated for a locale when a catalogue along its CLDR fallback chain (in the
market, its region or ``_defaults``) has it: ``fr-CA`` reads ``fr-CA`` then ``fr``. The English
source counts only for locales whose chain reaches it (``en-CA`` → ``en-001`` → ``en``): a
Japanese page that falls back to English is not translated. The same lookup decides MKT501
(message-missing), so ``marketctl translations`` and ``marketctl validate`` cannot disagree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from marketctl.core.errors import MarketctlError
from marketctl.reference.locales import SOURCE_LOCALE, fallback_chain
from marketctl.repository.markets import Market, Repository

__all__ = [
    "MISSING_RENDERERS",
    "RENDERERS",
    "REVIEW_MARK",
    "CoverageError",
    "LocaleCoverage",
    "MissingKey",
    "ReviewMark",
    "missing_keys",
    "missing_translations",
    "needs_review",
    "render_json",
    "render_missing_json",
    "render_missing_text",
    "render_text",
    "require_coverage",
    "translation_coverage",
]


# The comment translation import writes after a text it took although the source changed since the
# export (issue 24): the text ships, `marketctl translations` lists it until a reviewer accepts it
# by deleting the comment. A comment, not a field: the catalogue stays a mapping of key to text,
# the runtime bundle is unaffected, and the mark sits on the line a reviewer reads.
REVIEW_MARK = "# marketctl: needs-review"
_MARKED_KEY = re.compile(r"^([^\s#:][^:]*):")


class CoverageError(MarketctlError):
    """A locale translates less than ``--fail-under`` asks."""


@dataclass(frozen=True)
class LocaleCoverage:
    """How many of the source keys one locale of one market translates."""

    market: str
    locale: str
    translated: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.translated / self.total

    @property
    def percent_text(self) -> str:
        """The share as every command and page shows it: ``97.3 %``."""
        return f"{self.percent:.1f} %"

    def is_below(self, threshold: float) -> bool:
        # Compared without dividing, so 74 of 75 keys (98.666... %) is below 98.67.
        return self.translated * 100 < threshold * self.total


def missing_keys(market: Market, tag: str) -> list[str]:
    """The source keys a locale of a market has no text for, in source order (what
    ``market.message(tag, key) is None`` says, with the fallback chain walked once)."""
    repository = market.repository
    texts = [document.data for _, document in market.catalogues(tag)]
    texts = [data for data in texts if isinstance(data, dict)]
    falls_back = SOURCE_LOCALE in fallback_chain(tag)
    return [
        key
        for key in repository.source_keys
        if not any(isinstance(data.get(key), str) for data in texts)
        and not (falls_back and repository.source_message(key) is not None)
    ]


@dataclass(frozen=True)
class MissingKey:
    """A source key one locale of one market does not translate, and what it shows instead."""

    market: str
    locale: str
    key: str
    # The locale whose text services show instead: the source (bundles fall back to it for a
    # key no catalogue along the chain has; a live market with such a key fails MKT501).
    falls_back_to: str


def missing_translations(repository: Repository, codes: list[str]) -> list[MissingKey]:
    """Every untranslated key per market (in the order given) and locale, in source order."""
    _require_source(repository)
    rows: list[MissingKey] = []
    for code in codes:
        market = repository.market(code)
        for tag in dict.fromkeys(market.locales):
            for key in missing_keys(market, tag):
                rows.append(MissingKey(code, tag, key, SOURCE_LOCALE))
    return rows


def render_missing_text(rows: list[MissingKey]) -> str:
    if not rows:
        return "every locale of these markets translates every source key\n"
    lines: list[str] = []
    current: tuple[str, str] | None = None
    for row in rows:
        if (row.market, row.locale) != current:
            current = (row.market, row.locale)
            count = sum(1 for r in rows if (r.market, r.locale) == current)
            lines.append(f"{row.market} {row.locale}: {count} untranslated")
        lines.append(f"  {row.key}  (falls back to {row.falls_back_to})")
    return "\n".join(lines) + "\n"


def render_missing_json(rows: list[MissingKey]) -> str:
    document = {"version": 1, "missing": [asdict(row) for row in rows]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _require_source(repository: Repository) -> None:
    if repository.source_catalogue is None:
        if "messages/en" in repository.defaults.broken:
            raise MarketctlError(
                "the source catalogue markets/_defaults/messages/en.yaml did not load",
                "run `marketctl validate` to see why",
            )
        raise MarketctlError(
            "there is no source catalogue markets/_defaults/messages/en.yaml",
            "write it: it defines every message key (docs/file-formats.md, messages/)",
        )


def translation_coverage(repository: Repository, codes: list[str]) -> list[LocaleCoverage]:
    """One row per market (in the order given) and locale (in market.yaml order)."""
    _require_source(repository)
    total = len(repository.source_keys)
    rows: list[LocaleCoverage] = []
    for code in codes:
        market = repository.market(code)
        for tag in dict.fromkeys(market.locales):
            rows.append(LocaleCoverage(code, tag, total - len(missing_keys(market, tag)), total))
    return rows


def require_coverage(rows: list[LocaleCoverage], threshold: float) -> None:
    """Raise :class:`CoverageError` naming every market and locale below ``threshold`` %."""
    below = [row for row in rows if row.is_below(threshold)]
    if below:
        listed = ", ".join(f"{r.market} {r.locale} {r.percent_text}" for r in below)
        raise CoverageError(
            f"translation coverage is below {threshold:g} %: {listed}",
            "translate the missing keys; `marketctl validate --select MKT501` lists them",
        )


@dataclass(frozen=True)
class ReviewMark:
    """A translation marked as needing review."""

    file: str
    line: int
    key: str


def needs_review(repository: Repository, codes: list[str]) -> list[ReviewMark]:
    """The marked texts in the catalogues the markets read, by file and line."""
    tags = {
        tag
        for code in codes
        for own in repository.market(code).locales
        for tag in fallback_chain(own)
    }
    marks = []
    for layer in repository.layers:
        if layer.is_market and layer.name not in codes:
            continue
        for tag, document in sorted(layer.messages.items()):
            if tag not in tags or REVIEW_MARK.encode() not in document.raw:
                continue
            for number, line in enumerate(document.text.splitlines(), 1):
                found = _MARKED_KEY.match(line)
                if found and REVIEW_MARK in line:
                    marks.append(ReviewMark(document.path, number, found.group(1).strip()))
    return sorted(set(marks), key=lambda m: (m.file, m.line))


def render_text(rows: list[LocaleCoverage], review: Sequence[ReviewMark] = ()) -> str:
    header = ("market", "locale", "translated", "total", "percent")
    table = [(r.market, r.locale, str(r.translated), str(r.total), r.percent_text) for r in rows]
    widths = [max(len(cells[i]) for cells in (header, *table)) for i in range(len(header))]
    lines = []
    for cells in (header, *table):
        left = [cells[i].ljust(widths[i]) for i in range(2)]
        right = [cells[i].rjust(widths[i]) for i in range(2, len(header))]
        lines.append("  ".join(left + right).rstrip())
    if not rows:
        lines.append("no market names a locale")
    if review:
        lines.append("")
        lines.append(
            f"{len(review)} translation(s) need review (the source changed since they were made; "
            f"delete the `{REVIEW_MARK}` comment to accept one):"
        )
        lines.extend(f"  {mark.file}:{mark.line}: {mark.key}" for mark in review)
    return "\n".join(lines) + "\n"


def render_json(rows: list[LocaleCoverage], review: Sequence[ReviewMark] = ()) -> str:
    document: dict[str, object] = {
        "version": 1,
        "coverage": [
            {
                "market": r.market,
                "locale": r.locale,
                "translated": r.translated,
                "total": r.total,
                "percent": round(r.percent, 2),
            }
            for r in rows
        ],
    }
    if review:
        document["needs_review"] = [asdict(mark) for mark in review]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[list[LocaleCoverage], Sequence[ReviewMark]], str]] = {
    "text": render_text,
    "json": render_json,
}

MISSING_RENDERERS: dict[str, Callable[[list[MissingKey]], str]] = {
    "text": render_missing_text,
    "json": render_missing_json,
}
