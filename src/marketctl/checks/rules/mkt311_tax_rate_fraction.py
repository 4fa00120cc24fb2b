"""A tax rate between 0 and 1 %: most likely a fraction written where a percentage belongs.

Rates in tax.yaml are percentages. ``percent: 0.25`` means a quarter of one percent, which is
what a 25 % rate becomes when someone writes it as a fraction (as spreadsheets and some APIs
do). No consumer tax we sell under has a rate between 0 and 1 % (the lowest non-zero rates in
the EU are France's 2.1 % and Luxembourg's 3 %, and Canada's GST is 5 %), so such a rate is
reported, as an error: a fraction taxes every order at a hundredth of the rate (issue 20). A
genuine rate that low is kept with a reviewed override on its interval (``override`` with what,
why, a source and the day it was reviewed), which makes the finding a warning that names it.
Zero (a zero-rated kind) is not reported.

Failing example::

    # markets/se/tax.yaml
    rates:
      standard:
        - {percent: 0.25, from: 2023-07-01, source: {...}}

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

CODE = "MKT311"
NAME = "tax-rate-fraction"
SEVERITY = Severity.ERROR
OVERRIDABLE = True


def _as_percent(fraction: int | Decimal) -> str:
    return f"{(Decimal(fraction) * 100).normalize():f}"


def check_market(market: Market) -> Iterator[Finding]:
    for path, entries in rate_histories(market.tax):
        for index, entry in enumerate(entries):
            percent = entry.get("percent")
            if isinstance(percent, int | Decimal) and 0 < percent < 1:
                yield rule(CODE).finding(
                    market.location("tax", (*path, index, "percent")),
                    f"{path_name(path)}: rate {percent} % (from {entry.get('from')}) looks like "
                    "a fraction, not a percentage",
                    f"write the rate in percent ({_as_percent(percent)} for a rate of that size); "
                    "if the law really sets it below 1 %, add override: {what, why, source, "
                    "reviewed} to the interval",
                )
