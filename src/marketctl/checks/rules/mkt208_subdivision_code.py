"""A subdivision code that is not an ISO 3166-2 code of the market's country.

Provinces, states and regions are named by their ISO 3166-2 codes wherever a market file needs
them: the keys of ``regions`` in ``tax.yaml``, ``consumer_law[].region`` in ``warranty.yaml``,
and any other ``region:`` value or ``regions:`` key in the tax, warranty and rollout files.
Services look a customer's region up by that code (``tax_rate(..., region="CA-QC")``), so a code
that is not in ISO 3166-2, or that belongs to another country, matches no customer. Codes are
checked against pycountry's ISO 3166-2 table. (Whether the tax file covers every subdivision is
the tax family's question.)

The hint suggests subdivisions of the market's country: one with the same name as the other
country's subdivision, one whose name the code's letters spell (``NF``: Newfoundland and
Labrador), or the codes that look alike, each with its name.

Failing example::

    # markets/ca/tax.yaml
    regions:
      CA-PQ: {...}              # not ISO 3166-2: Quebec is CA-QC
      US-CA: {...}              # California, a subdivision of the US

Passing example::

    regions:
      CA-QC: {...}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Location, Severity
from marketctl.core.documents import Path
from marketctl.reference.territories import (
    Subdivision,
    closest,
    country_name,
    iso_country,
    subdivision,
    subdivisions_of,
)
from marketctl.repository.markets import Market

CODE = "MKT208"
NAME = "subdivision-code"
SEVERITY = Severity.ERROR

# market.yaml's `region` names a layer (eu), not a subdivision.
_KINDS = ("tax", "warranty", "rollout")


def check_market(market: Market) -> Iterator[Finding]:
    country = iso_country(market.market.get("country"))
    for kind in _KINDS:
        for path, code, is_key in _codes(market.resolved[kind].data, ()):
            location = market.key_location(kind, path) if is_key else market.location(kind, path)
            finding = _check(code, country, location)
            if finding is not None:
                yield finding


def _codes(node: Any, path: Path) -> Iterator[tuple[Path, str, bool]]:
    """(path, code, whether the code is a key) of every subdivision code in a file's data."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = (*path, key)
            if key == "regions" and isinstance(value, dict):
                for code in value:
                    yield (*child, code), code, True
            elif key == "region" and isinstance(value, str):
                yield child, value, False
            yield from _codes(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _codes(value, (*path, index))


def _check(code: str, country: str | None, location: Location) -> Finding | None:
    found = subdivision(code)
    if found is not None and (country is None or found.country == country):
        return None
    if found is None:
        message = f"'{code}' is not an ISO 3166-2 subdivision code"
    else:
        name = country_name(found.country)
        message = (
            f"{code} is {found.name}, a subdivision of {found.country}"
            f"{f' ({name})' if name else ''}, not of {country}"
        )
    return rule(CODE).finding(location, message, _hint(code, found, country))


def _hint(code: str, found: Subdivision | None, country: str | None) -> str:
    if country is None:
        return "write an ISO 3166-2 code such as CA-QC"
    own = subdivisions_of(country)
    if not own:
        return f"ISO 3166-2 lists no subdivisions of {country}: remove the region"
    guesses = _by_name(code, found, own) or _by_code(code, country, own)
    if guesses:
        return "did you mean " + " or ".join(f"'{s.code}' ({s.name})" for s in guesses) + "?"
    shown = ", ".join(s.code for s in own[:15]) + (
        f" and {len(own) - 15} more" if len(own) > 15 else ""
    )
    return f"{country}'s ISO 3166-2 codes are {shown}"


def _by_name(
    code: str, found: Subdivision | None, own: tuple[Subdivision, ...]
) -> list[Subdivision]:
    """Subdivisions named like the other country's one, or whose name the code's letters spell
    in order from its first letter (NF → Newfoundland, PEI → Prince Edward Island)."""
    if found is not None:
        same = [s for s in own if s.name.casefold() == found.name.casefold()]
        if same:
            return same
    letters = code.split("-", 1)[-1].casefold()
    if not letters.isalpha():
        return []
    return [s for s in own if _spells(letters, s.name.casefold())][:3]


def _spells(letters: str, name: str) -> bool:
    if not name.startswith(letters[0]):
        return False
    rest = iter(name[1:])
    return all(letter in rest for letter in letters[1:])


def _by_code(code: str, country: str, own: tuple[Subdivision, ...]) -> list[Subdivision]:
    """Look-alike codes, for a typo in this country's code (not for another country's)."""
    if not code.startswith(f"{country}-"):
        return []
    by_code = {s.code: s for s in own}
    return [by_code[c] for c in closest(code, list(by_code), n=2)]
