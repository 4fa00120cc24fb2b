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

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from marketctl.checks.coverage import translation_coverage
from marketctl.checks.facts import LegalFact, legal_facts
from marketctl.commands.bundle import decimal_text
from marketctl.core.errors import MarketctlError
from marketctl.reference.schedule import compile_rollout, rollout_zone
from marketctl.repository.markets import Market, Repository

__all__ = ["CalendarEvent", "ReportData", "build_report", "calendar_events", "write_report"]

MARKER = ".marketctl-report"
HORIZON_DAYS = 365
SOON_DAYS = 30


@dataclass(frozen=True)
class Fact:
    """One dated value of a market: where it sits, what it says, and on what authority."""

    area: str
    path: str
    value: str
    start: str | None
    until: str | None
    source_title: str
    source_ref: str
    source_url: str
    verified: str


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
    coverage: dict[str, float]
    unverified: int
    facts: list[Fact] = field(default_factory=list)


@dataclass
class ReportData:
    today: date
    markets: list[MarketRow]
    events: list[CalendarEvent]
    features: dict[str, dict[str, Any]]
    rollouts: dict[str, dict[str, list[Step]]]

    @property
    def soon(self) -> list[CalendarEvent]:
        end = self.today + timedelta(days=SOON_DAYS)
        return [event for event in self.events if event.day <= end]


# --- facts ---------------------------------------------------------------------------------------


def _fact(legal: LegalFact) -> Fact:
    """A legal fact as the report shows it (the same walk as ``marketctl sources``)."""
    status = legal.status
    if status.verified is False:
        verified = f"unverified: {status.missing}" if status.missing else "unverified"
    elif status.verified is not None:
        verified = f"verified {status.verified}"
    else:
        verified = "not stated"
    return Fact(
        area=legal.kind,
        path=".".join(str(part) for part in legal.path if not isinstance(part, int)),
        value=legal.value,
        start=legal.start,
        until=legal.end,
        source_title=legal.title,
        source_ref=legal.ref,
        source_url=legal.url,
        verified=verified,
    )


def _day_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value is not None else None
    except ValueError:
        return None


def market_facts(market: Market) -> list[Fact]:
    return [_fact(legal) for legal in legal_facts(market)]


def _in_force(facts: Sequence[Fact], prefix: str, day: date) -> Fact | None:
    for fact in facts:
        if fact.path != prefix:
            continue
        start, until = _day(fact.start), _day(fact.until)
        if (start is None or start <= day) and (until is None or day <= until):
            return fact
    return None


# --- calendar ------------------------------------------------------------------------------------


def calendar_events(
    repository: Repository, codes: Sequence[str], today: date
) -> list[CalendarEvent]:
    """Every dated change from ``today`` to 12 months ahead, in day order."""
    end = today + timedelta(days=HORIZON_DAYS)
    events: list[CalendarEvent] = []

    def add(day: date | None, *args: str, **kwargs: str) -> None:
        if day is not None and today <= day <= end:
            events.append(CalendarEvent(day, *args, **kwargs))

    for code in codes:
        market = repository.market(code)
        config = market.market
        add(_day(config.get("launch_date")), code, "launch", f"{config.get('name', code)} launches")
        for fact in market_facts(market):
            area = f"{fact.area}.{fact.path}"
            add(_day(fact.start), code, "law", f"{area} becomes {fact.value}", url=fact.source_url)
            until = _day(fact.until)
            if until is not None:
                add(
                    until + timedelta(days=1),
                    code,
                    "law",
                    f"{area} ({fact.value}) ends",
                    url=fact.source_url,
                )
        for feature, steps in _rollout_steps(market).items():
            for step in steps:
                add(
                    date.fromisoformat(step.local[:10]),  # the market's own day
                    code,
                    "rollout",
                    f"{feature} to {decimal_text(step.percent)} %",
                    local=step.local,
                    utc=step.at_utc.strftime("%Y-%m-%d %H:%M UTC"),
                )
    for name, definition in sorted(_features(repository).items()):
        add(_day(definition.get("expires")), "all", "expiry", f"feature {name} expires")
    return sorted(events)


def _features(repository: Repository) -> dict[str, dict[str, Any]]:
    catalogue = repository.features
    features = catalogue.data.get("features", {}) if catalogue is not None else {}
    return dict(features) if isinstance(features, Mapping) else {}


def _rollout_steps(market: Market) -> dict[str, list[Step]]:
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


def build_report(repository: Repository, codes: Sequence[str], today: date) -> ReportData:
    coverage: dict[str, dict[str, float]] = {}
    if repository.source_catalogue is not None:
        for row in translation_coverage(repository, list(codes)):
            coverage.setdefault(row.market, {})[row.locale] = row.percent
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
                unverified=sum(1 for fact in facts if fact.verified.startswith("unverified")),
                facts=facts,
            )
        )
        for feature, steps in _rollout_steps(market).items():
            rollouts.setdefault(feature, {})[code] = steps
    return ReportData(
        today=today,
        markets=rows,
        events=calendar_events(repository, codes, today),
        features=_features(repository),
        rollouts=rollouts,
    )


# --- pictures ------------------------------------------------------------------------------------

_WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP = 640, 160, 44, 24, 14


def rollout_svg(
    steps: Sequence[Step], start: datetime, end: datetime, today: datetime | None = None
) -> str:
    """A step chart of the share of units on, from ``start`` to ``end`` (SVG markup, escaped)."""
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
    ticks = []
    month = date(start.year, start.month, 1)
    while True:
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        moment = datetime(month.year, month.month, 1, tzinfo=UTC)
        if moment > end:
            break
        if month.month in (1, 4, 7, 10):
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
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'width="{_WIDTH}" height="{_HEIGHT}" role="img">{grid}{"".join(ticks)}'
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
    # The chart is built from numbers and dates only; the page escapes every text around it.
    environment.globals["svg"] = lambda steps, start, end, today: Markup(
        rollout_svg(steps, start, end, today)
    )
    return environment


def render_pages(data: ReportData) -> dict[str, bytes]:
    environment = _environment()
    start = datetime.combine(data.today - timedelta(days=90), datetime.min.time(), UTC)
    end = datetime.combine(data.today + timedelta(days=HORIZON_DAYS), datetime.min.time(), UTC)
    common = {"data": data, "chart_start": start, "chart_end": end}
    pages = {
        "index.html": environment.get_template("index.html.j2").render(**common),
        "calendar.html": environment.get_template("calendar.html.j2").render(**common),
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
            name=name,
            feature=data.features[name],
            steps=steps,
            data=data,
            today_utc=datetime.combine(data.today, datetime.min.time(), UTC),
            **span,
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
