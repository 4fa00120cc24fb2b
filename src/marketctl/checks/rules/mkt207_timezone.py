"""A time zone that is not an IANA zone, or not a zone of the market's country.

Rollout times are written in the market's first zone and compiled to UTC with the IANA tz
database, so every entry of ``timezones`` must be a zone the database has (``zoneinfo``: the
system's database or the tzdata package). It must also be a zone of the market's country:
CLDR's time zone data (Babel's ``zone_territories``, after resolving CLDR's aliases, so the old
name ``Asia/Calcutta`` counts as India's ``Asia/Kolkata``) says which territory each zone is in;
a zone newer than Babel's CLDR is looked up in IANA's ``zone.tab``. Zones of no country (``UTC``,
``Etc/GMT+5``) are reported too: a market's customers live in a country's zone, with its
daylight saving time. Both are errors: a wrong zone shifts every rollout step by hours.

For a name that is not a zone, the hint suggests the country's zones that look most like it, else
the IANA zones that do; for another country's zone, it names the market's country's zones.

Failing example::

    # markets/se/market.yaml
    country: SE
    timezones: [Europe/Stokholm]     # not an IANA zone: did you mean 'Europe/Stockholm'?
    timezones: [Europe/Oslo]         # Norway's zone, not Sweden's

Passing example::

    country: SE
    timezones: [Europe/Stockholm]
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.territories import (
    closest,
    country_name,
    iana_zones,
    is_iana_zone,
    iso_country,
    territory_zones,
    zone_territory,
)
from marketctl.repository.markets import Market

CODE = "MKT207"
NAME = "timezone"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    zones = market.market.get("timezones")
    if not isinstance(zones, list):
        return
    country = iso_country(market.market.get("country"))
    for index, zone in enumerate(zones):
        if not isinstance(zone, str):
            continue
        location = market.location("market", ("timezones", index))
        if not is_iana_zone(zone):
            yield rule(CODE).finding(
                location,
                f"time zone '{zone}' is not in the IANA tz database",
                _suggest(zone, country, anywhere=True),
            )
            continue
        if country is None:
            continue  # MKT201: no territory to check against
        territory = zone_territory(zone)
        if territory == country:
            continue
        if territory is None:
            message = f"time zone {zone} is not the zone of any country, so not one of {country}"
        else:
            name = country_name(territory)
            message = (
                f"time zone {zone} is in {territory}{f' ({name})' if name else ''}, "
                f"not in {country}"
            )
        yield rule(CODE).finding(location, message, _suggest(zone, country, anywhere=False))


def _suggest(zone: str, country: str | None, anywhere: bool) -> str:
    """Look-alikes for a name that is not a zone; the country's zones for another country's."""
    own = list(territory_zones(country)) if country is not None else []
    guesses = closest(zone, own) if anywhere else own[:1] if len(own) == 1 else []
    if not guesses and anywhere:
        guesses = closest(zone, iana_zones())
    if guesses:
        return "did you mean " + " or ".join(f"'{g}'" for g in guesses) + "?"
    if own:
        shown = ", ".join(own[:5]) + (f" and {len(own) - 5} more" if len(own) > 5 else "")
        return f"use one of {country}'s zones per CLDR: {shown}"
    return "write an IANA zone name, such as Europe/Stockholm"
