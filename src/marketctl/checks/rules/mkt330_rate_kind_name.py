"""A rate kind named ``super_reduced`` holds a rate of 5 % or more: the name is deprecated there.

Markets, the reference data and the runtime share one vocabulary of rate kinds, named by what
the VAT Directive makes of a rate (``marketctl/runtime/ratekinds.py``): ``reduced`` and
``second_reduced`` are reduced rates of at least 5 % (Directive 2006/112/EC art. 98(1)),
``super_reduced`` a rate below 5 % (art. 98(2), art. 110: France's 2.1 %, Spain's and Italy's
4 %). Slovakia's 5 % and Greece's 6 % were once written ``super_reduced``, so
``tax_rate("super_reduced")`` meant below 5 % in one market and 5 % or 6 % in the next.

The old name is still read: build compiles such a kind as ``second_reduced``, and the runtime
reads an older bundle the same way, so no market breaks. Rename the kind. When the market
already has a ``second_reduced`` kind the name cannot be changed for you, and the kind keeps
its name until a person decides.

Failing example::

    # markets/sk/tax.yaml
    rates:
      super_reduced:
        - {percent: 5, from: 2025-01-01, source: {...}}

Passing example::

    rates:
      second_reduced:
        - {percent: 5, from: 2025-01-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Market
from marketctl.runtime.ratekinds import SECOND_REDUCED, SUPER_REDUCED, SUPER_REDUCED_BELOW

CODE = "MKT330"
NAME = "rate-kind-name"
SEVERITY = Severity.WARNING


def check_market(market: Market) -> Iterator[Finding]:
    rates = market.tax.get("rates")
    if not isinstance(rates, dict):
        return
    entries = rates.get(SUPER_REDUCED)
    if not isinstance(entries, list):
        return
    shown = [
        entry.get("percent")
        for entry in entries
        if isinstance(entry, dict) and _at_least_5(entry.get("percent"))
    ]
    if not shown:
        return
    percents = ", ".join(f"{percent} %" for percent in dict.fromkeys(shown))
    said = (
        f"rates.{SUPER_REDUCED} holds {percents}: a super-reduced rate is one below "
        f"{SUPER_REDUCED_BELOW} % (Directive 2006/112/EC art. 98(2)); at {SUPER_REDUCED_BELOW} % "
        "or more it is a reduced rate (art. 98(1))"
    )
    if SECOND_REDUCED in rates:
        message = f"{said}, and the market's second_reduced kind is taken"
        hint = (
            "name each kind by its legal meaning: reduced and second_reduced for the rates of "
            "5 % or more, super_reduced for one below 5 %"
        )
    else:
        message = f"{said}; build reads the kind as second_reduced"
        hint = f"rename the kind to {SECOND_REDUCED}"
    yield rule(CODE).finding(market.key_location("tax", ("rates", SUPER_REDUCED)), message, hint)


def _at_least_5(percent: object) -> bool:
    if isinstance(percent, bool) or not isinstance(percent, int | float | Decimal):
        return False
    return Decimal(str(percent)) >= SUPER_REDUCED_BELOW
