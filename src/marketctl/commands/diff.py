"""``marketctl diff``: what a change means for each market, with a risk class per change.

Both sides go through the one loading path (a git revision is read from git objects, the
working tree from disk) and are compared after layering, so a change in ``_defaults`` shows up
in every market it reaches, and a moved line that changes nothing shows up nowhere.
"""

from __future__ import annotations

import difflib
import enum
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marketctl.checks.validation import select_environment
from marketctl.commands.bundle import feature_scheme
from marketctl.core.errors import UnknownMarketError
from marketctl.repository.loading import load_repository
from marketctl.repository.markets import LAYERED_KINDS, Market, Repository
from marketctl.repository.sources import Source


class Risk(enum.Enum):
    """How carefully a reviewer should look: money and law first."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 0, "medium": 1, "low": 2}[self.value]


@dataclass(frozen=True)
class Change:
    market: str
    key: str
    kind: str  # added | removed | changed
    before: Any
    after: Any
    risk: Risk


@dataclass(frozen=True)
class Comparison:
    base: str
    head: str
    changes: tuple[Change, ...]

    def count(self, risk: Risk) -> int:
        return sum(1 for change in self.changes if change.risk is risk)


# Keys whose change moves money or legal terms; matched on the key without list positions.
_HIGH = (
    "market.country",
    "market.currency",
    "market.status",
    "market.region",
    "market.price_rounding",
    "tax.",
    "warranty.legal_guarantee",
    "warranty.burden_of_proof",
    "warranty.withdrawal",
)
_MEDIUM = ("market.", "rollout.", "warranty.", "features.")
# Parts of a key that document a value rather than being one.
_DOCUMENTATION = (".source", ".note", ".name", ".description", ".owner")


def risk_of(key: str) -> Risk:
    if key.startswith("features.") and key.endswith(".bucketing"):
        return Risk.HIGH  # a new bucketing scheme reshuffles which units have the feature
    if any(part in key for part in _DOCUMENTATION) or key.startswith("messages."):
        return Risk.LOW
    if key.startswith(_HIGH):
        return Risk.HIGH
    if key.startswith(_MEDIUM):
        return Risk.MEDIUM
    return Risk.LOW


def _flatten(value: Any, key: str) -> Iterator[tuple[str, Any]]:
    """Leaf values by key. Histories are keyed by their dates, not positions, so inserting an
    interval reads as one added interval, not as every later one changing."""
    if isinstance(value, dict):
        if not value:
            yield key, {}
        for name, child in value.items():
            yield from _flatten(child, f"{key}.{name}" if key else str(name))
        return
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        anchor = next((a for a in ("from", "at") if all(a in item for item in value)), None)
        if anchor is not None:
            for item in value:
                yield from _flatten(item, f"{key}[{item[anchor]}]")
            return
    yield key, value


def market_values(market: Market) -> dict[str, Any]:
    """Every resolved value of a market, messages included, by key."""
    values: dict[str, Any] = {}
    for kind in LAYERED_KINDS:
        values.update(_flatten(market.resolved[kind].data, kind))
    catalogue = market.repository.features
    if catalogue is not None:
        features = catalogue.data.get("features", {})
        used = market.rollout.get("features", {})
        if isinstance(features, dict) and isinstance(used, dict):
            for name in used:
                values.update(_flatten(features.get(name), f"features.{name}"))
                # The scheme in force, wherever it is written (catalogue default or feature).
                values[f"features.{name}.bucketing"] = feature_scheme(catalogue.data, name)
    for tag in market.locales:
        for key in market.repository.source_keys:
            hit = market.message(tag, key)
            if hit is not None:
                values[f"messages.{tag}.{key}"] = hit.text
    return values


def compare_sources(
    base: Source,
    head: Source,
    base_label: str,
    head_label: str,
    environment: str | None = None,
    markets: Sequence[str] = (),
) -> Comparison:
    """Compare two sources through the one loading path, both with ``environment`` as their
    last layer when given (its file must exist on both sides); only ``markets`` when named."""
    before, after = load_repository(base), load_repository(head)
    select_environment(before, environment)
    select_environment(after, environment)
    return compare(before, after, base_label, head_label, markets)


def _only(base: Repository, head: Repository, names: Sequence[str]) -> set[str]:
    known = set(base.markets) | set(head.markets)
    wanted = {name.lower() for name in names}
    for name in sorted(wanted - known):
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.5)
        raise UnknownMarketError(
            f"no market '{name}' on either side of the diff",
            f"did you mean '{close[0]}'?"
            if close
            else f"the markets are: {', '.join(sorted(known))}",
        )
    return wanted or known


def compare(
    base: Repository,
    head: Repository,
    base_label: str,
    head_label: str,
    markets: Sequence[str] = (),
) -> Comparison:
    changes: list[Change] = []
    for code in sorted(_only(base, head, markets)):
        if code not in head.markets:
            changes.append(Change(code, "market", "removed", code, None, Risk.HIGH))
            continue
        if code not in base.markets:
            changes.append(Change(code, "market", "added", None, code, Risk.HIGH))
            continue
        before = market_values(base.market(code))
        after = market_values(head.market(code))
        for key in sorted(set(before) | set(after)):
            old, new = before.get(key, _MISSING), after.get(key, _MISSING)
            if old == new and type(old) is type(new):
                continue
            kind = "added" if old is _MISSING else "removed" if new is _MISSING else "changed"
            changes.append(
                Change(
                    code,
                    key,
                    kind,
                    None if old is _MISSING else old,
                    None if new is _MISSING else new,
                    risk_of(key),
                )
            )
    changes.sort(key=lambda c: (c.risk.rank, c.market, c.key))
    return Comparison(base_label, head_label, tuple(changes))


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _summary(comparison: Comparison) -> str:
    total = len(comparison.changes)
    if not total:
        return f"no changes between {comparison.base} and {comparison.head}"
    counts = ", ".join(f"{comparison.count(risk)} {risk.value}" for risk in Risk)
    noun = "change" if total == 1 else "changes"
    return f"{total} {noun} ({counts}) between {comparison.base} and {comparison.head}"


def render_text(comparison: Comparison) -> str:
    lines = [
        f"{c.market}  {c.risk.value:<6}  {c.key}: {_show(c.before)} → {_show(c.after)}"
        for c in comparison.changes
    ]
    lines.append(_summary(comparison))
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    text = _show(value).replace("|", "\\|").replace("\n", " ")
    return f"`{text}`" if value is not None and text else text


def render_markdown(comparison: Comparison) -> str:
    """For a pull-request comment: one table per risk class, high first."""
    parts = [f"**marketctl diff**: {_summary(comparison)}"]
    headings = {
        Risk.HIGH: "High risk: money and consumer law",
        Risk.MEDIUM: "Medium risk: launch and rollout",
        Risk.LOW: "Low risk: texts and documentation",
    }
    for risk in Risk:
        rows = [c for c in comparison.changes if c.risk is risk]
        if not rows:
            continue
        parts += [
            "",
            f"### {headings[risk]} ({len(rows)})",
            "",
            "| market | key | before | after |",
            "| --- | --- | --- | --- |",
        ]
        parts += [
            f"| {c.market} | `{c.key}` | {_cell(c.before)} | {_cell(c.after)} |" for c in rows
        ]
    return "\n".join(parts) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {key: _plain(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_plain(child) for child in value]
    return value


def render_json(comparison: Comparison) -> str:
    document = {
        "base": comparison.base,
        "head": comparison.head,
        "summary": {risk.value: comparison.count(risk) for risk in Risk},
        "changes": [
            {
                "market": c.market,
                "key": c.key,
                "kind": c.kind,
                "risk": c.risk.value,
                "before": _plain(c.before),
                "after": _plain(c.after),
            }
            for c in comparison.changes
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
