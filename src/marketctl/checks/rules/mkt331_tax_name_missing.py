"""A market's tax has no name in the language of one of its locales.

The checkout's tax line names the tax from the market's data (``names`` in tax.yaml, passed to
messages by ``Market.tax_message_arguments``), never from a catalogue: one catalogue serves
markets with different taxes. A locale whose language has no name for the national tax, or for
a regional component the market charges (Canada's ``hst``, ``pst``, ``qst``, ``rst``), cannot
show that line: the runtime raises ``UnknownTaxError`` at checkout. An error in a live market,
a warning in a planned or paused one. Reported at ``names`` (or at ``system`` when the file
has no ``names``). A name given as ``null`` (a TODO of ``marketctl new``) is MKT101's.

Failing example::

    # markets/be/tax.yaml (locales: nl-BE, fr-BE)
    names:
      national: {nl: "Btw"}

Passing example::

    names:
      national: {nl: "Btw", fr: "TVA"}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Market
from marketctl.runtime.ratekinds import NATIONAL_NAME

CODE = "MKT331"
NAME = "tax-name-missing"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    tax = market.tax
    names = tax.get("names")
    names = names if isinstance(names, dict) else {}
    parts = [NATIONAL_NAME]
    if tax.get("system") != "sales_tax":  # a sales tax is named as a whole
        regions = tax.get("regions")
        for region in regions.values() if isinstance(regions, dict) else ():
            taxes = region.get("taxes") if isinstance(region, dict) else None
            parts += [name for name in taxes or () if name not in parts]
    languages = dict.fromkeys(tag.split("-", 1)[0].lower() for tag in market.locales)
    missing: dict[str, list[str]] = {}
    for part in parts:
        given = names.get(part)
        if given is not None and not isinstance(given, dict):
            continue  # the schema's
        for language in languages:
            if given is None or language not in given:
                missing.setdefault(part, []).append(language)
    if not missing:
        return
    where = ("names",) if "names" in tax else ("system",)
    severity = SEVERITY if market.is_live else Severity.WARNING
    for part, absent in missing.items():
        what = "the national tax" if part == NATIONAL_NAME else f"the regional tax {part}"
        yield (
            rule(CODE)
            .finding(
                market.key_location("tax", where),
                f"market {market.code}: {what} has no name in {', '.join(absent)} (locales "
                f"{', '.join(market.locales)}): the checkout's tax line cannot name it",
                f"write names.{part}.{absent[0]} in tax.yaml: what customers call it, as it heads "
                "the tax line (VAT, Moms, TVA)",
                market=market.code,
            )
            .with_severity(severity)
        )
