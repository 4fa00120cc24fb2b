"""A tax rate has more than 4 decimals.

Rates are exact decimals in percent (Quebec's QST is 9.975 %). Laws state rates with a few
decimals at most; a rate with more is a computed or converted value (7.7999999, or a fraction of
a rate typed out) and would make every service round differently. Trailing zeros do not count:
5.50000 is 5.5.

Failing example::

    # markets/ca/tax.yaml
    regions:
      CA-QC:
        taxes:
          qst:
            - {percent: 9.97512, from: 2013-01-01, source: {...}}

Passing example::

            - {percent: 9.975, from: 2013-01-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import path_name, rate_histories
from marketctl.repository.markets import Market

CODE = "MKT302"
NAME = "tax-rate-precision"
SEVERITY = Severity.ERROR

MAX_DECIMALS = 4


def decimals(value: Decimal) -> int:
    """Digits after the decimal point, trailing zeros left out."""
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def check_market(market: Market) -> Iterator[Finding]:
    for path, entries in rate_histories(market.tax):
        for index, entry in enumerate(entries):
            percent = entry.get("percent")
            if isinstance(percent, Decimal) and percent.is_finite():
                places = decimals(percent)
                if places > MAX_DECIMALS:
                    yield rule(CODE).finding(
                        market.location("tax", (*path, index, "percent")),
                        f"{path_name(path)}: rate {percent} % (from {entry.get('from')}) has "
                        f"{places} decimals, more than {MAX_DECIMALS}",
                        "write the rate exactly as the law states it",
                    )
