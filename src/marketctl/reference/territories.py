"""What ISO and CLDR say about a territory: its name, currencies, languages, time zones and
subdivisions.

The market identity rules (MKT2xx) ask these questions; the answers come from authoritative data,
never from lists typed here: pycountry for ISO 3166-1, ISO 3166-2 and ISO 4217; Babel's copy of
CLDR's supplemental data for territory currencies (``currencyData``), territory languages
(``territoryInfo``), locales and time zones (``metaZones``/``timezone.xml``); the IANA tz database
(the pinned tzdata package, its ``zone.tab`` for zones newer than Babel's CLDR).

Every look-up is cached: validate runs for every market in one process and must stay fast. No
CLDR locale data file is opened (``Locale.parse`` only checks that a locale exists); pycountry's
large ISO 3166-2 table is only read when a market names a subdivision.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from babel import Locale, UnknownLocaleError, localedata
from babel.core import get_global

from marketctl.reference import iso, tz

__all__ = [
    "CurrencyUse",
    "LanguageUse",
    "LocaleTag",
    "Subdivision",
    "canonical_zone",
    "closest",
    "country_name",
    "country_named",
    "currency_codes",
    "currency_name",
    "iana_zones",
    "is_iana_zone",
    "iso_country",
    "language_use",
    "locale_exists",
    "locale_tags",
    "parse_locale",
    "subdivision",
    "subdivisions_of",
    "tenders_on",
    "territory_currencies",
    "territory_languages",
    "territory_zones",
    "zone_territory",
]

# CLDR's codes for "no territory": ZZ (unknown, e.g. Etc/UTC's) and 001 (the world).
_NO_TERRITORY = frozenset({"ZZ", "001"})


def closest(word: str, candidates: list[str] | tuple[str, ...], n: int = 1) -> list[str]:
    """The candidates that look most like ``word`` (difflib), best first."""
    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.6)


# ISO 3166-1 -------------------------------------------------------------------------------------


@cache
def country_name(code: str) -> str | None:
    """The English name of an ISO 3166-1 alpha-2 code (``SE`` → Sweden); None when not a code."""
    found = iso.country(code)
    return found.short_name if found is not None else None


def iso_country(value: object) -> str | None:
    """A market's ``country`` value when it is an ISO 3166-1 alpha-2 code, else None: the
    territory checks (currency, locales, zones, subdivisions) need a real territory."""
    if isinstance(value, str) and country_name(value) is not None:
        return value.upper()
    return None


def country_named(name: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country name (exact, then pycountry's fuzzy search)."""
    exact = iso.lookup_country(name)
    if exact is not None:
        return exact.alpha_2
    matches = iso.search_countries(name)
    return matches[0].alpha_2 if matches else None


# ISO 4217 and CLDR currencyData -----------------------------------------------------------------


@cache
def currency_name(code: str) -> str | None:
    """The ISO 4217 name of a current currency code; None when ISO 4217 does not list it."""
    return iso.currency_name(code)


@cache
def currency_codes() -> tuple[str, ...]:
    return iso.currency_codes()


@dataclass(frozen=True)
class CurrencyUse:
    """One row of CLDR's ``<region>`` in ``currencyData``: a currency's use in a territory.

    ``start`` and ``end`` are CLDR's ``from`` and ``to`` (inclusive; None when open);
    ``tender`` is False for CLDR's ``tender="false"`` rows (USN in the US: a code, not money
    that people pay with).
    """

    code: str
    start: date | None
    end: date | None
    tender: bool

    def in_use_on(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@cache
def territory_currencies(territory: str) -> tuple[CurrencyUse, ...]:
    """Every currency CLDR records for a territory, oldest first."""
    rows = get_global("territory_currencies").get(territory.upper(), ())
    return tuple(
        CurrencyUse(
            code=code,
            start=date(*start) if start else None,
            end=date(*end) if end else None,
            tender=bool(tender),
        )
        for code, start, end, tender in rows
    )


def tenders_on(territory: str, day: date) -> list[str]:
    """The legal tenders of a territory on a day, as ``babel.numbers.get_territory_currencies(
    territory, day, tender=True, non_tender=False)`` returns them."""
    return [u.code for u in territory_currencies(territory) if u.tender and u.in_use_on(day)]


# CLDR territoryInfo ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageUse:
    """A language in a territory, from CLDR's ``territoryInfo/languagePopulation``."""

    language: str
    population_percent: float
    official_status: str | None  # official | de_facto_official | official_regional | None

    @property
    def official(self) -> bool:
        """Official or de facto official in the whole territory (``get_official_languages(
        territory, de_facto=True)``); a regional status does not count."""
        return self.official_status in ("official", "de_facto_official")


@cache
def territory_languages(territory: str) -> dict[str, LanguageUse]:
    """The languages CLDR lists for a territory, keyed by CLDR language id (``fr``,
    ``iu_Latn``, ``zh_Hant``)."""
    table = get_global("territory_languages").get(territory.upper(), {})
    return {
        language: LanguageUse(
            language, float(info.get("population_percent") or 0), info.get("official_status")
        )
        for language, info in table.items()
    }


# CLDR locales ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocaleTag:
    """A BCP 47 tag as CLDR resolves it: ``zh-TW`` is ``zh_Hant_TW``."""

    tag: str
    identifier: str
    language: str
    script: str | None
    territory: str | None

    @property
    def language_keys(self) -> tuple[str, ...]:
        """The keys CLDR's territory data may use for this language, most specific first."""
        if self.script:
            return (f"{self.language}_{self.script}", self.language)
        return (self.language,)


@cache
def parse_locale(tag: str) -> LocaleTag | None:
    """The locale CLDR has for a BCP 47 tag, or None when CLDR has none.

    ``Locale.parse`` fills in the script from CLDR's likely subtags (``zh-CN`` → ``zh_Hans_CN``)
    and raises when CLDR has no data for the result; no locale data file is opened.
    """
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    identifier = str(locale)
    if not localedata.exists(identifier):
        return None
    return LocaleTag(tag, identifier, locale.language, locale.script, locale.territory)


def locale_exists(identifier: str) -> bool:
    """Whether CLDR has a locale with this identifier (``fr_CA``), with its data file."""
    return bool(localedata.exists(identifier))


@cache
def locale_tags() -> tuple[str, ...]:
    """Every CLDR locale as a BCP 47 tag (``fr-CA``), for suggestions."""
    return tuple(sorted(i.replace("_", "-") for i in localedata.locale_identifiers()))


def language_use(locale: LocaleTag, country: str) -> LanguageUse | None:
    """What CLDR says about a locale's language in a territory (script-specific key first:
    ``zh_Hant`` for ``zh-TW``), None when CLDR does not list it there."""
    languages = territory_languages(country)
    for key in locale.language_keys:
        if key in languages:
            return languages[key]
    return None


# Time zones: CLDR timezone data, the IANA tz database -----------------------------------------


def is_iana_zone(name: str) -> bool:
    """Whether the pinned IANA tz data has a zone by this name."""
    return name in tz.zone_names()


@cache
def iana_zones() -> tuple[str, ...]:
    """Every IANA zone name, for suggestions."""
    return tuple(sorted(tz.zone_names()))


@cache
def _zone_tab() -> dict[str, str]:
    """IANA's ``zone.tab`` (zone → ISO 3166-1 code), for zones newer than Babel's CLDR."""
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):  # pragma: no cover - tzdata is a dep
        return {}
    table: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            table[fields[2]] = fields[0]
    return table


def canonical_zone(name: str) -> str:
    """CLDR's canonical id of a zone: ``Asia/Calcutta`` → ``Asia/Kolkata`` (CLDR aliases)."""
    aliases: Mapping[str, str] = get_global("zone_aliases")
    return aliases.get(name, name)


@cache
def zone_territory(name: str) -> str | None:
    """The territory a zone belongs to: CLDR's (after resolving its aliases), else IANA's
    ``zone.tab``; None for zones of no country (``UTC``, ``Etc/GMT+5``)."""
    territories: Mapping[str, str] = get_global("zone_territories")
    territory = territories.get(canonical_zone(name))
    if territory is None:
        territory = _zone_tab().get(name)
    if territory is None or territory in _NO_TERRITORY:
        return None
    return territory


@cache
def territory_zones(territory: str) -> tuple[str, ...]:
    """A territory's zones per CLDR, plus any IANA ``zone.tab`` has that CLDR does not yet."""
    cldr: list[str] = list(get_global("territory_zones").get(territory.upper(), ()))
    known = set(cldr)
    newer = sorted(
        z
        for z, t in _zone_tab().items()
        if t == territory and z not in known and canonical_zone(z) not in known
    )
    return (*cldr, *newer)


# ISO 3166-2 ------------------------------------------------------------------------------------


Subdivision = iso.Subdivision
subdivision = iso.subdivision
subdivisions_of = iso.subdivisions_of
