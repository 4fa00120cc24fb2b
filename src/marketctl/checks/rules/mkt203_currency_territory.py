"""The currency is not a legal tender of the market's country.

A market charges in the money its customers pay with. CLDR's ``currencyData`` lists, for every
territory, the currencies in use with their dates and whether they are legal tender; this rule
asks Babel (``babel.numbers.get_territory_currencies(country, day, tender=True)``, the same data)
whether ``currency`` is a tender of ``country`` on the day that matters: today for a market that
is live or paused, the launch date for a planned market that opens in the future (a country that
switches currency before the launch is checked with its new one). Today comes from
``marketctl.core.clock`` (``MARKETCTL_TODAY`` pins it).

It is an error: a market charged in the wrong money overcharges or undercharges every order
(issue 20). Non-tender codes CLDR lists for a territory (``USN``, next-day dollars) are reported
too: they are accounting codes, not money. A market that really prices in another currency (USD
in a dollarised economy CLDR does not list yet, a changeover CLDR has not caught up with) records
a reviewed override beside the value, ``currency_override`` with what differs, why, a source and
the day it was reviewed; the finding is then a warning that names the override.

Failing example::

    # markets/ca/market.yaml
    country: CA
    currency: USD               # CLDR: CAD is Canada's tender

Passing example::

    country: CA
    currency: CAD

A currency that really differs, vouched for (a warning that names the override)::

    currency: USD
    currency_override:
      what: "prices in USD, not the local currency"
      why: "the law that makes it legal tender, which CLDR does not list yet"
      source: {title: "<the law's title>", url: "https://<the official text>"}
      reviewed: 2026-11-02
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from marketctl.checks.rules import rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.territories import (
    currency_name,
    iso_country,
    tenders_on,
    territory_currencies,
)
from marketctl.repository.markets import Market

CODE = "MKT203"
NAME = "currency-territory"
SEVERITY = Severity.ERROR
OVERRIDABLE = True


def check_market(market: Market) -> Iterator[Finding]:
    currency = market.market.get("currency")
    country = iso_country(market.market.get("country"))
    if not isinstance(currency, str) or country is None or currency_name(currency) is None:
        return  # MKT201 and MKT202 report a country or currency that is not ISO
    if not territory_currencies(country):
        return  # CLDR has no currency data for this territory: nothing to check against
    day, when = _reference_day(market)
    tenders = tenders_on(country, day)
    if currency in tenders:
        return
    uses = [u for u in territory_currencies(country) if u.code == currency]
    if any(not u.tender and u.in_use_on(day) for u in uses):
        reason = "CLDR lists it as a non-tender code there (for accounting, not payment)"
    elif ended := [u.end for u in uses if u.tender and u.end is not None and u.end < day]:
        reason = f"per CLDR it stopped being legal tender there on {max(ended)}"
    elif started := [u.start for u in uses if u.tender and u.start is not None and u.start > day]:
        reason = f"per CLDR it becomes legal tender there only on {min(started)}"
    else:
        reason = "CLDR does not list it among the territory's currencies"
    message = f"currency {currency} is not legal tender in {country} {when}: {reason}"
    if tenders:
        named = " or ".join(f"'{code}' ({currency_name(code) or code})" for code in tenders)
        hint = f"did you mean {named}?"
    else:
        hint = "check the currency against the country's central bank"
    yield rule(CODE).finding(market.location("market", ("currency",)), message, hint)


def _reference_day(market: Market) -> tuple[date, str]:
    """Today, or the launch date of a planned market that opens later."""
    now = today()
    launch = market.market.get("launch_date")
    if market.market.get("status") == "planned" and isinstance(launch, str):
        try:
            day = date.fromisoformat(launch)
        except ValueError:
            return now, f"today ({now})"
        if day > now:
            return day, f"on its launch date ({day})"
    return now, f"today ({now})"
