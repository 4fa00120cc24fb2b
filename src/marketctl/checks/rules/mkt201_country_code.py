"""The country is not an ISO 3166-1 alpha-2 code, or not the one of the market's folder.

``country`` in ``market.yaml`` is the market's identity: the territory every other identity rule
(currency, locales, time zones, subdivisions) checks against, and the folder ``markets/<cc>/`` it
lives in is named after it. It must be an ISO 3166-1 alpha-2 code (checked against pycountry's
ISO 3166-1 table) and equal the folder name in upper case. When it is not a code, the hint
suggests the code of the market's folder or of its ``name``. When folder and country disagree,
one of them is wrong: the message names both countries so that the reader can tell which.

The other identity rules use ``country`` as the territory when it is an ISO code, and skip their
territory checks when it is not.

Failing example::

    # markets/no/market.yaml
    country: SE                 # Sweden, in Norway's folder
    # markets/gb/market.yaml
    country: UK                 # not an ISO 3166-1 code: the United Kingdom is GB

Passing example::

    # markets/no/market.yaml
    country: NO
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.territories import country_name, country_named
from marketctl.repository.markets import Market

CODE = "MKT201"
NAME = "country-code"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    country = market.market.get("country")
    if not isinstance(country, str):
        return  # MKT103 reports a missing country
    location = market.location("market", ("country",))
    folder = market.code.upper()
    folder_name = country_name(folder)
    name = country_name(country)
    if name is None:
        guess = folder if folder_name is not None else _named(market)
        hint = (
            f"did you mean '{guess}' ({country_name(guess)})?"
            if guess
            else "write the country's ISO 3166-1 alpha-2 code in upper case, like SE or JP"
        )
        yield rule(CODE).finding(
            location, f"country '{country}' is not an ISO 3166-1 alpha-2 code", hint
        )
        return
    if country != folder:
        names = f" ({folder}, {folder_name})" if folder_name else ""
        yield rule(CODE).finding(
            location,
            f"country {country} ({name}) does not match the market's folder "
            f"markets/{market.code}/{names}",
            f"write country: {folder}, or move the market to markets/{country.lower()}/"
            if folder_name
            else f"move the market to markets/{country.lower()}/",
        )


def _named(market: Market) -> str | None:
    name = market.market.get("name")
    return country_named(name) if isinstance(name, str) and name.strip() else None
