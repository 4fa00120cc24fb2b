"""``marketctl readiness``: what each planned market and each change of the next 90 days still
lacks, for the expansion manager, CI and chat.

For a planned market, on its launch date: the legal and tax facts in force that day that nobody
has verified against the law, the message keys each locale still lacks, whether specs pin what
services will see and pass against freshly built bundles, whether every kind of owner is named,
which rollout steps are scheduled, and how many days are left. For a change within 90 days (a
tax rate or law that starts or ends, a rollout step, a feature expiry, a launch): whether the fact
it rests on is verified, whether the feature has an owner and outlives the step.

Every figure comes from the functions the commands use: facts and their status from
``marketctl sources`` (:func:`~marketctl.checks.facts.legal_facts`,
:func:`~marketctl.commands.legal_sources.status_of`), missing keys from ``marketctl
translations`` (:func:`~marketctl.checks.coverage.translation_coverage`,
:func:`~marketctl.checks.coverage.missing_keys`), specs from ``marketctl test``
(:func:`~marketctl.commands.spectest.run_specs`), and the calendar from ``marketctl report``.
The report's readiness page renders this same object.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from marketctl.checks.coverage import missing_keys, translation_coverage
from marketctl.checks.facts import legal_facts
from marketctl.commands.legal_sources import VERIFIED, status_of
from marketctl.commands.report import CHANGE_DAYS, CalendarEvent, calendar_events, rollout_steps
from marketctl.commands.spectest import SpecRun
from marketctl.commands.wording import FactWords
from marketctl.core.intervals import date_or_none
from marketctl.repository.markets import Market, Repository

__all__ = [
    "CHANGE_DAYS",
    "RENDERERS",
    "ChangeReadiness",
    "Item",
    "MarketReadiness",
    "Readiness",
    "planned_markets",
    "readiness",
]

LEAD_DAYS = 30  # fewer days than this before a launch is itself a finding
PLANNED = ("planned",)
OWNER_KINDS = ("market", "legal", "messages", "rollout")
_LISTED = 20  # entries shown per item in text and markdown (json has them all)


@dataclass(frozen=True)
class Item:
    """One thing a launch or a change needs: done or not, in words, and what is missing."""

    check: str  # facts | translations | specs | owners | rollout | lead time | ...
    done: bool
    detail: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class MarketReadiness:
    code: str
    name: str
    status: str
    launch_date: date | None
    days_left: int | None
    items: tuple[Item, ...]

    @property
    def ready(self) -> bool:
        return all(item.done for item in self.items)


@dataclass(frozen=True)
class ChangeReadiness:
    event: CalendarEvent
    days_left: int
    items: tuple[Item, ...]

    @property
    def ready(self) -> bool:
        return all(item.done for item in self.items)


@dataclass(frozen=True)
class Readiness:
    today: date
    markets: tuple[MarketReadiness, ...]
    changes: tuple[ChangeReadiness, ...]
    specs_note: str = ""  # why specs could not run, when they could not
    _by_code: dict[str, MarketReadiness] = field(default_factory=dict, compare=False)

    def market(self, code: str) -> MarketReadiness | None:
        if not self._by_code:
            self._by_code.update({entry.code: entry for entry in self.markets})
        return self._by_code.get(code)

    @property
    def ready(self) -> bool:
        return all(entry.ready for entry in self.markets) and all(
            change.ready for change in self.changes
        )


def planned_markets(repository: Repository, codes: Sequence[str]) -> list[str]:
    return [code for code in codes if repository.market(code).market.get("status") in PLANNED]


def _facts_item(market: Market, on: date) -> Item:
    words = FactWords(market)
    missing = []
    for fact in legal_facts(market):
        start, end = date_or_none(fact.start), date_or_none(fact.end)
        in_force = (start is None or start <= on) and (end is None or on <= end)
        if in_force and status_of(fact) != VERIFIED:
            why = fact.status.missing or "no verification status"
            missing.append(
                f"{words.of(fact)} ({fact.key}, {fact.location.file}:{fact.location.line}): {why}"
            )
    detail = (
        f"every fact in force on {on} is verified"
        if not missing
        else f"{len(missing)} fact(s) in force on {on} not verified against the law"
    )
    return Item("facts", not missing, detail, tuple(missing))


def _translations_item(market: Market, repository: Repository) -> Item:
    if repository.source_catalogue is None:
        return Item("translations", False, "no source catalogue: nothing to translate against")
    rows = translation_coverage(repository, [market.code])
    missing = []
    for row in rows:
        if row.translated < row.total:
            keys = missing_keys(market, row.locale)
            missing.append(
                f"{row.locale}: {row.total - row.translated} of {row.total} keys untranslated "
                f"({row.percent_text}): {', '.join(keys)}"
            )
    detail = ", ".join(f"{row.locale} {row.percent_text}" for row in rows) or "no locales"
    return Item("translations", not missing and bool(rows), detail, tuple(missing))


def _specs_item(code: str, specs: SpecRun | None, note: str) -> Item:
    if specs is None:
        return Item("specs", False, f"not run: {note}" if note else "not run")
    results = [result for result in specs.results if result.market == code]
    if not results:
        return Item("specs", False, f"no spec pins what services will see: write specs/{code}.yaml")
    failed = [
        f"{r.location.file}:{r.location.line}: {r.name}: {r.message}"
        for r in results
        if not r.passed
    ]
    detail = f"{len(results) - len(failed)} of {len(results)} spec checks pass"
    return Item("specs", not failed, detail, tuple(failed))


def _owners_item(market: Market) -> Item:
    owners = market.market.get("owners")
    named = owners if isinstance(owners, Mapping) else {}
    missing = [
        f"no {kind} owner"
        for kind in OWNER_KINDS
        if not isinstance(named.get(kind), list) or not named.get(kind)
    ]
    detail = "; ".join(
        f"{kind}: {', '.join(str(o) for o in named[kind])}"
        for kind in OWNER_KINDS
        if isinstance(named.get(kind), list) and named.get(kind)
    )
    return Item("owners", not missing, detail or "nobody named", tuple(missing))


def _rollout_item(market: Market, steps: Mapping[str, Sequence[Any]]) -> Item:
    scheduled = [
        f"{feature} to {step.percent} % at {step.local}"
        for feature, feature_steps in sorted(steps.items())
        for step in feature_steps
    ]
    if not scheduled:
        return Item("rollout", False, "no feature has a rollout step in this market")
    return Item("rollout", True, f"{len(scheduled)} step(s): " + "; ".join(scheduled))


def _lead_item(status: str, launch: date | None, today: date) -> Item:
    if launch is None:
        return Item("lead time", False, "no launch date", ("write launch_date in market.yaml",))
    left = (launch - today).days
    if left < 0:
        return Item(
            "lead time",
            False,
            f"the launch date {launch} passed {-left} day(s) ago and the market is still {status}",
            ("set status: live, or move launch_date",),
        )
    return Item(
        "lead time",
        left >= LEAD_DAYS,
        f"{left} day(s) left until {launch}",
        () if left >= LEAD_DAYS else (f"fewer than {LEAD_DAYS} days left",),
    )


def _market_readiness(
    repository: Repository,
    code: str,
    today: date,
    specs: SpecRun | None,
    note: str,
    steps: Mapping[str, Sequence[Any]],
) -> MarketReadiness:
    market = repository.market(code)
    config = market.market
    launch = date_or_none(config.get("launch_date"))
    status = str(config.get("status", ""))
    return MarketReadiness(
        code=code,
        name=str(config.get("name", code)),
        status=status,
        launch_date=launch,
        days_left=None if launch is None else (launch - today).days,
        items=(
            _facts_item(market, launch if launch is not None and launch > today else today),
            _translations_item(market, repository),
            _specs_item(code, specs, note),
            _owners_item(market),
            _rollout_item(market, steps),
            _lead_item(status, launch, today),
        ),
    )


def _change_items(
    repository: Repository, event: CalendarEvent, markets: Mapping[str, MarketReadiness]
) -> tuple[Item, ...]:
    if event.kind == "law":
        if event.unverified:
            return (
                Item(
                    "facts",
                    False,
                    "rests on a fact not verified against the law",
                    (f"{event.key} at {event.where}: verify it (marketctl sources --unverified)",),
                ),
            )
        return (Item("facts", True, "the fact is verified against the law"),)
    features = repository.features.data.get("features", {}) if repository.features else {}
    if event.kind == "rollout":
        name = event.key.rsplit(".", 1)[-1]
        definition = features.get(name, {}) if isinstance(features, Mapping) else {}
        owner = definition.get("owner") if isinstance(definition, Mapping) else None
        expires = (
            date_or_none(definition.get("expires")) if isinstance(definition, Mapping) else None
        )
        items = [
            Item(
                "owner", bool(owner), f"owner {owner}" if owner else f"feature {name} has no owner"
            )
        ]
        if expires is not None:
            items.append(
                Item(
                    "expiry",
                    expires > event.day,
                    f"the feature expires {expires}",
                    () if expires > event.day else ("the step comes after the feature expires",),
                )
            )
        return tuple(items)
    if event.kind == "launch" and event.market in markets:
        entry = markets[event.market]
        missing = tuple(f"{item.check}: {item.detail}" for item in entry.items if not item.done)
        return (Item("market", entry.ready, "ready" if entry.ready else "not ready", missing),)
    if event.kind == "expiry":
        name = event.text.removeprefix("feature ").removesuffix(" expires")
        using = sorted(
            code
            for code in repository.markets
            if name in (repository.market(code).rollout.get("features") or {})
        )
        return (
            Item(
                "rollout",
                not using,
                "no market rolls it out"
                if not using
                else "still rolled out in " + ", ".join(using),
                tuple(f"remove {name} from markets/{code}/rollout.yaml" for code in using),
            ),
        )
    return ()


def readiness(
    repository: Repository,
    codes: Sequence[str],
    today: date,
    run_specs: Callable[[list[str]], SpecRun] | None = None,
) -> Readiness:
    """Readiness of the planned markets among ``codes`` and of the changes of the next
    :data:`CHANGE_DAYS` days in ``codes``. ``run_specs(markets)`` runs the specs of those
    markets against freshly built bundles (None: specs are reported as not run)."""
    from marketctl.core.errors import MarketctlError

    planned = planned_markets(repository, codes)
    specs: SpecRun | None = None
    note = "no spec runner"
    if run_specs is not None and planned:
        try:
            specs = run_specs(planned)
        except MarketctlError as error:
            note = error.message
    entries = {
        code: _market_readiness(
            repository, code, today, specs, note, rollout_steps(repository.market(code))
        )
        for code in planned
    }
    horizon = today + timedelta(days=CHANGE_DAYS)
    changes = tuple(
        ChangeReadiness(event, (event.day - today).days, _change_items(repository, event, entries))
        for event in calendar_events(repository, codes, today)
        if event.day <= horizon
    )
    return Readiness(today, tuple(entries.values()), changes, "" if specs else note)


# --- rendering -----------------------------------------------------------------------------------


def _item_json(item: Item) -> dict[str, Any]:
    return {
        "check": item.check,
        "done": item.done,
        "detail": item.detail,
        "missing": list(item.missing),
    }


def render_json(report: Readiness) -> str:
    document = {
        "version": 1,
        "today": report.today.isoformat(),
        "ready": report.ready,
        "markets": [
            {
                "market": entry.code,
                "name": entry.name,
                "status": entry.status,
                "launch_date": entry.launch_date.isoformat() if entry.launch_date else None,
                "days_left": entry.days_left,
                "ready": entry.ready,
                "items": [_item_json(item) for item in entry.items],
            }
            for entry in report.markets
        ],
        "changes": [
            {
                "day": change.event.day.isoformat(),
                "days_left": change.days_left,
                "market": change.event.market,
                "kind": change.event.kind,
                "what": change.event.text,
                "key": change.event.key or None,
                "unverified": change.event.unverified,
                "ready": change.ready,
                "items": [_item_json(item) for item in change.items],
            }
            for change in report.changes
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _listed(missing: Sequence[str], indent: str) -> list[str]:
    lines = [f"{indent}- {entry}" for entry in missing[:_LISTED]]
    if len(missing) > _LISTED:
        lines.append(f"{indent}- ... and {len(missing) - _LISTED} more (--format json lists all)")
    return lines


def render_text(report: Readiness) -> str:
    lines: list[str] = []
    for entry in report.markets:
        when = (
            f"launches {entry.launch_date} ({entry.days_left} days)"
            if entry.launch_date
            else "no launch date"
        )
        state = "READY" if entry.ready else "NOT READY"
        lines.append(f"{entry.code} {entry.name}: {entry.status}, {when}: {state}")
        for item in entry.items:
            lines.append(f"  [{'x' if item.done else ' '}] {item.check}: {item.detail}")
            lines += _listed(item.missing, "      ")
    if not report.markets:
        lines.append("no planned market")
    lines.append(f"changes in the next {CHANGE_DAYS} days:")
    for change in report.changes:
        mark = "x" if change.ready else " "
        lines.append(
            f"  [{mark}] {change.event.day} ({change.days_left} days) {change.event.market} "
            f"{change.event.kind}: {change.event.text}"
        )
        for item in change.items:
            if not item.done:
                lines.append(f"        {item.check}: {item.detail}")
                lines += _listed(item.missing, "          ")
    if not report.changes:
        lines.append("  none")
    not_ready = sum(1 for e in report.markets if not e.ready)
    waiting = sum(1 for c in report.changes if not c.ready)
    lines.append(
        f"{len(report.markets)} planned market(s), {not_ready} not ready; "
        f"{len(report.changes)} change(s) in {CHANGE_DAYS} days, {waiting} with something missing"
    )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Readiness) -> str:
    lines = [f"## Launch readiness ({report.today})", ""]
    for entry in report.markets:
        when = (
            f"launches {entry.launch_date}, {entry.days_left} days left"
            if entry.launch_date
            else ("no launch date")
        )
        mark = "ready" if entry.ready else "**not ready**"
        lines += [f"### {entry.name} ({entry.code}): {mark}, {when}", ""]
        lines += ["| | check | detail |", "|---|---|---|"]
        for item in entry.items:
            lines.append(f"| {'✅' if item.done else '❌'} | {item.check} | {_cell(item.detail)} |")
        missing = [f"{item.check}: {m}" for item in entry.items for m in item.missing]
        if missing:
            lines += ["", "<details><summary>What is missing</summary>", ""]
            lines += [f"- {_cell(m)}" for m in missing[: _LISTED * 3]]
            lines += ["", "</details>"]
        lines.append("")
    lines += [f"### Changes in the next {CHANGE_DAYS} days", ""]
    lines += ["| | day | market | what | missing |", "|---|---|---|---|---|"]
    for change in report.changes:
        gaps = "; ".join(m for item in change.items for m in item.missing)
        lines.append(
            f"| {'✅' if change.ready else '❌'} | {change.event.day} | {change.event.market} | "
            f"{_cell(change.event.text)} | {_cell(gaps)} |"
        )
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[Readiness], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}


def spec_runner(root: Path, settings: Any) -> Callable[[list[str]], SpecRun]:
    """Runs the specs of some markets against bundles built into a temporary folder, as
    ``marketctl test`` does without ``--bundles``."""
    from marketctl.commands.build import build as build_bundles
    from marketctl.commands.spectest import run_specs

    def run(markets: list[str]) -> SpecRun:
        return run_specs(
            root,
            markets,
            None,
            lambda target: build_bundles(root, (), target, settings),
        )

    return run
