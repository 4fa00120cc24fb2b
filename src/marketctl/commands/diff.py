"""``marketctl diff``: what a change means for each market, with a risk class per change.

Both sides go through the one loading path (a git revision is read from git objects, the
working tree from disk) and are compared after layering, so a change in ``_defaults`` shows up
in every market it reaches, and a moved line that changes nothing shows up nowhere.
"""

from __future__ import annotations

import difflib
import enum
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from marketctl.checks.validation import select_environment
from marketctl.commands.bundle import feature_scheme
from marketctl.commands.review import MarketView, market_view, show
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
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    base: str
    head: str
    changes: tuple[Change, ...]
    # Markets that appear or go away, shown in full (review.py): every fact with its source
    # and verification status, and the rollout calendar in local time and UTC.
    added: Mapping[str, MarketView] = field(default_factory=dict)
    removed: Mapping[str, MarketView] = field(default_factory=dict)

    def count(self, risk: Risk) -> int:
        return sum(1 for change in self.changes if change.risk is risk)

    def reaches(self, level: Risk) -> bool:
        """Whether a change is at least as risky as ``level`` (``--fail-on``)."""
        return any(change.risk.rank <= level.rank for change in self.changes)


@dataclass(frozen=True)
class SharedChange:
    """One change as written, with every market it reaches (a change in _defaults or a
    region shows once, not once per market)."""

    markets: tuple[str, ...]
    change: Change


def grouped(changes: Sequence[Change]) -> list[SharedChange]:
    groups: dict[tuple[str, str, str, str, str], list[Change]] = {}
    for change in changes:
        identity = (
            change.key,
            change.kind,
            json.dumps(_plain(change.before), sort_keys=True, default=str),
            json.dumps(_plain(change.after), sort_keys=True, default=str),
            change.risk.value,
        )
        groups.setdefault(identity, []).append(change)
    shared = [
        SharedChange(tuple(sorted(c.market for c in members)), members[0])
        for members in groups.values()
    ]
    shared.sort(key=lambda s: (s.change.risk.rank, -len(s.markets), s.markets, s.change.key))
    return shared


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


# A change to how units are bucketed (the hash of feature key + unit id) reshuffles who sees a
# feature.
_RESHUFFLE = (".bucketing", ".scheme", ".salt", ".seed", ".key")


def risk_of(key: str) -> Risk:
    if key.startswith("features.") and key.endswith(_RESHUFFLE):
        return Risk.HIGH  # a new bucketing scheme or key reshuffles which units have it
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
    added: dict[str, MarketView] = {}
    removed: dict[str, MarketView] = {}
    for code in sorted(_only(base, head, markets)):
        if code not in head.markets:
            removed[code] = market_view(base.market(code))
            changes.append(Change(code, "market", "removed", code, None, Risk.HIGH))
            continue
        if code not in base.markets:
            added[code] = market_view(head.market(code))
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
    changes = _renamed_features(changes)
    changes.sort(key=lambda c: (c.risk.rank, c.market, c.key))
    return Comparison(base_label, head_label, tuple(changes), added, removed)


def _renamed_features(changes: list[Change]) -> list[Change]:
    """A feature whose rollout disappears while another appears with the same steps in the same
    market was renamed: its key changed, and with it every unit's bucket."""
    sides: dict[str, dict[tuple[str, str], list[str]]] = {"removed": {}, "added": {}}
    for change in changes:
        parts = change.key.split(".", 2)
        if len(parts) == 3 and parts[:2] == ["rollout", "features"] and change.kind in sides:
            name, _, rest = parts[2].partition("[")
            value = change.before if change.kind == "removed" else change.after
            entry = f"[{rest}={json.dumps(_plain(value), default=str)}"
            sides[change.kind].setdefault((change.market, name), []).append(entry)
    gone = {key: sorted(entries) for key, entries in sides["removed"].items()}
    new = {key: sorted(entries) for key, entries in sides["added"].items()}
    renamed: set[tuple[str, str]] = set()
    for (market, old_name), steps in gone.items():
        for (other, new_name), candidate in new.items():
            if other == market and candidate == steps and old_name != new_name:
                renamed |= {(market, old_name), (market, new_name)}
    if not renamed:
        return changes
    note = "feature key renamed: every unit is bucketed again (who sees it changes)"
    result = []
    for change in changes:
        parts = change.key.split(".", 2)
        name = parts[2].partition("[")[0] if len(parts) == 3 else ""
        if parts[:2] == ["rollout", "features"] and (change.market, name) in renamed:
            change = Change(
                change.market, change.key, change.kind, change.before, change.after, Risk.HIGH, note
            )
        result.append(change)
    return result


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


def _markets(markets: Sequence[str]) -> str:
    return ", ".join(markets)


def _view_text(view: MarketView, verb: str) -> list[str]:
    lines = [
        f"{view.code}  high    market {verb}: {view.name} "
        f"(locales {', '.join(view.locales) or 'none'}, {view.messages} messages)"
    ]
    for fact in view.facts:
        line = f"    {fact.section} › {fact.label}: {fact.value}"
        if fact.period:
            line += f" [{fact.period}]"
        lines.append(line)
        if fact.source:
            lines.append(f"        source: {fact.source} ({fact.status})")
    if view.calendar:
        lines.append(f"    rollout calendar ({view.calendar[0].zone} → UTC):")
        for step in view.calendar:
            note = f" ({step.note})" if step.note else ""
            lines.append(
                f"      {step.feature}: {step.percent} % at {step.local} local = {step.utc}{note}"
            )
    return lines


def render_text(comparison: Comparison) -> str:
    lines: list[str] = []
    for view in comparison.added.values():
        lines += _view_text(view, "added")
    for view in comparison.removed.values():
        lines += _view_text(view, "removed; this goes away")
    for shared in grouped(_plain_changes(comparison)):
        c = shared.change
        note = f"  ({c.note})" if c.note else ""
        lines.append(
            f"{_markets(shared.markets)}  {c.risk.value:<6}  {c.key}: "
            f"{_show(c.before)} → {_show(c.after)}{note}"
        )
    lines.append(_summary(comparison))
    return "\n".join(lines) + "\n"


def _plain_changes(comparison: Comparison) -> list[Change]:
    """The changes other than whole markets appearing or going away (shown in full)."""
    whole = set(comparison.added) | set(comparison.removed)
    return [c for c in comparison.changes if not (c.key == "market" and c.market in whole)]


# GitHub refuses issue and pull-request comments longer than 65,536 characters; the workflow
# of docs/ci.md adds a marker line, so the diff keeps a margin.
COMMENT_LIMIT = 65_536
_MARGIN = 256


def _cell(value: Any) -> str:
    text = (show(value) if not isinstance(value, str) else value).replace("|", "\\|")
    return text.replace("\n", " ").replace("\r", " ")


_KINDS = {
    "market": "Market",
    "tax": "Tax",
    "warranty": "Consumer law and warranty",
    "rollout": "Rollout",
    "features": "Feature",
    "messages": "Message",
}


def readable(key: str) -> str:
    """A resolved key in words: ``tax.rates.food[2026-04-01].percent`` reads
    ``Tax › rates › food › from 2026-04-01 › percent``."""
    if key.startswith("messages."):
        _, tag, message = key.split(".", 2)
        return f"Message › {tag} › {message}"
    parts: list[str] = []
    for part in key.split("."):
        name, _, anchor = part.partition("[")
        parts.append(
            _KINDS.get(name, name.replace("_", " ")) if not parts else name.replace("_", " ")
        )
        if anchor:
            moment = anchor.rstrip("]")
            parts.append(f"{'step at' if 'T' in moment else 'from'} {moment}")
    return " › ".join(parts)


def _facts_table(view: MarketView, limit: int | None, base: str) -> list[str]:
    rows = [
        "| | fact | value | in force | source | verification |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    shown = view.facts if limit is None else view.facts[:limit]
    for fact in shown:
        rows.append(
            f"| {fact.section} | {_cell(fact.label)} | {_cell(fact.value)} | "
            f"{_cell(fact.period) or ' '} | {_cell(fact.source) or ' '} | "
            f"{_cell(fact.status) or ' '} |"
        )
    if len(shown) < len(view.facts):
        rows.append(
            f"| | {len(view.facts) - len(shown)} more facts not shown here (comment size "
            f"limit): `marketctl diff {base} --market {view.code}` shows them all | | | | |"
        )
    return rows


def _calendar_table(view: MarketView, limit: int | None) -> list[str]:
    zone = view.calendar[0].zone if view.calendar else ""
    rows = [
        f"| feature | local time ({zone}) | UTC | share of units | note |",
        "| --- | --- | --- | --- | --- |",
    ]
    shown = view.calendar if limit is None else view.calendar[:limit]
    for step in shown:
        rows.append(
            f"| {_cell(step.feature)} | {step.local} | {step.utc} | {step.percent} % | "
            f"{_cell(step.note) or ' '} |"
        )
    if len(shown) < len(view.calendar):
        rows.append(f"| {len(view.calendar) - len(shown)} more steps not shown | | | | |")
    return rows


def _view_markdown(view: MarketView, verb: str, limit: int | None, base: str) -> list[str]:
    unverified = sum(1 for fact in view.facts if fact.status.startswith("unverified"))
    sourced = sum(1 for fact in view.facts if fact.source)
    parts = [
        "",
        f"### {verb}: {view.name} (`{view.code}`), high risk",
        "",
        f"Locales: {', '.join(view.locales) or 'none'}; {view.messages} message texts; "
        f"{len(view.facts)} facts, {sourced} with a legal source, {unverified} unverified; "
        f"{len(view.calendar)} rollout steps.",
        "",
        f"<details><summary>Every fact, with its source and verification status "
        f"({len(view.facts)})</summary>",
        "",
        *_facts_table(view, limit, base),
        "",
        "</details>",
    ]
    if view.calendar:
        parts += [
            "",
            f"<details><summary>Rollout calendar in local time and UTC "
            f"({len(view.calendar)} steps)</summary>",
            "",
            *_calendar_table(view, limit),
            "",
            "</details>",
        ]
    return parts


_HEADINGS = {
    Risk.HIGH: "High risk: money, consumer law, who sees a feature",
    Risk.MEDIUM: "Medium risk: launch and rollout",
    Risk.LOW: "Low risk: texts and documentation",
}


def _markdown(comparison: Comparison, limit: int | None) -> str:
    parts = [f"## marketctl diff: {_summary(comparison)}"]
    for view in comparison.added.values():
        parts += _view_markdown(view, "New market", limit, comparison.base)
    for view in comparison.removed.values():
        parts += _view_markdown(
            view, "Removed market: all of this goes away", limit, comparison.base
        )
    shared = grouped(_plain_changes(comparison))
    for risk in Risk:
        rows = [s for s in shared if s.change.risk is risk]
        if not rows:
            continue
        body = [
            "| markets | what | before | after |",
            "| --- | --- | --- | --- |",
        ]
        shown = rows if limit is None else rows[:limit]
        for row in shown:
            c = row.change
            what = _cell(readable(c.key)) + (f" ({_cell(c.note)})" if c.note else "")
            body.append(
                f"| {_markets(row.markets)} | {what} | {_cell(c.before)} | {_cell(c.after)} |"
            )
        if len(shown) < len(rows):
            body.append(
                f"| | {len(rows) - len(shown)} more not shown here (comment size limit): "
                f"`marketctl diff {comparison.base}` shows them all | | |"
            )
        heading = f"{_HEADINGS[risk]} ({len(rows)})"
        if risk is Risk.HIGH:
            parts += ["", f"### {heading}", "", *body]
        else:
            parts += ["", f"<details><summary>{heading}</summary>", "", *body, "", "</details>"]
    return "\n".join(parts) + "\n"


def render_markdown(comparison: Comparison, limit: int = COMMENT_LIMIT - _MARGIN) -> str:
    """For a pull-request comment: new and removed markets in full, then the changes by risk,
    high first and open, the others folded. Fits ``limit`` characters: when the whole view is
    longer, tables show fewer rows and say how many more there are."""
    rows: int | None = None
    while True:
        text = _markdown(comparison, rows)
        if len(text) <= limit or rows == 0:
            return text if len(text) <= limit else text[: limit - 2] + "\n"
        largest = max(
            [len(v.facts) for v in (*comparison.added.values(), *comparison.removed.values())]
            + [len(comparison.changes)]
        )
        rows = (largest if rows is None else rows) // 2


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {key: _plain(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_plain(child) for child in value]
    return value


def _view_json(view: MarketView) -> dict[str, Any]:
    return {
        "name": view.name,
        "locales": list(view.locales),
        "messages": view.messages,
        "facts": [
            {
                "section": fact.section,
                "fact": fact.label,
                "value": fact.value,
                "in_force": fact.period,
                "source": fact.source,
                "verification": fact.status,
            }
            for fact in view.facts
        ],
        "calendar": [
            {
                "feature": step.feature,
                "local": step.local,
                "zone": step.zone,
                "utc": step.utc,
                "percent": step.percent,
                "note": step.note,
            }
            for step in view.calendar
        ],
    }


def render_json(comparison: Comparison) -> str:
    document = {
        "version": 1,
        "base": comparison.base,
        "head": comparison.head,
        "summary": {risk.value: comparison.count(risk) for risk in Risk},
        "added": {code: _view_json(view) for code, view in comparison.added.items()},
        "removed": {code: _view_json(view) for code, view in comparison.removed.items()},
        "changes": [
            {
                "market": c.market,
                "key": c.key,
                "kind": c.kind,
                "risk": c.risk.value,
                "before": _plain(c.before),
                "after": _plain(c.after),
                "note": c.note,
            }
            for c in comparison.changes
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


RENDERERS: dict[str, Callable[[Comparison], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
