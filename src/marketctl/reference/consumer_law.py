"""The statutory facts that rules check markets against, from reviewed data files in the package.

``data/consumer_law.yaml`` holds the consumer-law floors (legal guarantee, burden of proof,
withdrawal, second-hand reductions) and ``data/tax_law.yaml`` the tax-law facts (tax-inclusive
price display, the second-hand margin scheme, the subdivisions that levy their own tax, the
statutory standard rates by country). They
ship with marketctl and every number in them has a source and an effective date: what no library
knows lives there, not in the rules. They are the floor: a repository adds countries and newer
laws in its own ``markets/_reference/`` files of the same shape, which
:mod:`marketctl.repository.reference` reads and hands to :func:`consumer_law_of` and
:func:`tax_law_of` as plain data (this module never reads a repository), and merges with
:meth:`ConsumerLaw.extended` and :meth:`TaxLaw.extended`; each fact read from there carries its
file and line (``Source.origin``).

Both files are keyed by ``EU`` (markets with ``region: eu``) and by ISO 3166-1 country code; for a
given fact, a country's entry replaces the EU entry for that country. That is how late or stricter
transposition is written: Sweden applied Directive (EU) 2019/771 from 2022-05-01, not 2022-01-01,
and gives 36 months instead of 24.

Each file is read once. A malformed file is a bug in marketctl, not in the markets: loading raises
RuntimeError naming the file and the entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from marketctl.core.documents import load_document
from marketctl.core.intervals import ONE_DAY, Interval, Problem, check_history
from marketctl.reference import iso
from marketctl.reference.territories import subdivisions_of

EU = "EU"
#: How a rule names the reference data that ships with marketctl.
PACKAGED = "marketctl's packaged reference data"
T = TypeVar("T")
CONSUMER_LAW_FILE = "consumer_law.yaml"
TAX_LAW_FILE = "tax_law.yaml"

# RFC 2606 / RFC 6761: names reserved for examples and tests, never a law's home.
_RESERVED_HOSTS = ("example.com", "example.net", "example.org")
_RESERVED_SUFFIXES = (".example", ".invalid", ".localhost", ".test", ".local")
_PLACEHOLDERS = frozenset({"todo", "tbd", "fixme", "xxx", "?", "...", "…", "-", "n/a", "unknown"})


@dataclass(frozen=True)
class Source:
    """Where a legal fact comes from, and whether it was checked against the official text.

    ``verified`` is the day the official text was read and said exactly this, ``False`` when it
    has not been (``missing`` then says what a reviewer must still check), ``None`` when nobody
    recorded either.
    """

    title: str
    url: str
    ref: str = ""
    verified: date | Literal[False] | None = None
    missing: str = ""
    quote: str = ""  # the sentence or table row read, verbatim, when verified is a date
    # Where the fact is written when a repository's reference file gives it
    # (``markets/_reference/consumer_law.yaml:14``); "" for marketctl's packaged data.
    origin: str = ""

    def __str__(self) -> str:
        text = f"{self.title}, {self.ref}" if self.ref else self.title
        return f"{text}; {self.origin}" if self.origin else text

    @property
    def provenance(self) -> str:
        """Where the reference fact comes from: the repository's file and line, or the
        packaged data."""
        return self.origin or PACKAGED


@dataclass(frozen=True)
class Floor:
    """A statutory minimum (months or days) of one jurisdiction, for one interval."""

    jurisdiction: str
    name: str
    value: int
    interval: Interval
    source: Source
    counted_from: str | None = None  # what the period runs from, where the data says

    @property
    def unit(self) -> str:
        return self.name.rsplit("_", 1)[1]

    def describe(self) -> str:
        """``the floor of 36 months for Sweden, in force from 2022-05-01 (Konsumentköplag ...)``."""
        return (
            f"the floor of {self.value} {self.unit} for {jurisdiction_name(self.jurisdiction)}, "
            f"in force {self.interval} ({self.source})"
        )

    def fix(self, key: str, span: Interval) -> str:
        """What to write so that an interval ``span`` of a market's history meets this floor."""
        if self.interval.start > span.start:
            return (
                f"end this interval on {self.interval.start - ONE_DAY} and add one from "
                f"{self.interval.start} with {key}: {self.value} or more"
            )
        return f"write {key}: {self.value} or more"


def shortfall(value: int, span: Interval, floors: Iterable[Floor]) -> Floor | None:
    """The strictest floor in force on some day of ``span`` that ``value`` falls short of."""
    short = [floor for floor in floors if floor.value > value and floor.interval.overlaps(span)]
    return max(short, key=lambda floor: (floor.value, floor.interval.start), default=None)


@dataclass(frozen=True)
class Requirement:
    """A yes/no rule of one jurisdiction, for one interval (``value`` false: not required)."""

    jurisdiction: str
    name: str
    value: bool
    interval: Interval
    source: Source


@dataclass(frozen=True)
class StatutoryRate:
    """A tax rate the law of one country sets, in percent (exact), for one interval."""

    jurisdiction: str
    name: str
    value: Decimal
    interval: Interval
    source: Source
    # True when ``interval.start`` is the first day the data records the rate in force, not
    # the day it took effect (which was not found): the scaffold leaves that day to the team.
    first_recorded: bool = False

    def describe(self) -> str:
        """``the statutory standard rate for Sweden, 25 % from 2023-07-01 (Mervärdesskattelag
        (2023:200))``: the rate, its period and the title of its source (and where the
        repository's reference file writes it, when it does)."""
        origin = f"; {self.source.origin}" if self.source.origin else ""
        return (
            f"the statutory {self.name} rate for {jurisdiction_name(self.jurisdiction)}, "
            f"{self.value} % {self.interval} ({self.source.title}{origin})"
        )


@dataclass(frozen=True)
class SubdivisionScope:
    """The ISO 3166-2 subdivision types of a country that levy their own sales tax."""

    country: str
    types: frozenset[str]
    source: Source


@dataclass(frozen=True)
class LegalForm:
    """The form of the legal guarantee in one jurisdiction, for one interval (``value`` is one
    of :data:`GUARANTEE_FORMS`)."""

    jurisdiction: str
    value: str
    interval: Interval
    source: Source

    def describe(self) -> str:
        what = {
            "fixed": "a fixed liability period counted from delivery",
            "reasonable": "no fixed period: the seller is liable for as long as the goods can "
            "reasonably be expected to last",
            "limitation": "no guarantee period: only a limitation period for claims",
            "notice": "a deadline to notify the seller, counted from discovery of the defect",
        }[self.value]
        return (
            f"the law of {jurisdiction_name(self.jurisdiction)} gives {what} "
            f"(form {self.value}), in force {self.interval} ({self.source})"
        )


@dataclass(frozen=True)
class StateSalesTax:
    """The state-level base rate of a sales tax in one subdivision (``US-CA``), as a history,
    and whether local jurisdictions add their own rates: never the rate a customer pays."""

    subdivision: str
    local_rates: bool
    rates: tuple[StatutoryRate, ...]


@dataclass(frozen=True)
class ConsumerLaw:
    """``data/consumer_law.yaml``: floors by jurisdiction, then by name, each a history; and the
    form of the legal guarantee by jurisdiction. A jurisdiction is ``EU``, an ISO 3166-1 country
    or an ISO 3166-2 subdivision (``GB-SCT``) where its law differs from the country's."""

    floors: Mapping[str, Mapping[str, tuple[Floor, ...]]]
    forms: Mapping[str, tuple[LegalForm, ...]] = field(default_factory=dict)

    def floor(self, name: str, country: str, region: str | None) -> tuple[Floor, ...]:
        """The history of a floor for a market: its country's entry, else the EU's."""
        return _for_market(
            {code: names.get(name, ()) for code, names in self.floors.items()}, country, region
        )

    def subdivision_floors(self, name: str, country: str) -> dict[str, tuple[Floor, ...]]:
        """The floors of ``name`` that subdivisions of ``country`` set apart from it."""
        return {
            code: names[name]
            for code, names in sorted(self.floors.items())
            if code.startswith(f"{country}-") and name in names
        }

    def form(self, country: str, region: str | None) -> tuple[LegalForm, ...]:
        """The history of the legal guarantee's form for a market: its country's, else the
        EU's for a market with region: eu; empty where marketctl has no data."""
        return _for_market(self.forms, country, region)

    def researched(self, country: str) -> bool:
        """Whether the data holds anything of the country's own consumer law (its floors or
        the form of its guarantee, or a subdivision's): without it, only the EU's bounds are
        known, not what the country chose within them."""
        return any(
            code == country or code.startswith(f"{country}-")
            for code in (*self.floors, *self.forms)
        )

    def provenance(self, country: str) -> str:
        """Where the data about a country's consumer law was read: the repository's file and
        line of its first fact there, else the packaged data."""
        sources = [
            fact.source for history in self.floors.get(country, {}).values() for fact in history
        ]
        sources += [form.source for form in self.forms.get(country, ())]
        origin = next((source.origin for source in sources if source.origin), "")
        return origin or PACKAGED

    def extended(self, other: ConsumerLaw) -> ConsumerLaw:
        """This law with ``other``'s histories (a repository's reference file) in place of the
        same jurisdiction's for the same name, and its new jurisdictions and names added."""
        floors = {code: dict(names) for code, names in self.floors.items()}
        for code, names in other.floors.items():
            floors.setdefault(code, {}).update(names)
        return ConsumerLaw(floors, {**self.forms, **other.forms})


@dataclass(frozen=True)
class TaxLaw:
    """``data/tax_law.yaml``."""

    tax_inclusive_prices: Mapping[str, tuple[Requirement, ...]]
    margin_scheme: Mapping[str, tuple[Requirement, ...]]
    regional_tax_subdivisions: Mapping[str, SubdivisionScope]
    # By ISO 3166-1 country code (never EU: the VAT Directive only sets a floor, art. 97), each
    # a continuous history, oldest first, whose latest interval is open-ended.
    standard_rates: Mapping[str, tuple[StatutoryRate, ...]] = field(default_factory=dict)
    # By country, then ISO 3166-2 subdivision: the state base rates of a sales-tax country.
    state_sales_tax: Mapping[str, Mapping[str, StateSalesTax]] = field(default_factory=dict)
    # By country, then kind (reduced, super_reduced, ...): each a history, gaps allowed.
    reduced_rates: Mapping[str, Mapping[str, tuple[StatutoryRate, ...]]] = field(
        default_factory=dict
    )
    # By country, then ISO 639 language: what customers read as the country's consumption tax
    # (a name, not law: ``marketctl new`` writes it into tax.yaml's names.national).
    tax_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def inclusive_prices(self, country: str, region: str | None) -> tuple[Requirement, ...]:
        """Whether a market must show tax-inclusive prices, as a history."""
        return _for_market(self.tax_inclusive_prices, country, region)

    def margin_schemes(self, country: str, region: str | None) -> tuple[Requirement, ...]:
        """Whether the law of a market has a second-hand margin scheme, as a history."""
        return _for_market(self.margin_scheme, country, region)

    def standard_rate(self, country: str) -> tuple[StatutoryRate, ...]:
        """The history of a country's statutory standard rate; empty when marketctl has none."""
        return tuple(self.standard_rates.get(country, ()))

    def extended(self, other: TaxLaw) -> TaxLaw:
        """This law with ``other``'s entries (a repository's reference file) in place of the same
        jurisdiction's in each section (and of the same kind of reduced rate, the same
        subdivision's state tax), and its new entries added."""
        reduced = {code: dict(kinds) for code, kinds in self.reduced_rates.items()}
        for code, kinds in other.reduced_rates.items():
            reduced.setdefault(code, {}).update(kinds)
        states = {code: dict(parts) for code, parts in self.state_sales_tax.items()}
        for code, parts in other.state_sales_tax.items():
            states.setdefault(code, {}).update(parts)
        return TaxLaw(
            {**self.tax_inclusive_prices, **other.tax_inclusive_prices},
            {**self.margin_scheme, **other.margin_scheme},
            {**self.regional_tax_subdivisions, **other.regional_tax_subdivisions},
            {**self.standard_rates, **other.standard_rates},
            states,
            reduced,
            {**self.tax_names, **other.tax_names},
        )


# The forms a legal guarantee takes (issue 7). ``fixed``: a liability period of months counted from
# delivery (Directive (EU) 2019/771 art. 10(1)); ``reasonable``: no fixed period, liability for as
# long as the goods can reasonably be expected to last (the Netherlands, Finland, Quebec);
# ``limitation``: no guarantee period, only a limitation period of years for claims (Ireland, the
# United Kingdom); ``notice``: a deadline in months to notify the seller, counted from discovery
# of the defect (Japan). ``none``: the law of the whole market gives none of these (Canada outside
# Quebec: only general statutory rights).
GUARANTEE_FORMS = ("fixed", "reasonable", "limitation", "notice")
# What each form's period runs from when the file does not say.
FORM_COUNTED_FROM = {"fixed": "delivery", "notice": "discovery", "limitation": "delivery"}
# A withdrawal interval's kind of right: the law's (the seller cannot exclude it), a default the
# seller may exclude by stating its own return policy (Japan), or none for distance sales.
WITHDRAWAL_RIGHTS = ("statutory", "default", "none")


def guarantee_form(entry: Mapping[str, Any]) -> str:
    """The form of one ``legal_guarantee`` interval of a market file, as written or inferred.

    ``form`` when written; otherwise the older spellings: ``duration: reasonable`` is the
    reasonable form, ``counted_from: discovery`` the notice form, anything else a fixed period.
    """
    form = entry.get("form")
    if isinstance(form, str):
        return form
    if entry.get("duration") == "reasonable":
        return "reasonable"
    if entry.get("counted_from") == "discovery":
        return "notice"
    return "fixed"


def withdrawal_right(entry: Mapping[str, Any]) -> str:
    """The right of one ``withdrawal`` interval: ``right`` as written, else ``statutory: false``
    is a default right and anything else the statutory right."""
    right = entry.get("right")
    if isinstance(right, str):
        return right
    return "default" if entry.get("statutory") is False else "statutory"


def _for_market(
    by_jurisdiction: Mapping[str, tuple[T, ...]], country: str, region: str | None
) -> tuple[T, ...]:
    """The country's history if it has one, else the EU's for a market with region: eu."""
    national = by_jurisdiction.get(country, ())
    if national:
        return national
    if region == "eu":
        return by_jurisdiction.get(EU, ())
    return ()


def jurisdiction_name(code: str) -> str:
    """``the EU``, or the country's ISO 3166 name (``Sweden``)."""
    if code == EU:
        return "the EU"
    if "-" in code:
        found = next((s for s in subdivisions_of(code[:2]) if s.code == code), None)
        return found.name if found is not None else code
    country = iso.country(code)
    return country.name if country is not None else code


@dataclass(frozen=True)
class SourceProblem:
    """What is wrong with a legal source: the key (``title``/``url``), message and hint."""

    key: str
    message: str
    hint: str
    missing: bool = False  # the key is absent: in a market file, MKT103 (missing-key) says so


def source_problems(source: Mapping[str, Any], url_key: str = "url") -> list[SourceProblem]:
    """Whether a source names its law and links to it over https at a real address.

    The JSON Schemas already require a non-empty title and an ``https://`` link; this also catches
    what a pattern cannot: a blank or placeholder title and a link to no real site.
    """
    problems: list[SourceProblem] = []
    title = source.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(
            SourceProblem(
                "title",
                "the source names no law: its title is empty",
                'write the law\'s official name, e.g. "Konsumentköplag (2022:260)"',
                missing=title is None,
            )
        )
    elif title.strip().lower() in _PLACEHOLDERS:
        problems.append(
            SourceProblem(
                "title",
                f"the source's title '{title.strip()}' is a placeholder, not a law's name",
                'write the law\'s official name, e.g. "Konsumentköplag (2022:260)"',
            )
        )
    url = source.get(url_key)
    if not isinstance(url, str) or not url.strip():
        problems.append(
            SourceProblem(
                url_key,
                "the source has no link",
                "add url: an https link to the official text or the authority's page",
                missing=url is None,
            )
        )
        return problems
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        problems.append(
            SourceProblem(
                url_key,
                f"the link '{url}' is not https",
                "link the https version of the page",
            )
        )
    elif any(map(str.isspace, url)):
        problems.append(
            SourceProblem(
                url_key,
                f"the link '{url}' contains a space",
                "encode spaces as %20, or copy the address from the browser",
            )
        )
    elif (
        "." not in host
        or host in _RESERVED_HOSTS
        or host.endswith(_RESERVED_SUFFIXES)
        or any(host.endswith("." + reserved) for reserved in _RESERVED_HOSTS)
    ):
        problems.append(
            SourceProblem(
                url_key,
                f"the link '{url}' does not point at a real site",
                "link the official text or the authority's page",
            )
        )
    return problems


def is_site_root(url: str) -> bool:
    """Whether a link is a site's home page (``https://www.riksdagen.se/``): a path that is
    empty or ``/``, and no query or fragment that would name a page of it."""
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.path in ("", "/") and not parts.query and not parts.fragment


# ---------------------------------------------------------------------------------------------
# Loading


@cache
def consumer_law() -> ConsumerLaw:
    """The packaged consumer-law floors, loaded once."""
    return parse_consumer_law(_read(CONSUMER_LAW_FILE), CONSUMER_LAW_FILE)


@cache
def tax_law() -> TaxLaw:
    """The packaged tax-law facts, loaded once."""
    return parse_tax_law(_read(TAX_LAW_FILE), TAX_LAW_FILE)


def _read(name: str) -> str:
    try:
        return (resources.files("marketctl.reference") / "data" / name).read_text(encoding="utf-8")
    except OSError as error:
        raise RuntimeError(f"marketctl/reference/data/{name} cannot be read: {error}") from error


class ReferenceDataError(Exception):
    """What is wrong in reference data, and where: ``where`` is the dotted path in the file
    (``floors.PL.second_hand_min_months[0].value``), :attr:`path` the same as a tuple."""

    def __init__(self, where: str, problem: str, key: bool = False) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem
        self.key = key  # the problem is the key that names ``where``, not its value

    @property
    def path(self) -> tuple[str | int, ...]:
        return path_of(self.where)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_of(where: str) -> tuple[str | int, ...]:
    """``floors.PL.x[0].source`` as ``("floors", "PL", "x", 0, "source")``."""
    return tuple(int(index) if index else name for name, index in _PATH_PART.findall(where))


# Where a fact of reference data is written, from its dotted path: "" for the packaged data.
Locate = Callable[[str], str]


def _packaged(where: str) -> str:
    return ""


def _load_yaml(text: str, file: str) -> Mapping[str, Any]:
    # The same loader as the markets: dates stay text (parse_date reads them), numbers exact.
    document, problems = load_document(f"marketctl/reference/data/{file}", text.encode("utf-8"))
    if document is None:
        reasons = "; ".join(f"{p.line}:{p.column}: {p.message}" for p in problems)
        raise RuntimeError(f"marketctl/reference/data/{file} is not valid YAML: {reasons}")
    data: Mapping[str, Any] = document.data
    return data


def _failure(file: str, error: ReferenceDataError) -> RuntimeError:
    return RuntimeError(
        f"marketctl/reference/data/{file} is malformed at {error}; the file ships with marketctl, "
        "so this is a bug in the package: fix the file (it is reviewed data, see its header)"
    )


_FLOOR_COUNTED_FROM = frozenset(
    {"delivery", "discovery", "notification", "breach", "end_of_guarantee", "receipt"}
)


def parse_consumer_law(text: str, file: str = CONSUMER_LAW_FILE) -> ConsumerLaw:
    """The packaged consumer law from its text (see :func:`consumer_law_of`); a problem is a
    RuntimeError naming the file: the file ships with marketctl."""
    data = _load_yaml(text, file)
    try:
        return consumer_law_of(data)
    except ReferenceDataError as error:
        raise _failure(file, error) from None


def consumer_law_of(
    data: Mapping[str, Any], locate: Locate = _packaged, complete: bool = True
) -> ConsumerLaw:
    """``floors: {JURISDICTION: {<name>_months|_days|_years: FACT or [FACT, ...]}}`` (a FACT may
    say ``counted_from``) and ``forms: {JURISDICTION: FACT or [FACT, ...]}`` whose values are
    the forms of :data:`GUARANTEE_FORMS`. ``locate`` says where each source is written (its
    ``origin``); ``complete=False`` (a repository's file, which adds to the packaged data) lets
    ``floors`` be absent. ReferenceDataError says what is wrong, and where."""
    floors: dict[str, dict[str, tuple[Floor, ...]]] = {}
    section = data.get("floors", None if complete else {})
    for jurisdiction, names in _mapping(section, "floors").items():
        where = f"floors.{jurisdiction}"
        _check_jurisdiction(jurisdiction, where, subdivisions=True)
        floors[jurisdiction] = {}
        for name, facts in _mapping(names, where).items():
            path = f"{where}.{name}"
            if not isinstance(name, str) or not name.endswith(("_months", "_days", "_years")):
                raise ReferenceDataError(
                    path, "a floor's name ends in _months, _days or _years", key=True
                )
            counted = [_counted_from(fact, path) for fact in _entries(facts)]
            floors[jurisdiction][name] = tuple(
                Floor(jurisdiction, name, value, span, source, counted[i])
                for i, (value, span, source) in enumerate(_history(facts, path, int, locate))
            )
    forms: dict[str, tuple[LegalForm, ...]] = {}
    for jurisdiction, facts in _mapping(data.get("forms", {}), "forms").items():
        where = f"forms.{jurisdiction}"
        _check_jurisdiction(jurisdiction, where, subdivisions=True)
        history = _history(facts, where, str, locate)
        for index, (value, _, _) in enumerate(history):
            if value not in GUARANTEE_FORMS:
                raise ReferenceDataError(
                    f"{where}[{index}].value",
                    f"{value!r} is not one of {', '.join(GUARANTEE_FORMS)}",
                )
        forms[jurisdiction] = tuple(
            LegalForm(jurisdiction, value, span, source) for value, span, source in history
        )
    return ConsumerLaw(floors, forms)


def _entries(facts: Any) -> list[Any]:
    return list(facts) if isinstance(facts, list) else [facts]


def _counted_from(fact: Any, where: str) -> str | None:
    counted = fact.get("counted_from") if isinstance(fact, Mapping) else None
    if counted is not None and counted not in _FLOOR_COUNTED_FROM:
        raise ReferenceDataError(
            f"{where}.counted_from",
            f"{counted!r} is not one of {', '.join(sorted(_FLOOR_COUNTED_FROM))}",
        )
    return counted


def parse_tax_law(text: str, file: str = TAX_LAW_FILE) -> TaxLaw:
    """The packaged tax law from its text (see :func:`tax_law_of`); a problem is a RuntimeError
    naming the file: the file ships with marketctl."""
    data = _load_yaml(text, file)
    try:
        return tax_law_of(data)
    except ReferenceDataError as error:
        raise _failure(file, error) from None


def tax_law_of(
    data: Mapping[str, Any], locate: Locate = _packaged, complete: bool = True
) -> TaxLaw:
    """``tax_inclusive_prices`` and ``margin_scheme`` (facts of booleans by jurisdiction),
    ``regional_tax_subdivisions`` (``{COUNTRY: {types: [...], source}}``) and ``standard_rates``
    (``{COUNTRY: [FACT, ...]}``, percentages, a continuous history whose latest is open).
    ``locate`` and ``complete`` as for :func:`consumer_law_of` (``complete=False``: any section
    may be absent)."""
    default: Mapping[str, Any] | None = None if complete else {}
    requirements: dict[str, dict[str, tuple[Requirement, ...]]] = {}
    for section in ("tax_inclusive_prices", "margin_scheme"):
        requirements[section] = {}
        for jurisdiction, facts in _mapping(data.get(section, default), section).items():
            where = f"{section}.{jurisdiction}"
            _check_jurisdiction(jurisdiction, where)
            requirements[section][jurisdiction] = tuple(
                Requirement(jurisdiction, section, value, span, source)
                for value, span, source in _history(facts, where, bool, locate)
            )
    scopes: dict[str, SubdivisionScope] = {}
    section = "regional_tax_subdivisions"
    for country, entry in _mapping(data.get(section, default), section).items():
        where = f"{section}.{country}"
        _check_jurisdiction(country, where)
        entry = _mapping(entry, where)
        types = entry.get("types")
        if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
            raise ReferenceDataError(f"{where}.types", "a non-empty list of subdivision types")
        known = {s.type for s in subdivisions_of(country)}
        unknown = sorted(set(types) - known)
        if unknown:
            raise ReferenceDataError(
                f"{where}.types",
                f"{', '.join(unknown)} is not a subdivision type of {country} in pycountry "
                f"(known: {', '.join(sorted(known))})",
            )
        scopes[country] = SubdivisionScope(
            country, frozenset(types), _source(entry.get("source"), f"{where}.source", locate)
        )
    rates: dict[str, tuple[StatutoryRate, ...]] = {}
    section = "standard_rates"
    for country, facts in _mapping(data.get(section, default), section).items():
        where = f"{section}.{country}"
        if country == EU:
            raise ReferenceDataError(where, "a standard rate is national: key it by country code")
        _check_jurisdiction(country, where)
        if not isinstance(facts, list):
            raise ReferenceDataError(where, "a list of rates, oldest first")
        rates[country] = tuple(
            StatutoryRate(country, "standard", value, span, source, _first_recorded(fact))
            for (value, span, source), fact in zip(
                _history(facts, where, Decimal, locate), facts, strict=True
            )
        )
        _check_continuous(facts, where)
    reduced: dict[str, dict[str, tuple[StatutoryRate, ...]]] = {}
    section = "reduced_rates"
    for country, kinds in _mapping(data.get(section, {}), section).items():
        where = f"{section}.{country}"
        if country == EU:
            raise ReferenceDataError(where, "a reduced rate is national: key it by country code")
        _check_jurisdiction(country, where)
        reduced[country] = {}
        for kind, facts in _mapping(kinds, where).items():
            path = f"{where}.{kind}"
            if not isinstance(kind, str) or kind == "standard" or not kind.isidentifier():
                raise ReferenceDataError(
                    path, "a kind of reduced rate (reduced, super_reduced, ...)"
                )
            if not isinstance(facts, list):
                raise ReferenceDataError(path, "a list of rates, oldest first")
            reduced[country][kind] = tuple(
                StatutoryRate(country, kind, value, span, source, _first_recorded(fact))
                for (value, span, source), fact in zip(
                    _history(facts, path, Decimal, locate), facts, strict=True
                )
            )
    states = _state_sales_tax(data.get("state_sales_tax", {}), scopes, locate)
    names = _tax_names(data.get("tax_names", {}))
    return TaxLaw(
        requirements["tax_inclusive_prices"],
        requirements["margin_scheme"],
        scopes,
        rates,
        states,
        reduced,
        names,
    )


def _tax_names(data: Any) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    for country, by_language in _mapping(data, "tax_names").items():
        where = f"tax_names.{country}"
        _check_jurisdiction(country, where)
        names[country] = {}
        for language, name in _mapping(by_language, where).items():
            if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2,3}", language):
                raise ReferenceDataError(
                    f"{where}.{language}", "an ISO 639 language code (de, fr)", key=True
                )
            if not isinstance(name, str) or not name.strip():
                raise ReferenceDataError(f"{where}.{language}", "the tax's name, as text")
            names[country][language] = name
    return names


def _first_recorded(fact: Mapping[str, Any]) -> bool:
    """``first_recorded: true``: ``from`` is the first day the data records the rate, not the
    day it took effect."""
    return fact.get("first_recorded") is True


def _state_sales_tax(
    data: Any, scopes: Mapping[str, SubdivisionScope], locate: Locate
) -> dict[str, dict[str, StateSalesTax]]:
    """``{COUNTRY: {SUBDIVISION: {local_rates, rates: [FACT, ...]}}}``; every subdivision of the
    country's taxing types (pycountry) is present, and nothing else."""
    result: dict[str, dict[str, StateSalesTax]] = {}
    for country, subdivisions in _mapping(data, "state_sales_tax").items():
        where = f"state_sales_tax.{country}"
        _check_jurisdiction(country, where)
        scope = scopes.get(country)
        if scope is None:
            raise ReferenceDataError(
                where, "regional_tax_subdivisions names no taxing types for it"
            )
        expected = {s.code for s in subdivisions_of(country) if s.type in scope.types}
        given = set(_mapping(subdivisions, where))
        if given != expected:
            missing, extra = sorted(expected - given), sorted(given - expected)
            raise ReferenceDataError(
                where,
                f"the subdivisions differ from pycountry's {', '.join(sorted(scope.types))}: "
                f"missing {', '.join(missing) or 'none'}, "
                f"not expected {', '.join(extra) or 'none'}",
            )
        result[country] = {}
        for code in sorted(given):
            path = f"{where}.{code}"
            entry = _mapping(subdivisions[code], path)
            local = entry.get("local_rates")
            if type(local) is not bool:
                raise ReferenceDataError(
                    f"{path}.local_rates", f"expected true or false, found {local!r}"
                )
            facts = entry.get("rates")
            if not isinstance(facts, list):
                raise ReferenceDataError(f"{path}.rates", "a list of rates, oldest first")
            history = _history(facts, f"{path}.rates", Decimal, locate)
            result[country][code] = StateSalesTax(
                code,
                local,
                tuple(
                    StatutoryRate(
                        code,
                        "state",
                        value,
                        span,
                        source,
                        facts[index].get("first_recorded") is True,
                    )
                    for index, (value, span, source) in enumerate(history)
                ),
            )
    return result


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ReferenceDataError(where, "expected a mapping")
    return value


def _check_jurisdiction(code: Any, where: str, subdivisions: bool = False) -> None:
    if subdivisions and isinstance(code, str) and len(code) > 3 and code[2:3] == "-":
        if not any(s.code == code for s in subdivisions_of(code[:2])):
            raise ReferenceDataError(
                where, f"{code!r} is not an ISO 3166-2 subdivision code", key=True
            )
        return
    if code != EU and (not isinstance(code, str) or len(code) != 2 or iso.country(code) is None):
        raise ReferenceDataError(
            where,
            f"{code!r} is neither EU nor an ISO 3166-1 alpha-2 country code",
            key=True,
        )


def _history(
    facts: Any, where: str, kind: type, locate: Locate
) -> list[tuple[Any, Interval, Source]]:
    """One fact, or a list of them, oldest first and not overlapping.

    ``kind`` is the type of the values: ``bool`` (requirements), ``int`` (floors, in months or
    days) or ``Decimal`` (percentages, returned as exact decimals).
    """
    entries: Sequence[Any] = facts if isinstance(facts, list) else [facts]
    if not entries:
        raise ReferenceDataError(where, "an empty list")
    result: list[tuple[Any, Interval, Source]] = []
    for index, entry in enumerate(entries):
        path = f"{where}[{index}]" if isinstance(facts, list) else where
        entry = _mapping(entry, path)
        value = entry.get("value")
        if kind is Decimal:
            value = _percent(value, f"{path}.value")
        # bool is an int in Python: a floor must not be true, a requirement must be a bool.
        elif type(value) is not kind:
            raise ReferenceDataError(f"{path}.value", f"expected {kind.__name__}, found {value!r}")
        if isinstance(value, int) and value < 0:
            raise ReferenceDataError(f"{path}.value", "a floor is not negative")
        try:
            span = Interval.of(entry)
        except (KeyError, ValueError) as error:
            raise ReferenceDataError(
                path, f"from (and until, if any) must be dates: {error}"
            ) from None
        result.append((value, span, _source(entry.get("source"), f"{path}.source", locate)))
    for problem in check_history(entries, ""):
        # A floor may end without a successor (gaps and a closed last interval are fine), but
        # its history is ordered and never has two values on one day; an open interval that is
        # not the latest (a CURRENT problem at its ``from``) overlaps the ones after it.
        if problem.problem in (Problem.ORDER, Problem.OVERLAP) or (
            problem.problem is Problem.CURRENT and problem.key == "from"
        ):
            raise ReferenceDataError(where, problem.message)
    return result


def _percent(value: Any, where: str) -> Decimal:
    """A percentage as the loader reads YAML numbers: ``25`` is an int, ``25.5`` a Decimal.

    bool is an int in Python, and ``.inf``/``.nan`` load as floats: none of them is a rate.
    """
    if type(value) is int:
        value = Decimal(value)
    if type(value) is not Decimal or not value.is_finite():
        raise ReferenceDataError(where, f"expected a percentage (a YAML number), found {value!r}")
    if not 0 <= value <= 100:
        raise ReferenceDataError(where, f"a percentage is from 0 to 100, found {value}")
    return value


def _check_continuous(entries: Sequence[Any], where: str) -> None:
    """A rate is in force on every day from the first ``from``: no gaps, and the latest interval
    is open-ended (the rate in force now). Order and overlaps are checked by ``_history``."""
    for problem in check_history(entries, ""):
        if problem.problem in (Problem.GAP, Problem.CURRENT):
            raise ReferenceDataError(where, problem.message)


def _source(value: Any, where: str, locate: Locate) -> Source:
    source = _mapping(value, where)
    # A source not yet found may have no link, when it says so (verified: false, missing).
    unverified = source.get("verified") is False and "url" not in source
    problems = [p for p in source_problems(source) if not (unverified and p.key == "url")]
    if problems:
        raise ReferenceDataError(f"{where}.{problems[0].key}", problems[0].message)
    ref = source.get("ref", "")
    status = verification(source)
    if status.problem:
        raise ReferenceDataError(f"{where}.{status.key}", status.problem)
    return Source(
        str(source["title"]).strip(),
        str(source.get("url") or ""),
        str(ref or ""),
        status.verified,
        status.missing,
        str(source.get("quote") or "").strip(),
        locate(where),
    )


@dataclass(frozen=True)
class Verification:
    """A source's ``verified``/``missing`` as read, and what is wrong with them (``problem``
    names the ``key`` it is about), for the loader and the rules alike."""

    verified: date | Literal[False] | None
    missing: str = ""
    problem: str = ""
    key: str = "verified"

    @property
    def acknowledged(self) -> bool:
        """Unverified, and it says what a reviewer must still check."""
        return self.verified is False and bool(self.missing)


def verification(source: Mapping[str, Any]) -> Verification:
    """Read ``verified`` (``YYYY-MM-DD`` or ``false``) and ``missing`` from a source mapping."""
    raw = source.get("verified")
    missing = source.get("missing")
    text = missing.strip() if isinstance(missing, str) else ""
    if raw is None:
        if text:
            return Verification(None, text, "missing is given without verified: false", "missing")
        return Verification(None)
    if raw is False:
        if not text:
            return Verification(
                False, "", "verified: false without missing: say what is still to check", "missing"
            )
        return Verification(False, text)
    try:
        day = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return Verification(None, text, f"verified is a date (YYYY-MM-DD) or false, not {raw!r}")
    if text:
        return Verification(day, text, "missing is given with a verification date", "missing")
    return Verification(day)
