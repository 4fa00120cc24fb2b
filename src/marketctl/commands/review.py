"""What a reviewer needs to see of a whole market: every fact with its source and verification
status, and its rollout calendar in local time and UTC.

``marketctl diff`` shows a new market this way (and what goes away with a removed one), so that
a pull request that adds ``markets/gr/`` reads as Greece's rates, periods and launch dates, not
as one line ``gr: — → gr``. The facts are read from the resolved market generically: any
mapping with a ``source`` is a fact, so new kinds of legal data show up without changes here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import Any

from marketctl.reference.schedule import ScheduleError, local_to_utc, rollout_zone
from marketctl.repository.markets import Market

_SECTIONS = {"market": "Market", "tax": "Tax", "warranty": "Consumer law and warranty"}
# Written beside a value to document it; shown in the source column, not as the value.
_META = ("source", "from", "until", "note")


@dataclass(frozen=True)
class Fact:
    section: str  # Market | Tax | Consumer law and warranty
    label: str  # "rates › food"
    value: str  # "6 %", "36 months, counted from delivery"
    period: str  # "2026-04-01 – 2027-12-31", "" when the value has no validity interval
    source: str  # "title, ref, url"; "" when none is written
    status: str  # "verified 2026-11-30" | "unverified: <missing>" | "not stated" | ""


@dataclass(frozen=True)
class Step:
    feature: str
    local: str  # as rollout.yaml writes it
    zone: str
    utc: str  # ISO, Z
    percent: str
    note: str


@dataclass(frozen=True)
class MarketView:
    code: str
    name: str
    facts: tuple[Fact, ...]
    calendar: tuple[Step, ...]
    locales: tuple[str, ...]
    messages: int  # message keys the market has a text for, in its first locale


def market_view(market: Market) -> MarketView:
    facts: list[Fact] = []
    for kind, section in _SECTIONS.items():
        data = market.resolved[kind].data
        if isinstance(data, Mapping):
            facts.extend(_facts(section, data, ()))
    name = market.resolved["market"].data.get("name", market.code)
    first = market.locales[0] if market.locales else None
    messages = (
        sum(1 for key in market.repository.source_keys if market.message(first, key) is not None)
        if first
        else 0
    )
    return MarketView(
        market.code,
        str(name),
        tuple(facts),
        tuple(_calendar(market)),
        tuple(market.locales),
        messages,
    )


def _facts(section: str, value: Any, path: tuple[str, ...]) -> Iterator[Fact]:
    if isinstance(value, Mapping):
        if {"title", "url"} <= set(value):  # a source on its own (the law a market follows)
            yield Fact(
                section, _label(path), show(value.get("note")), "", _source(value), _status(value)
            )
            return
        if "source" in value or (path and ("from" in value or "until" in value)):
            yield _fact(section, path, value)
            return
        for key, child in value.items():
            yield from _facts(section, child, (*path, str(key)))
        return
    if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
        for item in value:
            yield from _facts(section, item, path)
        return
    yield Fact(section, _label(path), show(value), "", "", "")


def _label(path: tuple[str, ...]) -> str:
    return " › ".join(part.replace("_", " ") for part in path)


def _fact(section: str, path: tuple[str, ...], value: Mapping[str, Any]) -> Fact:
    shown = {key: child for key, child in value.items() if key not in _META}
    if set(shown) == {"percent"}:
        text = f"{show(shown['percent'])} %"
    elif "months" in shown:
        text = f"{show(shown['months'])} months"
        rest = {key: child for key, child in shown.items() if key != "months"}
        text += "".join(f", {key.replace('_', ' ')} {show(child)}" for key, child in rest.items())
    elif "days" in shown:
        text = f"{show(shown['days'])} days"
        rest = {key: child for key, child in shown.items() if key != "days"}
        text += "".join(f", {key.replace('_', ' ')} {show(child)}" for key, child in rest.items())
    elif set(shown) == {"value"}:
        text = show(shown["value"])
    else:
        text = "; ".join(f"{key.replace('_', ' ')}: {show(child)}" for key, child in shown.items())
    start, end = value.get("from"), value.get("until")
    period = ""
    if start or end:
        period = f"{start or '…'} – {end or 'open'}"
    source = value.get("source")
    return Fact(section, _label(path), text, period, _source(source), _status(source))


def _source(source: Any) -> str:
    if not isinstance(source, Mapping):
        return ""
    parts = [str(source[key]) for key in ("title", "ref", "url") if source.get(key)]
    return ", ".join(parts)


def _status(source: Any) -> str:
    if not isinstance(source, Mapping):
        return ""
    verified = source.get("verified")
    if verified is False:
        missing = source.get("missing")
        return f"unverified: {show(missing)}" if missing else "unverified"
    if verified:
        return f"verified {verified}"
    return "not stated"


def _calendar(market: Market) -> Iterator[Step]:
    rollout = market.resolved["rollout"].data
    features = rollout.get("features") if isinstance(rollout, Mapping) else None
    if not isinstance(features, Mapping):
        return
    try:
        zone = rollout_zone(rollout, market.resolved["market"].data)
    except ScheduleError:
        return
    for feature, steps in sorted(features.items()):
        if not isinstance(steps, list):
            continue
        for step in steps:
            if not isinstance(step, Mapping) or "at" not in step:
                continue
            local = str(step["at"])
            try:
                utc = local_to_utc(local, zone).astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
            except ScheduleError:
                utc = "not a valid local time"
            note = "rollback" if step.get("rollback") else ""
            if step.get("reason"):
                note = f"{note}: {step['reason']}" if note else str(step["reason"])
            yield Step(str(feature), local, str(zone), utc, show(step.get("percent")), note)


def show(value: Any) -> str:
    """A value as a reader who has never seen YAML reads it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list):
        return ", ".join(show(item) for item in value) or "none"
    if isinstance(value, Mapping):  # a nested value: "years 2, counted from notification"
        return ", ".join(
            f"{str(key).replace('_', ' ')} {show(child)}" for key, child in value.items()
        )
    return str(value)
