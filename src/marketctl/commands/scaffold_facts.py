"""What ``marketctl new CC`` derives for a country, as the values its templates render.

From ISO 3166 (pycountry), CLDR (Babel) and marketctl's reviewed data files
(``marketctl/reference/data/tax_law.yaml``, ``consumer_law.yaml``): the market's identity, its tax
and its consumer law, each value with the comment that names its source, or ``null`` with a
``# TODO`` (:data:`TODO`) where nothing reviewed holds it. :mod:`marketctl.commands.scaffold`
renders and writes them.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from babel.core import get_global
from babel.languages import get_official_languages

from marketctl.checks.messageformat import language_name
from marketctl.checks.rules.mkt401_legal_guarantee_floor import FLOOR_NAMES
from marketctl.core.intervals import ONE_DAY, Interval, in_force
from marketctl.reference.consumer_law import (
    EU,
    Floor,
    LegalForm,
    Requirement,
    Source,
    consumer_law,
    tax_law,
)
from marketctl.reference.locales import fallback_chain
from marketctl.reference.territories import (
    country_name,
    currency_name,
    parse_locale,
    subdivisions_of,
    tenders_on,
    territory_languages,
    territory_zones,
)
from marketctl.repository.loading import MARKETS
from marketctl.repository.markets import REGIONS

# The region whose markets the reviewed data's ``EU`` entries apply to (consumer_law.py).
EU_REGION = EU.lower()
# After a value left for the team: ``percent: null  # TODO: statutory standard rate, ...``.
TODO = "  # TODO: "
# Comment text is wrapped so that, indented and after '# ', lines stay within 100 characters.
_WIDTH = 92

# ------------------------------------------------------------------------------------------------
# What the templates are given


@dataclass(frozen=True)
class Field:
    """One ``key: value`` line; ``todo`` says what to write where the value is not known."""

    key: str
    value: str  # already YAML: ``24``, ``delivery``, ``"Directive ..."``, ``null``
    todo: str = ""

    @property
    def line(self) -> str:
        remark = f"{TODO}{self.todo}" if self.todo else ""
        return f"{self.key}: {self.value}{remark}"


@dataclass(frozen=True)
class Entry:
    """A mapping of fields with an optional ``source`` mapping and comment lines above it."""

    fields: tuple[Field, ...]
    source: tuple[Field, ...] = ()
    comments: tuple[str, ...] = ()

    def lines(self, indent: int, item: bool) -> list[str]:
        """The entry's lines at ``indent`` spaces, as a list item (``- ``) or a mapping."""
        pad = " " * indent
        body = [field.line for field in self.fields]
        if self.source:
            body.append("source:")
            body += [f"  {field.line}" for field in self.source]
        lines = [f"{pad}# {comment}" if comment else f"{pad}#" for comment in self.comments]
        for index, text in enumerate(body):
            lead = ("- " if index == 0 else "  ") if item else ""
            lines.append(f"{pad}{lead}{text}")
        return lines


@dataclass(frozen=True)
class Period:
    """A top-level key of warranty.yaml (or tax.yaml) written as a list of entries."""

    key: str
    entries: tuple[Entry, ...]
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class MarketView:
    name: str
    region: str | None
    currency: Field
    currency_comments: tuple[str, ...]
    locales: tuple[str, ...]
    locales_comments: tuple[str, ...]
    zones: tuple[str, ...]
    zones_comments: tuple[str, ...]


@dataclass(frozen=True)
class TaxView:
    system: Field
    system_comments: tuple[str, ...]
    prices_include_tax: Entry
    margin_scheme: Entry | None
    standard: Period
    reduced: tuple[Period, ...] = ()
    names: tuple[Field, ...] = ()


@dataclass(frozen=True)
class WarrantyView:
    comments: tuple[str, ...]
    periods: tuple[Period, ...]
    remarks: tuple[str, ...] = ()


def _comment(text: str) -> tuple[str, ...]:
    """A remark as comment lines (without the ``# ``), wrapped."""
    return tuple(textwrap.wrap(text, _WIDTH, break_long_words=False, break_on_hyphens=False))


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ._/+()-]*")
_YAML_WORDS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})


def yaml_scalar(value: object) -> str:
    """A value as a YAML scalar: plain where it reads back as the same text, else quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if _PLAIN.fullmatch(text) and text == text.strip() and text.lower() not in _YAML_WORDS:
        return text
    return quoted(text)


def quoted(value: object) -> str:
    """A double-quoted YAML scalar (a JSON string is one)."""
    return json.dumps(str(value), ensure_ascii=False)


def _source_fields(source: Source) -> tuple[Field, ...]:
    fields = [Field("title", quoted(source.title))]
    if source.ref:
        fields.append(Field("ref", quoted(source.ref)))
    fields.append(
        Field("url", quoted(source.url))
        if source.url
        else Field("url", "null", "an https link to the official text (the data has none)")
    )
    # The reviewed data's verification status travels with the fact (issue 7).
    if isinstance(source.verified, date) and source.quote:
        fields.append(Field("verified", source.verified.isoformat()))
        fields.append(Field("quote", quoted(source.quote)))
    elif isinstance(source.verified, date):
        # A verification nobody can check (no quote of what was read) is not copied as one:
        # MKT421 would refuse it in the new market.
        fields.append(Field("verified", "false"))
        missing = (
            f"the reference data says it was verified on {source.verified.isoformat()} but "
            "quotes nothing: read the text at the url and write the sentence as quote"
        )
        fields.append(Field("missing", quoted(missing)))
    elif source.verified is False:
        fields.append(Field("verified", "false"))
        fields.append(Field("missing", quoted(source.missing)))
    return tuple(fields)


def _interval_fields(interval: Interval) -> tuple[Field, ...]:
    fields = [Field("from", interval.start.isoformat())]
    if interval.end is not None:
        fields.append(Field("until", interval.end.isoformat()))
    return tuple(fields)


_TODO_FROM = Field("from", "null", "the first day it is in force, YYYY-MM-DD")
_TODO_SOURCE = (
    Field("title", "null", "the law's official name (add ref: the article or section)"),
    Field("url", "null", "an https link to the official text or the authority's page"),
)


# ------------------------------------------------------------------------------------------------
# market.yaml


def _market_view(country: str, region: str | None, day: date) -> MarketView:
    name = country_name(country) or country
    currency, currency_comments = _currency(country, day)

    locales, locale_remarks = _locales(country)
    if locales:
        shares = ", ".join(
            f"{tag} {territory_languages(country)[language].population_percent:g} %"
            for tag, language in locales
        )
        locales_comments = _comment(
            f"CLDR: the official languages of {country} by share of the population "
            f"({shares}); the first is the default. {' '.join(locale_remarks)}".strip()
        )
    else:
        locales_comments = _comment(
            f"CLDR lists no official language of {country} that it has a locale for. "
            + " ".join(locale_remarks)
        )
    zones = territory_zones(country)
    if len(zones) > 1:
        zones_comments = _comment(
            f"CLDR's {len(zones)} zones of {country}, in CLDR's order: CLDR does not say which "
            "is the most populous or the capital's. The first is where rollout times are "
            "written: move the launch team's zone first (or name it in rollout.yaml's timezone)."
        )
    else:
        zones_comments = _comment(
            f"CLDR: the time zone of {country}." if zones else f"CLDR has no zone of {country}."
        )
    return MarketView(
        name=name,
        region=region,
        currency=currency,
        currency_comments=currency_comments,
        locales=tuple(tag for tag, _ in locales),
        locales_comments=locales_comments,
        zones=zones,
        zones_comments=zones_comments,
    )


def _currency(country: str, day: date) -> tuple[Field, tuple[str, ...]]:
    """CLDR's legal tender today, where CLDR has exactly one that ISO 4217 still lists.

    CLDR's currency history can lag behind a change that ISO 4217 already has: CLDR 47 still
    has BGN as Bulgaria's tender in 2026, which ISO 4217 (pycountry) no longer lists since the
    euro replaced it. Such a code is not written (MKT202 would reject it).
    """
    tenders = tenders_on(country, day)
    listed = [code for code in tenders if currency_name(code) is not None]
    remarks = []
    if len(listed) < len(tenders):
        retired = ", ".join(code for code in tenders if code not in listed)
        remarks.append(
            f"CLDR {_cldr_version()} has {retired} as legal tender of {country} on {day}, but "
            "ISO 4217 (pycountry) no longer lists it: the currency has changed since CLDR's data."
        )
    if len(listed) == 1 and not remarks:
        return Field("currency", listed[0]), _comment(
            f"CLDR: the legal tender of {country} on {day}."
        )
    if len(listed) > 1:
        remarks.append(
            f"CLDR lists {len(listed)} legal tenders of {country} on {day}: {', '.join(listed)}."
        )
    todo = "the one prices are set and charged in" if len(listed) > 1 else "the ISO 4217 code"
    if not tenders:
        remarks.append(f"CLDR has no legal tender of {country}.")
    return Field("currency", "null", todo), _comment(" ".join(remarks))


def _locales(country: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(tag, CLDR language id) for each official language, by population share, and remarks.

    ``get_official_languages`` sorts by population share. A language becomes ``<lang>-<CC>``
    where CLDR has that locale, else the closest tag CLDR has (the language alone). A tag that
    another chosen locale falls back to is left out: Norwegian ``no`` is the parent of ``nb-NO``
    and ``nn-NO`` in CLDR's parentLocales, so listing it too would name one language twice.
    """
    candidates: list[tuple[str, str]] = []
    remarks: list[str] = []
    identifiers: set[str] = set()
    for language in get_official_languages(country, de_facto=True):
        base = language.replace("_", "-")
        found = [
            (tag, parsed)
            for tag in (f"{base}-{country}", base)
            if (parsed := parse_locale(tag)) is not None
        ]
        if not found:
            remarks.append(f"CLDR has no locale for {language}, an official language.")
            continue
        tag, parsed = found[0]
        if parsed.identifier not in identifiers:
            identifiers.add(parsed.identifier)
            candidates.append((tag, language))
    chosen: list[tuple[str, str]] = []
    for tag, language in candidates:
        children = [
            other for other, _ in candidates if other != tag and tag in fallback_chain(other)
        ]
        # Only a language-alone tag, taken because CLDR has no <lang>-<CC> (no for no-NO), is
        # left out: a full locale such as fr-HT stays even though ht-HT falls back to it.
        if children and tag == language.replace("_", "-"):
            remarks.append(
                f"{tag} is left out: {_and(children)} fall{'s' if len(children) == 1 else ''} "
                "back to it (CLDR parent locales)."
            )
            continue
        if tag == language.replace("_", "-"):
            remarks.append(f"CLDR has no {tag}-{country} locale: {tag} is the closest.")
        chosen.append((tag, language))
    return chosen, remarks


# ------------------------------------------------------------------------------------------------
# tax.yaml


def tax_names(country: str, locales: Sequence[str]) -> tuple[Field, ...]:
    """``names.national``: what customers call the tax in each language of the market's
    locales, from the reviewed data's ``tax_names``; a TODO where it has no name."""
    known = tax_law().tax_names.get(country, {})
    fields = []
    for language in dict.fromkeys(tag.split("-", 1)[0].lower() for tag in locales):
        name = known.get(language)
        if name is not None:
            fields.append(Field(language, quoted(name)))
        else:
            todo = f"the tax's name in {language_name(language)}, as on the checkout (VAT, TVA)"
            fields.append(Field(language, "null", todo))
    return tuple(fields)


def _tax_view(country: str, region: str | None, day: date, notes: list[str]) -> TaxView:
    law = tax_law()
    if region == EU_REGION:
        system = Field("system", "vat")
        system_comments = _comment(
            "EU VAT (Council Directive 2006/112/EC); the second-hand margin scheme is inherited "
            f"from {MARKETS}/{REGIONS}/{region}/tax.yaml."
        )
    else:
        system = Field("system", "null", "vat | gst | consumption_tax | sales_tax")
        system_comments = ()

    data = "the reviewed tax-law data (marketctl/reference/data/tax_law.yaml)"
    prices = _requirement_entry(
        law.inclusive_prices(country, region), day, "tax-inclusive display is required", data
    )
    margin = None
    if region != EU_REGION:  # the EU region's tax.yaml has the margin scheme
        margin = _requirement_entry(
            law.margin_schemes(country, region),
            day,
            "the law has a second-hand margin scheme",
            data,
            key="available",
            any_value=True,
        )
    rates = _reference_standard_rates(country, day)
    filled = [
        key for key, entry in (("prices_include_tax", prices), ("margin_scheme", margin)) if entry
    ]
    if rates:
        value, interval, _, first_recorded = rates[0]
        since = "in force on" if first_recorded else "from"
        filled.append(f"rates.standard ({value} % {since} {interval.start})")
    reduced = [kind for kind in tax_law().reduced_rates.get(country, {})]
    if reduced:
        filled.append(f"rates.{'/'.join(reduced)}")
    if filled:
        them = "them" if len(filled) > 1 else "it"
        notes.append(
            f"tax.yaml: {_and(filled)} from {data}: check {them} against the official text"
        )
    if prices is None:
        prices = Entry(
            (Field("value", "null", "true if prices shown to consumers must include the tax"),),
            _TODO_SOURCE,
            _comment(
                "Whether prices shown to consumers include the tax, and the law that says so "
                "(add from: the day it applies since)."
            ),
        )
    return TaxView(
        system,
        system_comments,
        prices,
        margin,
        _standard_rate(rates, day),
        _reduced_rates(country, day),
    )


def _requirement_entry(
    history: Sequence[Requirement],
    day: date,
    what: str,
    data: str,
    key: str = "value",
    any_value: bool = False,
) -> Entry | None:
    """The requirement in force today as a ``{<key>, from, source}`` entry, where the data has
    one (only a ``true`` one unless ``any_value``)."""
    current = in_force(history, day, lambda requirement: requirement.interval)
    if current is None or not (current.value or any_value):
        return None
    said = what if current.value else f"not: {what}"
    return Entry(
        (Field(key, yaml_scalar(current.value)), *_interval_fields(current.interval)),
        _source_fields(current.source),
        _comment(f"From {data}, entry {current.jurisdiction}: {said}."),
    )


def _rate_entry(value: Any, interval: Interval, source: Source, first_recorded: bool) -> Entry:
    """A rate interval; its ``from`` is TODO where the data records only the first day it saw
    the rate in force, not the day the rate took effect (issue 7: real start dates only)."""
    fields = [Field("percent", yaml_scalar(value))]
    if first_recorded:
        fields.append(
            Field(
                "from",
                "null",
                f"the day it took effect (the reviewed data has it in force on "
                f"{interval.start}, not its start)",
            )
        )
        if interval.end is not None:
            fields.append(Field("until", interval.end.isoformat()))
    else:
        fields += _interval_fields(interval)
    return Entry(tuple(fields), _source_fields(source))


def _reduced_rates(country: str, day: date) -> tuple[Period, ...]:
    """``rates.<kind>`` for each reduced rate of the reviewed data: the intervals in force on
    ``day`` and after, with what the kind covers."""
    periods: list[Period] = []
    for kind, history in tax_law().reduced_rates.get(country, {}).items():
        kept = [r for r in history if r.interval.end is None or r.interval.end >= day]
        if not kept:
            continue
        periods.append(
            Period(
                kind,
                tuple(_rate_entry(r.value, r.interval, r.source, r.first_recorded) for r in kept),
                _comment(
                    f"From the reviewed tax-law data (marketctl/reference/data/tax_law.yaml, "
                    f"reduced_rates.{country}.{kind})."
                ),
            )
        )
    return tuple(periods)


def _standard_rate(facts: Sequence[tuple[Any, Interval, Source, bool]], day: date) -> Period:
    """``rates.standard``: the reference rates where the data has them, else TODO."""
    if facts:
        return Period(
            "standard",
            tuple(
                _rate_entry(value, interval, source, first_recorded)
                for value, interval, source, first_recorded in facts
            ),
            _comment(
                "From the reference standard rates in the reviewed tax-law data "
                f"(marketctl/reference/data/tax_law.yaml): the rate in force on {day} and any "
                "after it, "
                "with the data's source and first recorded day. Check them against the official "
                "text; add earlier history if the market needs it."
            ),
        )
    return Period(
        "standard",
        (
            Entry(
                (Field("percent", "null", "statutory standard rate, with its source"), _TODO_FROM),
                _TODO_SOURCE,
            ),
        ),
        _comment(
            "The standard rate in force today; older rates may be added before it, oldest "
            "first, each with from and until."
        ),
    )


def _reference_standard_rates(country: str, day: date) -> list[tuple[Any, Interval, Source, bool]]:
    """The standard rates in force on ``day`` and after, from ``tax_law().standard_rates``.

    That table is being added to the reviewed tax-law data; until it exists, or when it has no
    entry for the country, the rate is left TODO. An entry is read by what it has (a ``value``,
    an ``interval`` and a ``source``): one of another shape leaves the rate TODO rather than
    writing a wrong one.
    """
    table = getattr(tax_law(), "standard_rates", None)
    history = table.get(country) if isinstance(table, Mapping) else None
    if not isinstance(history, Iterable):
        return []
    facts: list[tuple[Any, Interval, Source, bool]] = []
    for fact in history:
        value = getattr(fact, "value", None)
        interval = getattr(fact, "interval", None)
        source = getattr(fact, "source", None)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | Decimal)
            or not isinstance(interval, Interval)
            or not isinstance(source, Source)
        ):
            return []
        if interval.end is None or interval.end >= day:
            facts.append((value, interval, source, getattr(fact, "first_recorded", False) is True))
    facts.sort(key=lambda fact: fact[1].start)
    if not facts or not facts[0][1].contains(day):
        return []  # no rate in force today: the data cannot say what to write
    return facts


# ------------------------------------------------------------------------------------------------
# tax.yaml of a sales-tax country (the United States)


@dataclass(frozen=True)
class SalesTaxRegion:
    code: str
    name: str
    local_rates: Field
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class SalesTaxView:
    comments: tuple[str, ...]
    regions: tuple[SalesTaxRegion, ...]


def _sales_tax_view(country: str, day: date, notes: list[str]) -> SalesTaxView | None:
    """Every taxing subdivision (pycountry's, of the types the reviewed data names) with the
    state base rates in force on ``day`` and after, from ``tax_law().state_sales_tax``; TODO
    for a subdivision the data lacks. None for a country without a state sales tax."""
    law = tax_law()
    data = law.state_sales_tax.get(country)
    scope = law.regional_tax_subdivisions.get(country)
    if data is None or scope is None:
        return None
    regions: list[SalesTaxRegion] = []
    recorded = 0
    for subdivision in sorted(subdivisions_of(country), key=lambda s: s.code):
        if subdivision.type not in scope.types:
            continue
        state = data.get(subdivision.code)
        if state is None:
            regions.append(
                SalesTaxRegion(
                    subdivision.code,
                    subdivision.name,
                    Field("local_rates", "null", "true if local jurisdictions add rates"),
                    (
                        Entry(
                            (Field("percent", "null", "the state base rate"), _TODO_FROM),
                            _TODO_SOURCE,
                        ),
                    ),
                )
            )
            continue
        entries = []
        for rate in state.rates:
            if rate.interval.end is not None and rate.interval.end < day:
                continue
            remark: tuple[str, ...] = ()
            if rate.first_recorded:
                recorded += 1
                remark = _comment(
                    "from: the day the data first records this rate in force, not the day it "
                    "took effect (not found; see missing)."
                )
            entries.append(
                Entry(
                    (Field("percent", yaml_scalar(rate.value)), *_interval_fields(rate.interval)),
                    _source_fields(rate.source),
                    remark,
                )
            )
        last = state.rates[-1].interval.end if state.rates else None
        if last is not None:  # the data knows no rate after this: the team must find it
            entries.append(
                Entry(
                    (
                        Field("percent", "null", f"the state base rate after {last}"),
                        Field("from", (last + ONE_DAY).isoformat()),
                    ),
                    _TODO_SOURCE,
                )
            )
        regions.append(
            SalesTaxRegion(
                subdivision.code,
                subdivision.name,
                Field("local_rates", yaml_scalar(state.local_rates)),
                tuple(entries),
            )
        )
    notes.append(
        f"tax.yaml: system: sales_tax with the state base rate of {len(regions)} subdivisions "
        f"from the reviewed tax-law data (marketctl/reference/data/tax_law.yaml); {recorded} start "
        "on the "
        "day the data first records them: `marketctl sources --unverified` lists what to check"
    )
    comments = _comment(
        f"Sales tax: no national rate. Each of pycountry's {_and(sorted(scope.types))} "
        f"subdivisions of {country} has its state base rate (regions.<code>.taxes.state) and "
        "local_rates: true where cities, counties or districts add their own rates by delivery "
        "address. The base rate is never the rate of an order: services ask a rate provider. "
        "Prices are shown before tax (the rate depends on the delivery address). From the "
        "reviewed tax-law data, with each fact's verification status."
    )
    return SalesTaxView(comments, tuple(regions))


# ------------------------------------------------------------------------------------------------
# warranty.yaml

_CONSUMER_DATA = "the reviewed consumer-law data (marketctl/reference/data/consumer_law.yaml)"
_COUNTED_FROM = {name: event for event, name in FLOOR_NAMES.items()}
_MAPPED = frozenset(
    {
        *FLOOR_NAMES.values(),
        "burden_of_proof_months",
        "withdrawal_days",
        "second_hand_min_months",
        "refurbished_min_months",
        "burden_of_proof_second_hand_months",
        "limitation_years",
        "short_term_reject_days",
    }
)


def _warranty_view(country: str, region: str | None, notes: list[str]) -> WarrantyView | None:
    """The periods the reviewed floors give the country; TODO for the required ones they do not
    give (outside the EU region, which supplies its own); None when there is nothing to write."""
    national: Mapping[str, tuple[Floor, ...]] = consumer_law().floors.get(country, {})
    in_eu = region == EU_REGION
    region_file = f"{MARKETS}/{REGIONS}/{region}/warranty.yaml"
    periods: list[Period] = []

    guarantee = _legal_guarantee(country, national)
    if guarantee is not None:
        periods.append(guarantee)
    elif not in_eu:
        periods.append(
            _todo_period(
                "legal_guarantee",
                Field("months", "null", "the period in months"),
                "The statutory liability for goods that do not conform: form (fixed, reasonable, "
                "limitation or notice), its months or years, and the law that sets it.",
            )
        )
    burden = national.get("burden_of_proof_months", ())
    used = national.get("burden_of_proof_second_hand_months", ())
    if burden:
        periods.append(
            Period(
                "burden_of_proof",
                tuple(
                    Entry(
                        (
                            Field("months", str(f.value)),
                            *(
                                Field("second_hand_months", str(u.value))
                                for u in used
                                if u.interval == f.interval and u.value < f.value
                            ),
                            *_interval_fields(f.interval),
                        ),
                        _source_fields(f.source),
                    )
                    for f in burden
                ),
                _comment(f"From {_CONSUMER_DATA}, entry {country}."),
            )
        )
    withdrawal = national.get("withdrawal_days", ())
    if withdrawal:
        periods.append(
            Period(
                "withdrawal",
                tuple(
                    Entry(
                        (
                            Field("days", str(f.value)),
                            Field("right", "statutory" if f.value > 0 else "none"),
                            *_interval_fields(f.interval),
                        ),
                        _source_fields(f.source),
                    )
                    for f in withdrawal
                ),
                _comment(f"From {_CONSUMER_DATA}, entry {country}."),
            )
        )
    elif not in_eu:
        periods.append(
            _todo_period(
                "withdrawal",
                Field("days", "null", "the period in days"),
                "The right to cancel a distance sale without giving a reason: days, right: "
                "statutory (default if the seller may exclude it, none with 0 days), the law.",
            )
        )

    short = national.get("short_term_reject_days", ())
    if short:
        periods.append(
            Period(
                "short_term_reject",
                tuple(
                    Entry(
                        (
                            Field("days", str(f.value)),
                            Field("counted_from", f.counted_from or "delivery"),
                            *_interval_fields(f.interval),
                        ),
                        _source_fields(f.source),
                    )
                    for f in short
                ),
                _comment(f"From {_CONSUMER_DATA}, entry {country}."),
            )
        )
    remarks = tuple(
        line
        for name, floors in national.items()
        if name not in _MAPPED
        for f in floors
        for line in _comment(
            f"{name}: {f.value} in force {f.interval} ({f.source}, {f.source.url}): "
            "the reviewed data has it, this file's format has no key for it."
        )
    )
    kept = [p.key for p in periods if not any(f.todo for e in p.entries for f in e.fields)]
    if in_eu:
        inherited = [
            k
            for k in ("legal_guarantee", "burden_of_proof", "withdrawal")
            if k not in {p.key for p in periods}
        ]
        if not periods:
            notes.append(
                f"no warranty.yaml: {_CONSUMER_DATA} has no national floors for {country}, so "
                f"the EU floors of {region_file} apply"
            )
            return None
        notes.append(
            f"warranty.yaml: {_and(kept)} from {_CONSUMER_DATA} (entry {country}); "
            f"{_and(inherited) or 'nothing'} inherited from {region_file}"
        )
        header = _comment(
            f"{country}'s own floors from {_CONSUMER_DATA}; each list replaces the region's. "
            + (
                f"{_and(inherited)} come{'s' if len(inherited) == 1 else ''} from {region_file}."
                if inherited
                else ""
            )
        )
    else:
        todo = [p.key for p in periods if p.key not in kept]
        if kept:
            notes.append(
                f"warranty.yaml: {_and(kept)} from {_CONSUMER_DATA} (entry {country}); "
                f"{_and(todo) or 'nothing'} marked TODO"
            )
        else:
            notes.append(
                f"warranty.yaml: {_CONSUMER_DATA} has no floors for {country}: "
                f"{_and(todo)} marked TODO"
            )
        header = _comment(
            "Statutory periods, each a history of intervals with its source "
            "(docs/file-formats.md). Add burden_of_proof where the law presumes that a defect "
            "existed at delivery. commercial_warranty comes from markets/_defaults."
        )
    return WarrantyView(header, tuple(periods), remarks)


def _and(words: Sequence[str]) -> str:
    return ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else "".join(words)


def _todo_period(key: str, value: Field, comment: str) -> Period:
    return Period(key, (Entry((value, _TODO_FROM), _TODO_SOURCE),), _comment(comment))


def _legal_guarantee(country: str, national: Mapping[str, tuple[Floor, ...]]) -> Period | None:
    """legal_guarantee in the form of the country's law (``forms`` of the reviewed data): a
    reasonable or limitation form from its own facts, else the guarantee floors (fixed from
    delivery, or notice from discovery in Japan), with the shortest period allowed for used goods
    where the country allows a shorter one."""
    law = consumer_law()
    forms = [f for f in law.forms.get(country, ()) if f.value in ("reasonable", "limitation")]
    entries: list[Entry] = [_form_entry(country, national, form) for form in forms]
    second_hand = national.get("second_hand_min_months", ())
    refurbished = national.get("refurbished_min_months", ())
    for name, event in _COUNTED_FROM.items() if not forms else ():
        for floor in national.get(name, ()):
            form = "notice" if event == "discovery" else "fixed"
            fields = [
                Field("form", form),
                Field("months", str(floor.value)),
                Field("counted_from", event),
            ]
            above: list[str] = []
            reduced = next((s for s in second_hand if s.interval == floor.interval), None)
            if reduced is not None and event == "delivery":
                # We sell refurbished goods: where the law keeps a longer period for them, that
                # is the shortest we may agree (MKT404).
                kept_whole = [r for r in refurbished if r.interval.overlaps(floor.interval)]
                shortest = max([reduced.value, *(r.value for r in kept_whole)])
                if shortest < floor.value:
                    fields.append(Field("second_hand_min_months", str(shortest)))
                    above += _comment(f"second_hand_min_months: {reduced.source}.")
                else:
                    above += _comment(
                        f"No second_hand_min_months: used goods may be agreed down to "
                        f"{reduced.value} months ({reduced.source}), but not goods sold as "
                        f"refurbished ({(kept_whole or [reduced])[0].source})."
                    )
            entries.append(
                Entry(
                    (*fields, *_interval_fields(floor.interval)),
                    _source_fields(floor.source),
                    tuple(above),
                )
            )
    if not entries:
        return None
    return Period(
        "legal_guarantee", tuple(entries), _comment(f"From {_CONSUMER_DATA}, entry {country}.")
    )


def _form_entry(country: str, national: Mapping[str, tuple[Floor, ...]], form: LegalForm) -> Entry:
    """An interval of the reasonable or limitation form, from the form's fact and the
    limitation period of the country (and of its subdivisions whose law differs)."""
    law = consumer_law()
    limitation = [
        f for f in national.get("limitation_years", ()) if f.interval.overlaps(form.interval)
    ]
    fields = [Field("form", form.value)]
    above: list[str] = []
    if form.value == "limitation":
        if limitation:
            years = limitation[-1]
            fields += [
                Field("years", str(years.value)),
                Field("counted_from", years.counted_from or "delivery"),
            ]
            above += _comment(f"years: {years.source} ({years.source.url}).")
            regions = {
                code: floors[-1]
                for code, floors in law.subdivision_floors("limitation_years", country).items()
                if floors[-1].value != years.value
            }
            if regions:
                fields.append(
                    Field(
                        "regions",
                        "{"
                        + ", ".join(
                            f"{code}: {{years: {f.value}, source: {{title: "
                            f"{quoted(f.source.title)}, url: {quoted(f.source.url)}}}}}"
                            for code, f in regions.items()
                        )
                        + "}",
                    )
                )
        else:
            fields.append(Field("years", "null", "the limitation period in years"))
    elif limitation:
        years = limitation[-1]
        fields.append(
            Field(
                "limitation",
                f"{{years: {years.value}, counted_from: {years.counted_from or 'delivery'}}}",
            )
        )
        above += _comment(f"limitation: {years.source} ({years.source.url}).")
    return Entry(
        (*fields, *_interval_fields(form.interval)), _source_fields(form.source), tuple(above)
    )


@cache
def _cldr_version() -> str:
    return str(get_global("cldr").get("version", "?"))
