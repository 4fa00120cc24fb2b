"""The legal guarantee does not take the law's form, or its numbers fall short of the law's.

Laws give a legal guarantee in different forms (``marketctl/reference/data/consumer_law.yaml``,
``forms``): a fixed liability period counted from delivery (Directive (EU) 2019/771, art. 10(1): 24
months; 36 in Sweden, Spain and Portugal); no fixed period, liability for as long as the goods can
reasonably be expected to last (the Netherlands, Finland); only a limitation period for claims
(Ireland: 6 years; the United Kingdom: 6 years, 5 in Scotland, per ISO 3166-2 region); or a deadline
to notify the seller counted from discovery of the defect (Japan, 民法 第566条: one year). Each
interval of ``legal_guarantee`` must use the form of the law in force on its days (a form written
nowhere is inferred: ``duration: reasonable`` is reasonable, ``counted_from: discovery`` is notice,
anything else fixed), count from the event of its form, and give at least the law's months (fixed,
notice) or years (limitation, also in every region whose law sets its own period: a region left out
gets the market-wide value, which must then be that region's law too). A region must be a
subdivision of the market's country. A market may always give more.

Where the market is right and the reference is not, the interval records a reviewed override
(``override`` with what differs, why, the source that says so and the day it was reviewed); the
finding is then a warning that names the override.

Failing example::

    # markets/nl/warranty.yaml (Dutch law has no fixed period)
    legal_guarantee:
      - {form: fixed, months: 24, counted_from: delivery, from: 2022-04-27, source: {...}}

Passing example::

    legal_guarantee:
      - {form: reasonable, from: 2022-04-27, source: {...},
         limitation: {years: 2, counted_from: notification}}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Interval
from marketctl.reference.consumer_law import (
    FORM_COUNTED_FROM,
    guarantee_form,
    jurisdiction_name,
    shortfall,
)
from marketctl.reference.iso import subdivisions_of
from marketctl.repository.markets import Market

CODE = "MKT401"
NAME = "legal-guarantee-floor"
SEVERITY = Severity.ERROR
OVERRIDABLE = True

# The floor's name for each way of counting the period (docs/file-formats.md, warranty.yaml).
FLOOR_NAMES = {"delivery": "legal_guarantee_months", "discovery": "defect_notice_months"}
# What each form writes to meet its law (the hint of a form mismatch).
_FORM_FIX = {
    "fixed": "write form: fixed with months (counted_from: delivery)",
    "reasonable": "write form: reasonable and remove months (limitation: may say how long claims "
    "can be brought)",
    "limitation": "write form: limitation with years (the limitation period for claims)",
    "notice": "write form: notice with months and counted_from: discovery",
}


def _form_key(entry: Mapping[str, Any]) -> str:
    for key in ("form", "duration", "months", "years"):
        if key in entry:
            return key
    return "from"


def check_market(market: Market) -> Iterator[Finding]:
    country, region = market.market.get("country"), market.market.get("region")
    entries = market.warranty.get("legal_guarantee")
    if not isinstance(country, str) or not isinstance(entries, list):
        return
    region = region if isinstance(region, str) else None
    for index, entry in enumerate(entries):
        if isinstance(entry, Mapping):
            yield from _check_interval(market, country, region, index, entry)


def _check_interval(
    market: Market, country: str, region: str | None, index: int, entry: Mapping[str, Any]
) -> Iterator[Finding]:
    law = market.repository.reference.consumer_law
    span = Interval.of(entry)
    where = ("legal_guarantee", index)
    form = guarantee_form(entry)
    counted = entry.get("counted_from", FORM_COUNTED_FROM.get(form, "delivery"))
    yield from _check_regions(market, country, index, entry)
    # A form and an event that contradict each other (a notice period counted from delivery).
    expected = {"fixed": "delivery", "notice": "discovery"}.get(form)
    if "form" in entry and expected is not None and counted != expected:
        yield rule(CODE).finding(
            market.location("warranty", (*where, "counted_from")),
            f"legal_guarantee {span} has form {form}, which is counted from {expected}, "
            f"but says counted_from: {counted}",
            f"write counted_from: {expected}",
        )
        return
    # The form of the law in force on the interval's days.
    forms = [f for f in law.form(country, region) if f.interval.overlaps(span)]
    other = [f for f in forms if f.value != form]
    if other:
        yield rule(CODE).finding(
            market.location("warranty", (*where, _form_key(entry))),
            f"legal_guarantee {span} has the {form} form, but {other[0].describe()}",
            _FORM_FIX[other[0].value],
        )
        return
    if form == "none":
        if forms:
            yield rule(CODE).finding(
                market.location("warranty", (*where, _form_key(entry))),
                f"legal_guarantee {span} has form none, but {forms[0].describe()}",
                _FORM_FIX[forms[0].value],
            )
        return
    if form in ("fixed", "notice"):
        yield from _check_months(market, country, region, index, entry, span, counted)
    elif form == "limitation":
        yield from _check_years(market, country, index, entry, span)
    elif form == "reasonable":
        yield from _check_reasonable(market, country, region, index, entry, span)


def _other(counted: str) -> str:
    return next(event for event in FLOOR_NAMES if event != counted)


def _check_months(
    market: Market,
    country: str,
    region: str | None,
    index: int,
    entry: Mapping[str, Any],
    span: Interval,
    counted: str,
) -> Iterator[Finding]:
    floors = [
        f
        for f in market.repository.reference.consumer_law.floor(
            FLOOR_NAMES.get(counted, FLOOR_NAMES["delivery"]), country, region
        )
        if f.interval.overlaps(span)
    ]
    months = entry.get("months")
    if not isinstance(months, int):
        if floors:
            yield rule(CODE).finding(
                market.location("warranty", ("legal_guarantee", index, _form_key(entry))),
                f"legal_guarantee {span} has no length in months, but the law fixes one: "
                f"{floors[0].describe()}",
                f"write months: {floors[0].value} or more",
            )
        return
    floor = shortfall(months, span, floors)
    if floor is not None:
        yield rule(CODE).finding(
            market.location("warranty", ("legal_guarantee", index, "months")),
            f"legal guarantee of {months} months {span} is below {floor.describe()}",
            floor.fix("months", span),
        )


def _check_years(
    market: Market, country: str, index: int, entry: Mapping[str, Any], span: Interval
) -> Iterator[Finding]:
    law = market.repository.reference.consumer_law
    where = ("legal_guarantee", index)
    floors = [f for f in law.floor("limitation_years", country, None) if f.interval.overlaps(span)]
    years = entry.get("years")
    if not isinstance(years, int):
        if floors:
            yield rule(CODE).finding(
                market.location("warranty", (*where, _form_key(entry))),
                f"legal_guarantee {span} has the limitation form but no years: "
                f"{floors[0].describe()}",
                f"write years: {floors[0].value}",
            )
        return
    floor = shortfall(years, span, floors)
    if floor is not None:
        yield rule(CODE).finding(
            market.location("warranty", (*where, "years")),
            f"limitation period of {years} years {span} is below {floor.describe()}",
            floor.fix("years", span),
        )
    raw = entry.get("regions")
    regions: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    for code, sub_floors in law.subdivision_floors("limitation_years", country).items():
        in_force = [f for f in sub_floors if f.interval.overlaps(span)]
        if not in_force:
            continue
        override = regions.get(code)
        if isinstance(override, Mapping):
            value = override.get("years", years)
            if isinstance(value, int):
                floor = shortfall(value, span, in_force)
                if floor is not None:
                    key = "years" if "years" in override else "source"
                    yield rule(CODE).finding(
                        market.location("warranty", (*where, "regions", code, key)),
                        f"limitation period of {value} years in {code} {span} is below "
                        f"{floor.describe()}",
                        floor.fix("years", span),
                    )
            continue
        if any(f.value != years for f in in_force):
            differs = next(f for f in in_force if f.value != years)
            yield rule(CODE).finding(
                market.location("warranty", (*where, "years")),
                f"limitation period of {years} years {span} would also apply in {code}, but "
                f"{differs.describe()}",
                f"add regions: {{{code}: {{years: {differs.value}, source: {{...}}}}}}",
            )


def _check_reasonable(
    market: Market,
    country: str,
    region: str | None,
    index: int,
    entry: Mapping[str, Any],
    span: Interval,
) -> Iterator[Finding]:
    limitation = entry.get("limitation")
    if not isinstance(limitation, Mapping) or not isinstance(limitation.get("years"), int):
        return
    floors = [
        f
        for f in market.repository.reference.consumer_law.floor("limitation_years", country, None)
        if f.interval.overlaps(span)
    ]
    floor = shortfall(limitation["years"], span, floors)
    if floor is not None:
        yield rule(CODE).finding(
            market.location("warranty", ("legal_guarantee", index, "limitation", "years")),
            f"limitation period of {limitation['years']} years {span} is below {floor.describe()}",
            floor.fix("years", span),
        )


def _check_regions(
    market: Market, country: str, index: int, entry: Mapping[str, Any]
) -> Iterator[Finding]:
    regions = entry.get("regions")
    if not isinstance(regions, Mapping):
        return
    known = {s.code for s in subdivisions_of(country)}
    for code in regions:
        if code not in known:
            yield rule(CODE).finding(
                market.location("warranty", ("legal_guarantee", index, "regions", code)),
                f"region {code} is not an ISO 3166-2 subdivision of {jurisdiction_name(country)}",
                f"use a code of {country}, e.g. {min(known)}" if known else "remove it",
            )
