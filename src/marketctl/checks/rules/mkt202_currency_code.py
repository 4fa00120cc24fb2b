"""The currency is not an ISO 4217 code.

``currency`` is the code prices are set, charged and formatted in: bundles take its digits and
symbols from CLDR, payment providers take the code as it is. It must be a current ISO 4217
alphabetic code (checked against pycountry's ISO 4217 table). A withdrawn code (HRK since Croatia
adopted the euro) is not one any more; CLDR's ``currencyData`` tells when it was the territory's.

The hint suggests the territory's legal tender today per CLDR, else the ISO codes that look most
alike. Whether a valid code is the territory's currency is MKT203's question.

Failing example::

    # markets/se/market.yaml
    currency: SKR               # not ISO 4217: did you mean 'SEK'?

Passing example::

    currency: SEK
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.territories import (
    closest,
    currency_codes,
    currency_name,
    iso_country,
    tenders_on,
    territory_currencies,
)
from marketctl.repository.markets import Market

CODE = "MKT202"
NAME = "currency-code"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    currency = market.market.get("currency")
    if not isinstance(currency, str) or currency_name(currency) is not None:
        return
    country = iso_country(market.market.get("country"))
    message = f"currency '{currency}' is not an ISO 4217 code"
    if country is not None:
        history = [u for u in territory_currencies(country) if u.code == currency and u.end]
        if history:
            message = (
                f"currency '{currency}' is no longer an ISO 4217 code: per CLDR it was "
                f"{country}'s currency until {history[-1].end}"
            )
    tenders = tenders_on(country, today()) if country is not None else []
    if tenders:
        hint = f"did you mean {_named(tenders)}? (legal tender in {country} per CLDR)"
    elif alike := closest(currency, currency_codes()):
        hint = f"did you mean {_named(alike)}?"
    else:
        hint = "write the ISO 4217 code in upper case, like SEK or EUR"
    yield rule(CODE).finding(market.location("market", ("currency",)), message, hint)


def _named(codes: list[str]) -> str:
    return " or ".join(f"'{code}' ({currency_name(code) or code})" for code in codes)
