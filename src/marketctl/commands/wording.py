"""Legal and tax facts in words, for the people who run the markets (report, readiness).

``tax.regions.US-SD.taxes.state[1] (percent: 4.5)`` is where a value sits; "South Dakota's state
sales tax: 4.5 %" is what it means. Guarantees and withdrawal rights are worded by the runtime's
own :class:`~marketctl.runtime.LegalGuarantee` and :class:`~marketctl.runtime.Withdrawal`
(``summary()``), from the same compiled terms a service reads, so the report and a service can
never describe the law differently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any

from marketctl.checks.facts import LegalFact
from marketctl.commands.bundle import compile_warranty, decimal_text
from marketctl.core.intervals import date_or_none
from marketctl.reference.iso import subdivision
from marketctl.repository.markets import Market
from marketctl.runtime._legal import LegalTerms, period_text

__all__ = ["FactWords", "rate_change"]

# The tax system's name in English (tax.yaml ``system``).
_SYSTEMS = {
    "vat": "VAT",
    "gst": "GST",
    "sales_tax": "sales tax",
    "consumption_tax": "consumption tax",
}
# Regional taxes by their key: Canadian acronyms stay acronyms, US state and local taxes are
# sales taxes.
_ACRONYMS = frozenset({"gst", "hst", "pst", "qst", "rst"})


def _percent(value: Any) -> str:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return f"{decimal_text(value)} %"
    return str(value)


def _node(data: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        if isinstance(data, list):
            if not isinstance(part, int) or not 0 <= part < len(data):
                return None
            data = data[part]
        elif isinstance(data, Mapping) and part in data:
            data = data[part]
        else:
            return None
    return data


class FactWords:
    """Words for the facts of one market."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self.name = str(market.market.get("name", market.code))

    @cached_property
    def _terms(self) -> LegalTerms | None:
        try:
            return LegalTerms(self.market.code, compile_warranty(self.market.warranty))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # a warranty.yaml validate rejects: the key stays the description

    def jurisdiction(self, path: Sequence[str | int]) -> str:
        """The subdivision a fact is about (``South Dakota``), else the market's name."""
        for part in path:
            if isinstance(part, str) and "-" in part:
                found = subdivision(part)
                if found is not None:
                    return found.name
        return self.name

    def tax_name(self, path: Sequence[str | int]) -> str:
        """``standard VAT``, ``state sales tax``, ``QST``."""
        system = _SYSTEMS.get(str(self.market.tax.get("system", "")), "tax")
        names = [part for part in path if isinstance(part, str)]
        if names and names[0] == "rates" and len(names) > 1:
            return f"{names[1].replace('_', ' ')} {system}"
        if names and names[0] == "regions":
            name = names[-1]
            if name in _ACRONYMS:
                return name.upper()
            return f"{name.replace('_', ' ')} sales tax" if system == "sales tax" else name
        return system

    def of(self, fact: LegalFact) -> str:
        """What the fact says, in English."""
        data = self.market.resolved[fact.kind].data
        node = _node(data, fact.path)
        if not isinstance(node, Mapping):
            return f"{fact.key}: {fact.value}"
        if fact.kind == "tax":
            if "percent" in node:
                return (
                    f"{self.jurisdiction(fact.path)}'s {self.tax_name(fact.path)}: "
                    f"{_percent(node['percent'])}"
                )
            if fact.path and fact.path[0] == "prices_include_tax":
                included = node.get("value") is True
                return (
                    "prices shown to consumers include tax"
                    if included
                    else ("prices shown to consumers exclude tax (added at checkout)")
                )
        else:
            worded = self._warranty(fact, node)
            if worded is not None:
                return worded
        return f"{fact.key}: {fact.value}"

    def _warranty(self, fact: LegalFact, node: Mapping[str, Any]) -> str | None:
        head = fact.path[0] if fact.path else None
        if fact.path and fact.path[-1] == "limitation" and "years" in node:
            return (
                f"claims within {period_text(12 * int(node['years']))} of "
                f"{node.get('counted_from') or 'delivery'} (limitation period)"
            )
        start = date_or_none(node.get("from"))
        if head in ("legal_guarantee", "withdrawal") and start is not None:
            terms = self._terms
            if terms is None:
                return None
            if head == "withdrawal":
                return "withdrawal: " + terms.withdrawal(start).summary()
            region = next((p for p in fact.path[2:] if isinstance(p, str) and "-" in p), None)
            regions = _node(self.market.warranty, ("legal_guarantee", fact.path[1], "regions"))
            if region is None and isinstance(regions, Mapping) and regions:
                region = ""  # the market-wide terms, beside its regions' own
            guarantee = terms.legal_guarantee(start, region)
            where = f" in {self.jurisdiction((region,))}" if region else ""
            return f"legal guarantee{where}: {guarantee.summary()}"
        if head == "burden_of_proof" and "months" in node:
            return (
                f"defects within {period_text(int(node['months']))} of delivery are presumed "
                "present at delivery"
            )
        if head == "short_term_reject" and "days" in node:
            return f"{node['days']} days to reject faulty goods for a full refund"
        if head == "consumer_law":
            return str(node.get("title", fact.key))
        return None


def rate_change(words: FactWords, fact: LegalFact, previous: LegalFact | None) -> str:
    """``South Dakota's state sales tax: 4.2 % → 4.5 %`` (or ``: 4.5 %`` where nothing came
    before)."""
    data = words.market.resolved[fact.kind].data
    node, old = _node(data, fact.path), _node(data, previous.path) if previous else None
    if isinstance(node, Mapping) and "percent" in node:
        name = f"{words.jurisdiction(fact.path)}'s {words.tax_name(fact.path)}"
        if isinstance(old, Mapping) and "percent" in old:
            return f"{name}: {_percent(old['percent'])} → {_percent(node['percent'])}"
        return f"{name}: {_percent(node['percent'])}"
    return words.of(fact)
