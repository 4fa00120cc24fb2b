"""``marketctl report -o DIR``: a static HTML site for the people who run the markets.

Country managers, legal and support never open YAML. The report shows them, from the same
resolved markets that validate and build read:

- ``index.html``: the market matrix (status, launch, currency, tax system and standard rate, the
  legal guarantee and withdrawal in force today, locales, translation coverage, unverified facts),
  each fact linking to its legal source, and what changes in the next 30 days;
- ``calendar.html``: every dated change in the next 12 months across all markets: tax and law
  intervals that start or end, rollout steps (market time and UTC), feature expiries, launches;
- ``feature-<name>.html``: the feature's rollout percentage over time in each market, drawn as SVG;
- ``market-<cc>.html``: every fact of a market with its source and verification status.

Pages are plain HTML and SVG with the CSS inline: no JavaScript and no external assets, so the
site works from ``file://``, from an artifact download or from any static file server. Every text
from the repository goes through Jinja2's autoescaping.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from marketctl.checks.coverage import LocaleCoverage, translation_coverage
from marketctl.checks.facts import LegalFact, legal_facts
from marketctl.commands.bundle import decimal_text
from marketctl.commands.legal_sources import UNVERIFIED, VERIFIED, status_of
from marketctl.commands.wording import FactWords, rate_change
from marketctl.core.errors import MarketctlError
from marketctl.core.intervals import date_or_none
from marketctl.reference.schedule import compile_rollout, rollout_zone
from marketctl.repository.markets import Market, Repository

__all__ = [
    "CalendarEvent",
    "ReportData",
    "build_report",
    "calendar_events",
    "render_pages",
    "rollout_steps",
    "safe_url",
    "write_report",
]

MARKER = ".marketctl-report"
HORIZON_DAYS = 365
SOON_DAYS = 30
CHANGE_DAYS = 90  # how far ahead readiness lists scheduled changes


@dataclass(frozen=True)
class Fact:
    """One dated value of a market: what it means, where it sits, and on what authority."""

    area: str
    path: str
    key: str  # as ``marketctl explain`` and ``sources`` name it: tax.rates.standard[1]
    words: str  # what it says, in English
    value: str
    start: str | None
    until: str | None
    source_title: str
    source_ref: str
    source_url: str  # only an http(s) link a browser may follow; empty otherwise
    status: str  # verified | unverified | no status (as ``marketctl sources``)
    verified: str  # the status in words, with what is missing
    file: str
    line: int
    diff_key: str  # the fact's key in ``marketctl diff``: tax.rates.standard[2023-07-01]

    @property
    def is_verified(self) -> bool:
        return self.status == VERIFIED


@dataclass(frozen=True, order=True)
class CalendarEvent:
    """One dated change: a day, the market (or ``all``), what changes, and a link."""

    day: date
    market: str
    kind: str
    text: str
    local: str = ""
    utc: str = ""
    url: str = ""
    key: str = ""  # the YAML key the change is written at (a secondary detail)
    where: str = ""  # file:line
    unverified: bool = False  # rests on a fact nobody has checked against the law
    diff_key: str = ""


@dataclass(frozen=True)
class Step:
    at_utc: datetime
    local: str
    percent: Decimal


@dataclass
class MarketRow:
    code: str
    name: str
    status: str
    launch_date: str
    currency: str
    tax_system: str
    standard_rate: Fact | None
    guarantee: Fact | None
    withdrawal: Fact | None
    locales: list[str]
    coverage: dict[str, LocaleCoverage]
    unverified: int  # facts that are not verified: the length of `sources --unverified`
    facts: list[Fact] = field(default_factory=list)


@dataclass
class ReportData:
    today: date
    markets: list[MarketRow]
    events: list[CalendarEvent]
    features: dict[str, dict[str, Any]]
    rollouts: dict[str, dict[str, list[Step]]]
    problems: tuple[str, ...] = ()  # validation errors, when rendered anyway
    base: str | None = None  # the revision --base compares with
    changed: frozenset[str] = frozenset()  # "<market> <diff key>" the working tree changes
    # A commands.readiness.Readiness (readiness reads this module: typed loosely, no cycle).
    readiness: Any = None

    @property
    def soon(self) -> list[CalendarEvent]:
        end = self.today + timedelta(days=SOON_DAYS)
        return [event for event in self.events if event.day <= end]

    def is_changed(self, market: str, diff_key: str = "") -> bool:
        """Whether --base found a change of this market (at or under ``diff_key``)."""
        prefix = f"{market} {diff_key}"
        return any(change.startswith(prefix) for change in self.changed)


# --- links ---------------------------------------------------------------------------------------


def safe_url(url: str) -> str:
    """``url`` where a browser may follow it from a shared page, else ``""``: http or https
    with a host, and nothing a browser would strip or reinterpret (spaces, controls). A
    ``javascript:`` or ``data:`` source link is shown as text, never as a link."""
    if not url or any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        return ""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        return ""
    return url


# --- facts ---------------------------------------------------------------------------------------


def _status_words(legal: LegalFact) -> str:
    status = status_of(legal)
    if status == VERIFIED:
        return f"verified {legal.status.verified}"
    if status == UNVERIFIED:
        return f"unverified: {legal.status.missing}" if legal.status.missing else "unverified"
    return "no verification status"


def _diff_key(market: Market, legal: LegalFact) -> str:
    """The fact's key as ``marketctl diff`` names it: list items by their from date."""
    text = legal.kind
    node: Any = market.resolved[legal.kind].data
    for part in legal.path:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            item = node[part]
            anchor = item.get("from") if isinstance(item, Mapping) else None
            text += f"[{anchor}]" if anchor is not None else f"[{part}]"
            node = item
        else:
            text += f".{part}"
            node = node.get(part) if isinstance(node, Mapping) else None
    return text


def _fact(market: Market, words: FactWords, legal: LegalFact) -> Fact:
    """A legal fact as the report shows it (the same walk and status as ``marketctl
    sources``)."""
    return Fact(
        area=legal.kind,
        path=".".join(str(part) for part in legal.path if not isinstance(part, int)),
        key=legal.key,
        words=words.of(legal),
        value=legal.value,
        start=legal.start,
        until=legal.end,
        source_title=legal.title,
        source_ref=legal.ref,
        source_url=safe_url(legal.url),
        status=status_of(legal),
        verified=_status_words(legal),
        file=legal.location.file,
        line=legal.location.line,
        diff_key=_diff_key(market, legal),
    )


def market_facts(market: Market) -> list[Fact]:
    words = FactWords(market)
    return [_fact(market, words, legal) for legal in legal_facts(market)]


def _in_force(facts: Sequence[Fact], prefix: str, day: date) -> Fact | None:
    for fact in facts:
        if fact.path != prefix:
            continue
        start, until = date_or_none(fact.start), date_or_none(fact.until)
        if (start is None or start <= day) and (until is None or day <= until):
            return fact
    return None


# --- calendar ------------------------------------------------------------------------------------


def _previous(facts: Sequence[LegalFact], index: int) -> LegalFact | None:
    """The interval before ``facts[index]`` in the same history (same list, one item up)."""
    fact = facts[index]
    if not fact.path or not isinstance(fact.path[-1], int) or fact.path[-1] == 0:
        return None
    wanted = (*fact.path[:-1], fact.path[-1] - 1)
    return next((f for f in facts if f.kind == fact.kind and f.path == wanted), None)


def _has_next(facts: Sequence[LegalFact], fact: LegalFact) -> bool:
    if not fact.path or not isinstance(fact.path[-1], int):
        return False
    wanted = (*fact.path[:-1], fact.path[-1] + 1)
    return any(f.kind == fact.kind and f.path == wanted for f in facts)


def calendar_events(
    repository: Repository, codes: Sequence[str], today: date
) -> list[CalendarEvent]:
    """Every dated change from ``today`` to 12 months ahead, in day order, in words."""
    end = today + timedelta(days=HORIZON_DAYS)
    events: list[CalendarEvent] = []

    def add(day: date | None, market: str, kind: str, text: str, **kwargs: Any) -> None:
        if day is not None and today <= day <= end:
            events.append(CalendarEvent(day, market, kind, text, **kwargs))

    for code in codes:
        market = repository.market(code)
        config = market.market
        name = str(config.get("name", code))
        add(date_or_none(config.get("launch_date")), code, "launch", f"{name} launches")
        words = FactWords(market)
        legal = legal_facts(market)
        for index, fact in enumerate(legal):
            shown = _fact(market, words, fact)
            details = {
                "url": shown.source_url,
                "key": fact.key,
                "where": f"{shown.file}:{shown.line}",
                "unverified": not shown.is_verified,
                "diff_key": shown.diff_key,
            }
            previous = _previous(legal, index)
            start = date_or_none(fact.start)
            # A change that a previous interval hands over to is worded once, as a change.
            if previous is None or date_or_none(previous.end) != (
                start - timedelta(days=1) if start else None
            ):
                add(start, code, "law", f"{shown.words} from this day", **details)
            else:
                add(start, code, "law", rate_change(words, fact, previous), **details)
            until = date_or_none(fact.end)
            if until is not None and not _has_next(legal, fact):
                add(
                    until + timedelta(days=1),
                    code,
                    "law",
                    f"{shown.words}: ends, no later value recorded",
                    **details,
                )
        for feature, steps in rollout_steps(market).items():
            for step in steps:
                add(
                    date.fromisoformat(step.local[:10]),  # the market's own day
                    code,
                    "rollout",
                    f"{feature} in {name} to {decimal_text(step.percent)} % of units "
                    f"at {step.local}",
                    local=step.local,
                    utc=step.at_utc.strftime("%Y-%m-%d %H:%M UTC"),
                    key=f"rollout.features.{feature}",
                    diff_key=f"rollout.features.{feature}",
                )
    for name, definition in sorted(_features(repository).items()):
        add(date_or_none(definition.get("expires")), "all", "expiry", f"feature {name} expires")
    return sorted(events)


def _features(repository: Repository) -> dict[str, dict[str, Any]]:
    catalogue = repository.features
    features = catalogue.data.get("features", {}) if catalogue is not None else {}
    return dict(features) if isinstance(features, Mapping) else {}


def rollout_steps(market: Market) -> dict[str, list[Step]]:
    zone: ZoneInfo = rollout_zone(market.rollout, market.market)
    compiled = compile_rollout(market.rollout, market.market)
    return {
        name: [
            Step(
                step.at_utc,
                step.at_utc.astimezone(zone).strftime(f"%Y-%m-%d %H:%M {zone.key}"),
                step.percent,
            )
            for step in steps
        ]
        for name, steps in compiled.items()
    }


# --- the whole report ---------------------------------------------------------------------------


def build_report(
    repository: Repository,
    codes: Sequence[str],
    today: date,
    *,
    problems: Sequence[str] = (),
    base: str | None = None,
    changed: frozenset[str] = frozenset(),
    readiness: Any = None,
) -> ReportData:
    coverage: dict[str, dict[str, LocaleCoverage]] = {}
    if repository.source_catalogue is not None:
        for row in translation_coverage(repository, list(codes)):
            coverage.setdefault(row.market, {})[row.locale] = row
    rows = []
    rollouts: dict[str, dict[str, list[Step]]] = {}
    for code in codes:
        market = repository.market(code)
        config = market.market
        facts = market_facts(market)
        rows.append(
            MarketRow(
                code=code,
                name=str(config.get("name", code)),
                status=str(config.get("status", "")),
                launch_date=str(config.get("launch_date") or ""),
                currency=str(config.get("currency", "")),
                tax_system=str(market.tax.get("system", "")),
                standard_rate=_in_force(facts, "rates.standard", today),
                guarantee=_in_force(facts, "legal_guarantee", today),
                withdrawal=_in_force(facts, "withdrawal", today),
                locales=list(market.locales),
                coverage=coverage.get(code, {}),
                unverified=sum(1 for fact in facts if not fact.is_verified),
                facts=facts,
            )
        )
        for feature, steps in rollout_steps(market).items():
            rollouts.setdefault(feature, {})[code] = steps
    return ReportData(
        today=today,
        markets=rows,
        events=calendar_events(repository, codes, today),
        features=_features(repository),
        rollouts=rollouts,
        problems=tuple(problems),
        base=base,
        changed=changed,
        readiness=readiness,
    )


# --- pictures ------------------------------------------------------------------------------------

_WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP = 640, 160, 44, 24, 14


def rollout_svg(
    steps: Sequence[Step],
    start: datetime,
    end: datetime,
    today: datetime | None = None,
    label: str = "rollout",
) -> str:
    """A step chart of the share of units on, from ``start`` to ``end`` (SVG markup, escaped).

    The chart is an image with a text alternative (``label`` and every step in words); the
    date labels are spaced by whole quarters or years, so they never overlap however long the
    span."""
    span = (end - start).total_seconds() or 1.0
    plot_width = _WIDTH - _LEFT - 10
    plot_height = _HEIGHT - _BOTTOM - _TOP

    def x(moment: datetime) -> float:
        seconds = min(max((moment - start).total_seconds(), 0.0), span)
        return round(_LEFT + plot_width * seconds / span, 1)

    def y(percent: Decimal) -> float:
        return round(_TOP + plot_height * (1 - float(percent) / 100), 1)

    points = [(x(start), y(Decimal(0)))]
    current = Decimal(0)
    for step in steps:
        if step.at_utc > end:
            break
        points.append((x(step.at_utc), y(current)))
        current = step.percent
        points.append((x(step.at_utc), y(current)))
    points.append((x(end), y(current)))
    path = " ".join(f"{px},{py}" for px, py in points)
    grid = "".join(
        f'<line x1="{_LEFT}" x2="{_WIDTH - 10}" y1="{y(Decimal(p))}" y2="{y(Decimal(p))}" '
        f'class="grid"/><text x="{_LEFT - 6}" y="{y(Decimal(p)) + 4}" class="axis" '
        f'text-anchor="end">{p} %</text>'
        for p in (0, 50, 100)
    )
    # A label ("2027-04") is about 44 units wide: months between labels, in whole quarters,
    # so that labels stand at least 60 units apart.
    months = max(1.0, span / (30.44 * 86400))
    every = 3
    while plot_width * every / months < 60:
        every += 3 if every < 12 else 12
    ticks = []
    month = date(start.year, start.month, 1)
    while True:
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        moment = datetime(month.year, month.month, 1, tzinfo=UTC)
        if moment > end:
            break
        if (month.year * 12 + month.month - 1) % every == 0:
            ticks.append(
                f'<text x="{x(moment)}" y="{_HEIGHT - 6}" class="axis" text-anchor="middle">'
                f"{month:%Y-%m}</text>"
            )
    if today is not None and start <= today <= end:
        ticks.append(
            f'<line x1="{x(today)}" x2="{x(today)}" y1="{_TOP}" y2="{_HEIGHT - _BOTTOM}" '
            f'class="today"/><text x="{x(today)}" y="{_TOP - 1}" class="axis" '
            f'text-anchor="middle">today</text>'
        )
    described = (
        "; ".join(f"{decimal_text(step.percent)} % from {step.local}" for step in steps)
        or "no steps"
    )
    alternative = escape(f"{label}: {described}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'width="{_WIDTH}" height="{_HEIGHT}" role="img" aria-label="{alternative}">'
        f"<title>{alternative}</title>{grid}{''.join(ticks)}"
        f'<polyline points="{path}" class="share"/></svg>'
    )


# --- writing -------------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("marketctl.commands", "templates/report"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The chart is built from numbers and dates only, its text alternative escaped; the page
    # escapes every text around it.
    environment.globals["svg"] = lambda steps, start, end, today, label: Markup(
        rollout_svg(steps, start, end, today, label)
    )
    return environment


def _stylesheet() -> tuple[str, str]:
    """The pages' CSS and the Content-Security-Policy that allows it and nothing else: no
    script, no outside request, no form, no base URL (a hash names the one style block)."""
    css = (resources.files("marketctl.commands") / "templates/report/report.css").read_text(
        encoding="utf-8"
    )
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    policy = (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'"
    )
    return css, policy


def render_pages(data: ReportData) -> dict[str, bytes]:
    environment = _environment()
    css, policy = _stylesheet()
    start = datetime.combine(data.today - timedelta(days=90), datetime.min.time(), UTC)
    end = datetime.combine(data.today + timedelta(days=HORIZON_DAYS), datetime.min.time(), UTC)
    common = {
        "data": data,
        "chart_start": start,
        "chart_end": end,
        "css": Markup(css),
        "csp": Markup(policy),  # our own constant: quotes stay quotes
        "change_days": CHANGE_DAYS,
    }
    pages = {
        "index.html": environment.get_template("index.html.j2").render(**common),
        "calendar.html": environment.get_template("calendar.html.j2").render(**common),
        "readiness.html": environment.get_template("readiness.html.j2").render(**common),
    }
    for row in data.markets:
        pages[f"market-{row.code}.html"] = environment.get_template("market.html.j2").render(
            row=row, **common
        )
    for name in sorted(data.features):
        steps = data.rollouts.get(name, {})
        moments = [step.at_utc for market_steps in steps.values() for step in market_steps]
        # The chart spans today's window, widened to show every step of the feature.
        span = {
            "chart_start": min([start, *(m - timedelta(days=30) for m in moments)]),
            "chart_end": max([end, *(m + timedelta(days=30) for m in moments)]),
        }
        pages[f"feature-{name}.html"] = environment.get_template("feature.html.j2").render(
            **{**common, **span},
            name=name,
            feature=data.features[name],
            steps=steps,
            today_utc=datetime.combine(data.today, datetime.min.time(), UTC),
        )
    return {name: text.encode("utf-8") for name, text in pages.items()}


def write_report(output: Path, pages: Mapping[str, bytes]) -> None:
    """Replace ``output`` with the pages, atomically; refuse a folder that is not a report."""
    output = output.absolute()
    if output.is_symlink() or (output.exists() and not output.is_dir()):
        raise MarketctlError(f"{output} is not a directory", "pass a folder of its own to -o")
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise MarketctlError(
            f"{output} is not empty and is not a previous marketctl report",
            "the report replaces its folder whole: choose an empty or new folder",
        )
    parent = output.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=parent))
    except OSError as error:
        raise MarketctlError(f"cannot write into {parent}: {error.strerror}") from None
    try:
        for name, data in sorted({**pages, MARKER: b"marketctl report\n"}.items()):
            (staging / name).write_bytes(data)
        staging.chmod(0o755)
        aside = None
        if output.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=parent))
            os.rename(output, aside / "report")
        os.rename(staging, output)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise MarketctlError(f"cannot write {output}: {error.strerror or error}") from None
