"""A tax rate is outside 0 to 50 %.

Every rate in tax.yaml, national (``rates``) and regional (``regions.<code>.taxes``), is written
in percent. No consumer tax in force anywhere comes near 50 % (the highest standard VAT rate in the
EU is Hungary's 27 %), so a rate above 50 is a rate written wrongly: a typo (250 for 25) or a
fraction in the wrong unit. The schema already rejects negative rates and rates above 100.

Failing example::

    # markets/se/tax.yaml
    rates:
      standard:
        - {percent: 75, from: 2023-07-01, source: {...}}

Passing example::

    rates:
      standard:
        - {percent: 25, from: 2023-07-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import path_name, rate_histories
from marketctl.repository.markets import Market

CODE = "MKT301"
NAME = "tax-rate-range"
SEVERITY = Severity.ERROR

HIGHEST = Decimal(50)


def check_market(market: Market) -> Iterator[Finding]:
    for path, entries in rate_histories(market.tax):
        for index, entry in enumerate(entries):
            percent = entry.get("percent")
            if isinstance(percent, int | Decimal) and not 0 <= percent <= HIGHEST:
                yield rule(CODE).finding(
                    market.location("tax", (*path, index, "percent")),
                    f"{path_name(path)}: rate {percent} % (from {entry.get('from')}) is outside "
                    "0 to 50 %",
                    "write the rate in percent as the law states it (25, not 250 or 0.25)",
                )
