"""ISO 3166-1, ISO 3166-2 and ISO 4217, read from pycountry's data files.

The data is pycountry's (its ``databases/*.json``, from Debian's iso-codes); the files are read
directly because importing pycountry looks its own version up among every installed
distribution, which cost more than all of validation's identity checks together. pycountry's
module is still used where its fuzzy country search is worth it: in hints, after a mistake.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Country:
    alpha_2: str
    alpha_3: str
    name: str
    common_name: str | None = None
    official_name: str | None = None

    @property
    def short_name(self) -> str:
        """The name people use: Taiwan rather than "Taiwan, Province of China"."""
        return self.common_name or self.name


@dataclass(frozen=True)
class Subdivision:
    code: str
    country: str
    name: str
    type: str


def _database(name: str) -> Any:
    spec = importlib.util.find_spec("pycountry")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        raise RuntimeError("pycountry is not installed: reinstall marketctl")
    path = Path(next(iter(spec.submodule_search_locations))) / "databases" / name
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _countries() -> dict[str, Country]:
    return {
        entry["alpha_2"]: Country(
            entry["alpha_2"],
            entry["alpha_3"],
            entry["name"],
            entry.get("common_name"),
            entry.get("official_name"),
        )
        for entry in _database("iso3166-1.json")["3166-1"]
    }


def countries() -> tuple[Country, ...]:
    """Every ISO 3166-1 country, by alpha-2 code."""
    return tuple(country for _, country in sorted(_countries().items()))


def country(alpha_2: str) -> Country | None:
    """The ISO 3166-1 country with this alpha-2 code (any case); None if there is none."""
    return _countries().get(alpha_2.upper())


@cache
def _currencies() -> dict[str, str]:
    return {entry["alpha_3"]: entry["name"] for entry in _database("iso4217.json")["4217"]}


def currency_name(alpha_3: str) -> str | None:
    """The ISO 4217 name of a current currency code (any case); None if ISO 4217 has none."""
    return _currencies().get(alpha_3.upper())


def currency_codes() -> tuple[str, ...]:
    return tuple(sorted(_currencies()))


@cache
def _subdivision_entries() -> dict[str, list[dict[str, str]]]:
    """ISO 3166-2's entries, by country: objects are made for the countries asked about (a
    run asks about a few of 200)."""
    grouped: dict[str, list[dict[str, str]]] = {}
    for entry in _database("iso3166-2.json")["3166-2"]:
        grouped.setdefault(entry["code"].split("-", 1)[0], []).append(entry)
    return grouped


def subdivision(code: str) -> Subdivision | None:
    """The ISO 3166-2 subdivision with this code (``CA-QC``), in any country; None if unknown."""
    code = code.upper()
    return _subdivisions_of(code.split("-", 1)[0]).get(code)


def subdivisions_of(country_code: str) -> tuple[Subdivision, ...]:
    """Every ISO 3166-2 subdivision of a country, by code."""
    return tuple(_subdivisions_of(country_code.upper()).values())


@cache
def _subdivisions_of(country: str) -> dict[str, Subdivision]:
    entries = sorted(_subdivision_entries().get(country, ()), key=lambda entry: entry["code"])
    return {
        entry["code"]: Subdivision(entry["code"], country, entry["name"], entry["type"])
        for entry in entries
    }


def search_countries(text: str) -> list[Country]:
    """Countries whose names match ``text`` (pycountry's fuzzy search); for hints only."""
    import pycountry  # slow to import (see the module docstring): only after a mistake

    try:
        found = pycountry.countries.search_fuzzy(text)
    except LookupError:
        return []
    return [c for c in (country(str(match.alpha_2)) for match in found) if c is not None]


def lookup_country(text: str) -> Country | None:
    """The country a code or an exact name names (``SE``, ``SWE``, ``Sweden``); None if none."""
    import pycountry  # for hints only, as above

    try:
        return country(str(pycountry.countries.lookup(text).alpha_2))
    except LookupError:
        return None
