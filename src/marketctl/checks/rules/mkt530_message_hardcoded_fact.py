"""A message writes a tax name, a tax rate or a legal period that the market data holds.

Tax names and rates come from ``tax.yaml`` (``names``, ``rates``) and legal periods from
``warranty.yaml``; the runtime gives them to messages as arguments
(``Market.tax_message_arguments``: ``tax`` and ``tax_rate``; ``Market.legal_message_arguments``:
``days``, ``months``, ``years``). A catalogue that several markets read cannot write them as text:
``en`` serves the United States (sales tax), the United Kingdom and Ireland (VAT) and Canada (GST,
HST, GST + QST); ``fr`` serves France, Belgium and Canada; ``de`` Germany (19 %) and Austria
(20 %). So this rule reports, in the text a shopper reads (not inside ``{...}`` arguments):

- in a catalogue read by markets whose facts differ: a tax name, a percentage that is a tax rate
  or a period such as "14 days" that is a legal period of some of them and not of the others
  (names compared in the catalogue's language; periods found by CLDR's unit words for it);
- in the ``checkout.*`` texts a live market shows, in any catalogue along a locale's fallback
  chain: the tax name of another market that is not the market's own (the US checkout falling
  back to "VAT").

Issue 20: the US checkout read "VAT (6 %)" and Quebec's "GST/HST (15 %)".

Failing example::

    # markets/_defaults/messages/en.yaml (read by us, gb, ie and ca)
    checkout.tax_line:
      message: "VAT ({rate, number, percent})"

Passing example::

    checkout.tax_line:
      message: "{tax} ({tax_rate})"   # Sales tax (8.25%), VAT (20%), GST + QST (14.975%)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any, Final

from babel import Locale, UnknownLocaleError

from marketctl.checks.messageformat import CatalogueText
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.documents import Document
from marketctl.reference.locales import SOURCE_LOCALE, fallback_chain
from marketctl.repository.markets import Market, Repository
from marketctl.runtime import icusyntax

CODE = "MKT530"
NAME = "message-hardcoded-fact"
SEVERITY = Severity.ERROR

_CHECKOUT: Final = "checkout."
_PERCENT: Final = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)[ \u00a0\u202f]?%")
_NUMBER_THEN_WORD: Final = re.compile(r"\d[ \u00a0\u202f]?[^\W\d_]")
_UNITS: Final = {"days": "day", "months": "month", "years": "year"}
_PERIOD_KEYS: Final = {**_UNITS, "second_hand_min_months": "month"}


@dataclass(frozen=True)
class _Facts:
    """What one market's data holds, in one language."""

    names: frozenset[str]
    rates: frozenset[Decimal]
    periods: frozenset[tuple[str, int]]


def check_market(market: Market) -> Iterator[Finding]:
    repository = market.repository
    markets = _markets(repository)
    readers = _readers(repository, markets)
    reported: set[tuple[str, tuple[str | int, ...], int]] = set()
    for tag, document, is_source in _catalogues_read(market):
        codes = tuple(sorted(readers.get(document.path, ())))
        if len(codes) < 2:
            continue
        for text, offset, message in _shared_findings(
            repository, markets, tag, document, codes, is_source
        ):
            reported.add((document.path, text.path, offset))
            yield rule(CODE).finding(text.location_at(offset), *message)
    if market.is_live:
        yield from _checkout(repository, market, markets, reported)


def _shared_findings(
    repository: Repository,
    markets: Mapping[str, Market],
    tag: str,
    document: Document,
    codes: tuple[str, ...],
    is_source: bool,
) -> list[tuple[CatalogueText, int, tuple[str, str]]]:
    """What a catalogue that several markets read writes of their facts: worked out once per
    catalogue, however many of its readers are checked."""
    done: dict[str, list[tuple[CatalogueText, int, tuple[str, str]]]] = (
        repository.derived.setdefault("mkt530_shared", {})
    )
    found = done.get(document.path)
    if found is None:
        language = _language(tag)
        facts = {code: _facts(markets[code], language) for code in codes}
        found = done[document.path] = [
            (text, offset, message)
            for text in _texts(tag, document, is_source)
            for offset, message in _shared_problems(text, language, facts)
        ]
    return found


# --- who reads what -------------------------------------------------------------------------


def _markets(repository: Repository) -> dict[str, Market]:
    key = f"mkt530_markets:{repository.environment}"  # markets resolve per environment
    found: dict[str, Market] | None = repository.derived.get(key)
    if found is None:
        found = repository.derived[key] = {
            code: repository.market(code) for code in sorted(repository.markets)
        }
    return found


def _readers(repository: Repository, markets: Mapping[str, Market]) -> dict[str, set[str]]:
    """Each catalogue file's path and the markets that read it along a locale's chain (made
    once per repository: every market's check asks)."""
    found: dict[str, set[str]] | None = repository.derived.get("mkt530_readers")
    if found is not None:
        return found
    readers: dict[str, set[str]] = {}
    source = repository.source_catalogue
    for code, market in markets.items():
        for tag in market.locales:
            for _, document in market.catalogues(tag):
                readers.setdefault(document.path, set()).add(code)
            if source is not None and SOURCE_LOCALE in fallback_chain(tag):
                readers.setdefault(source.path, set()).add(code)
    repository.derived["mkt530_readers"] = readers
    return readers


def _catalogues_read(market: Market) -> Iterator[tuple[str, Document, bool]]:
    """Each catalogue the market's locales read, once: its tag, itself, whether it is the
    source catalogue."""
    seen: set[str] = set()
    source = market.repository.source_catalogue
    for tag in market.locales:
        documents = [(chain_tag, document, False) for chain_tag, document in market.catalogues(tag)]
        if source is not None and SOURCE_LOCALE in fallback_chain(tag):
            documents.append((SOURCE_LOCALE, source, True))
        for chain_tag, document, is_source in documents:
            if document.path not in seen and isinstance(document.data, dict):
                seen.add(document.path)
                yield chain_tag, document, is_source


def _texts(tag: str, document: Document, is_source: bool) -> Iterator[CatalogueText]:
    for key, value in document.data.items():
        text = value.get("message") if is_source and isinstance(value, dict) else value
        if isinstance(text, str):
            path = (key, "message") if is_source else (key,)
            yield CatalogueText(key, tag, text, document, path)


def _language(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def _facts(market: Market, language: str) -> _Facts:
    cache: dict[str, _Facts] = market.__dict__.setdefault("_mkt530_facts", {})
    found = cache.get(language)
    if found is None:
        tax = market.tax
        # Rates and periods are the same in every language: read once per market.
        any_language = next(iter(cache.values()), None)
        rates = any_language.rates if any_language else frozenset(_rates(tax))
        periods = any_language.periods if any_language else frozenset(_periods(market.warranty))
        found = cache[language] = _Facts(frozenset(_names(tax, language)), rates, periods)
    return found


def _names(tax: Mapping[str, Any], language: str) -> Iterator[str]:
    names = tax.get("names")
    if isinstance(names, dict):
        for by_language in names.values():
            name = by_language.get(language) if isinstance(by_language, dict) else None
            if isinstance(name, str) and name.strip():
                yield name.strip()


def _percent(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    try:
        percent = Decimal(str(value))
    except InvalidOperation:
        return None
    return percent.normalize() if percent.is_finite() else None


def _rates(tax: Mapping[str, Any]) -> Iterator[Decimal]:
    histories: list[Any] = []
    rates = tax.get("rates")
    if isinstance(rates, dict):
        histories.extend(rates.values())
    national = rates.get("standard") if isinstance(rates, dict) else None
    latest = (
        _percent(national[-1].get("percent"))
        if isinstance(national, list) and _entries(national)
        else None
    )
    regions = tax.get("regions")
    for region in regions.values() if isinstance(regions, dict) else ():
        taxes = region.get("taxes") if isinstance(region, dict) else None
        if not isinstance(taxes, dict):
            continue
        histories.extend(taxes.values())
        # What a shopper of the region pays now: the regional components on top of the
        # national standard rate (GST + QST is 14.975 %) or instead of it (HST).
        total = Decimal(0) if region.get("national") == "replaced" or latest is None else latest
        for history in taxes.values():
            current = _entries(history) and history[-1].get("until") is None
            component = _percent(history[-1].get("percent")) if current else None
            total += component or 0
        yield total.normalize()
    for history in histories:
        if isinstance(history, list):
            for entry in history:
                percent = _percent(entry.get("percent")) if isinstance(entry, dict) else None
                if percent is not None:
                    yield percent


def _entries(history: object) -> bool:
    return isinstance(history, list) and bool(history) and isinstance(history[-1], dict)


def _periods(node: object) -> Iterator[tuple[str, int]]:
    """Every legal period of the warranty data, wherever it is written (regions, limitation,
    burden of proof, withdrawal, short-term reject)."""
    if isinstance(node, dict):
        for key, value in node.items():
            unit = _PERIOD_KEYS.get(key)
            if unit is not None and type(value) is int and value > 0:
                yield unit, value
            else:
                yield from _periods(value)
    elif isinstance(node, list):
        for item in node:
            yield from _periods(item)


# --- what a text writes ---------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _shown(text: str) -> str:
    """The text with everything a shopper does not read as written blanked out (arguments,
    choice headers and selectors), offsets unchanged; an unparsable text is MKT503's."""
    try:
        nodes = icusyntax.parse(text)
    except icusyntax.ICUSyntaxError:
        return ""
    shown = list(text)

    def blank(start: int, end: int) -> None:
        shown[start:end] = " " * (end - start)

    def walk(nodes: Iterable[icusyntax.Node]) -> None:
        for node in nodes:
            if isinstance(node, icusyntax.Argument):
                blank(node.start, node.end)
            elif isinstance(node, icusyntax.Choice):
                first = node.options[0].start if node.options else node.end
                blank(node.start, first)
                for option in node.options:
                    blank(option.start, option.start + len(option.selector))
                    walk(option.contents)
            elif isinstance(node, icusyntax.Tag):
                walk(node.contents)

    walk(nodes)
    return "".join(shown)


def _name_hits(shown: str, names: Iterable[str]) -> Iterator[tuple[int, str]]:
    pattern = _names_pattern(frozenset(names))
    if pattern is None:
        return
    by_lower = {name.lower(): name for name in names}
    for match in pattern.finditer(shown):
        yield match.start(), by_lower[match.group(0).lower()]


@lru_cache(maxsize=1024)
def _names_pattern(names: frozenset[str]) -> re.Pattern[str] | None:
    if not names:
        return None
    choices = "|".join(re.escape(name) for name in sorted(names, key=lambda n: (-len(n), n)))
    return re.compile(rf"(?<!\w)(?:{choices})(?!\w)", re.IGNORECASE)


def _percent_hits(shown: str) -> Iterator[tuple[int, str, Decimal]]:
    for match in _PERCENT.finditer(shown):
        value = _percent(match.group(1).replace(",", "."))
        if value is not None:
            yield match.start(), match.group(0), value


@cache
def _period_pattern(language: str) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """A number followed by one of CLDR's words for day, month or year in ``language`` (long
    and short forms, as stems: "Tag" also finds "Tagen")."""
    try:
        patterns = Locale.parse(language)._data["unit_patterns"]
    except (UnknownLocaleError, ValueError, KeyError):
        return None
    words: dict[str, str] = {}
    for unit in ("day", "month", "year"):
        data = patterns.get(f"duration-{unit}")
        for length in ("long", "short"):
            forms = data.get(length) if data is not None else None
            for category, form in (forms or {}).items():
                if category == "per":
                    continue
                word = form.replace("{0}", "").strip(" \u00a0\u202f.")
                if word and not any(char.isdigit() for char in word):
                    words.setdefault(word.lower(), unit)
    if not words:
        return None
    choices = "|".join(re.escape(word) for word in sorted(words, key=lambda w: (-len(w), w)))
    pattern = re.compile(rf"(?<![\w.,])(\d+)[ \u00a0\u202f]?(?P<word>{choices})\w*", re.IGNORECASE)
    return pattern, words


def _period_hits(shown: str, language: str) -> Iterator[tuple[int, str, tuple[str, int]]]:
    found = _period_pattern(language)
    if found is None:
        return
    pattern, units = found
    for match in pattern.finditer(shown):
        unit = units[match.group("word").lower()]
        yield match.start(), match.group(0), (unit, int(match.group(1)))


def _differ(values: Mapping[str, frozenset[Any]]) -> bool:
    return len(set(values.values())) > 1


def _holders(values: Mapping[str, frozenset[Any]], value: object) -> str:
    return ", ".join(code for code, held in values.items() if value in held)


def _some(values: Mapping[str, frozenset[Any]]) -> frozenset[Any]:
    """The values some of the markets hold and others do not (a value every one of them holds
    is true wherever the text is read)."""
    return frozenset().union(*values.values()) - frozenset.intersection(*values.values())


def _shared_problems(
    text: CatalogueText, language: str, facts: Mapping[str, _Facts]
) -> Iterator[tuple[int, tuple[str, str]]]:
    shown = _shown(text.text)
    if not shown.strip():
        return
    readers = ", ".join(facts)
    where = f"'{text.key}' in {text.tag}, which {readers} read,"
    names = {code: fact.names for code, fact in facts.items()}
    if _differ(names):
        for offset, name in _name_hits(shown, _some(names)):
            yield (
                offset,
                (
                    f"{where} writes the tax name '{name}' ({_holders(names, name)}); their taxes "
                    f"have different names: {_listing(names)}",
                    "write {tax} and pass Market.tax_message_arguments(...): each market's "
                    "tax.yaml names its tax",
                ),
            )
    if not any(map(str.isdigit, shown)):  # at C speed: no generator step per character
        return
    rates = {code: fact.rates for code, fact in facts.items()}
    if _differ(rates):
        some_rates = _some(rates)
        for offset, written, value in _percent_hits(shown):
            if value in some_rates:
                yield (
                    offset,
                    (
                        f"{where} writes the rate '{written}', a tax rate of "
                        f"{_holders(rates, value)} only",
                        "write {tax_rate} and pass Market.tax_message_arguments(...): the rate "
                        "comes from the market's tax.yaml",
                    ),
                )
    periods = {code: fact.periods for code, fact in facts.items()}
    if _differ(periods) and _NUMBER_THEN_WORD.search(shown):
        some_periods = _some(periods)
        for offset, written, period in _period_hits(shown, language):
            if period in some_periods:
                yield (
                    offset,
                    (
                        f"{where} writes the period '{written}', a legal period of "
                        f"{_holders(periods, period)} only",
                        "write the period as an argument ({days}, {months}, {years}) and pass "
                        "Market.legal_message_arguments(...): it comes from the market's "
                        "warranty.yaml",
                    ),
                )


def _listing(names: Mapping[str, frozenset[str]]) -> str:
    return "; ".join(
        f"{code}: {', '.join(sorted(held)) or 'none recorded'}" for code, held in names.items()
    )


# --- a live market's checkout ---------------------------------------------------------------


def _checkout(
    repository: Repository,
    market: Market,
    markets: Mapping[str, Market],
    reported: set[tuple[str, tuple[str | int, ...], int]],
) -> Iterator[Finding]:
    code = market.code
    keys = [key for key in repository.source_keys if key.startswith(_CHECKOUT)]
    for tag in market.locales:
        language = _language(tag)
        own = _facts(market, language).names
        mine = {name.lower() for name in own}
        others = {
            name: holders - {code}
            for name, holders in _names_in(repository, markets, language).items()
            if name.lower() not in mine and holders - {code}
        }
        if not others:
            continue
        for key in keys:
            hit = market.message(tag, key)
            if hit is None:
                continue
            text = _text(hit.document, key, hit.tag, hit.text)
            for offset, name in _name_hits(_shown(hit.text), others):
                place = (hit.document.path, text.path, offset)
                if place in reported:
                    continue
                reported.add(place)
                yield rule(CODE).finding(
                    text.location_at(offset),
                    f"live market {code} shows '{key}' in {tag} with the tax name '{name}', "
                    f"the tax of {', '.join(sorted(others[name]))}; {code}'s own is "
                    f"{' / '.join(sorted(own)) or 'not named in its tax.yaml'}",
                    "write {tax} and pass Market.tax_message_arguments(...), or give the "
                    f"market its own {tag} text",
                    market=code,
                )


def _names_in(
    repository: Repository, markets: Mapping[str, Market], language: str
) -> dict[str, set[str]]:
    """Every tax name in ``language`` and the markets that use it (once per repository)."""
    key = f"mkt530_names:{repository.environment}:{language}"
    found: dict[str, set[str]] | None = repository.derived.get(key)
    if found is None:
        found = repository.derived[key] = {}
        for code, market in markets.items():
            for name in _facts(market, language).names:
                found.setdefault(name, set()).add(code)
    return found


def _text(document: Document, key: str, tag: str, text: str) -> CatalogueText:
    path: tuple[str, ...] = (key, "message") if isinstance(document.data.get(key), dict) else (key,)
    return CatalogueText(key, tag, text, document, path)
