"""Tax rates with validity intervals, as a market's bundle records them.

The rate of kind K in region R on day D (in percent, an exact decimal) is the
national K rate in force on D (unless R says ``national: replaced``) plus every regional
component of R in force on D; regional components (GST's provincial partners: HST, QST, PST,
RST) add to the ``standard`` kind only.

Where the bundle cannot know the answer, the runtime says so instead of guessing, because a
wrong rate is a wrong price:

- a market with regions and no region given: :class:`RegionRequiredError` (Canada's national
  5 % is the price in four territories and provinces out of thirteen);
- D before the first recorded interval of the national rate or of a regional component, or in
  no interval of a rate that must be there: :class:`NoRateInForceError` (``CA-BC``'s PST is
  recorded from 2013-04-01; on 2012-01-01 British Columbia had the 12 % HST, and "GST only"
  would be wrong). A regional component whose last interval has ended is simply not in force.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal
from typing import Any, Final

from marketctl.runtime.errors import (
    NoRateInForceError,
    RateEndsError,
    RateProviderRequiredError,
    RegionRequiredError,
    UnknownTaxError,
    _suggestion,
)
from marketctl.runtime.ratekinds import (
    NATIONAL_NAME,
    SECOND_REDUCED,
    SUPER_REDUCED,
    canonical_kind,
)

__all__ = ["StateBaseRate", "TaxTable"]

_CONTEXT: Final = Context(prec=60)
STANDARD: Final = "standard"
SALES_TAX: Final = "sales_tax"
STATE: Final = "state"


@dataclass(frozen=True, slots=True)
class StateBaseRate:
    """The state-level base rate of a US-style sales tax: never the rate an order pays.

    ``complete`` is always False: cities, counties and districts add their own rates where
    ``local_rates`` is true, and each state decides what is taxable (exemptions, sales tax
    holidays), so even a state without local rates may tax an item at another rate or not at
    all. There is deliberately no arithmetic on it: pass the delivery address and the item to
    a rate provider for the rate of an order.
    """

    market: str
    region: str
    on: date
    percent: Decimal
    local_rates: bool
    complete: bool = False


class _History:
    """One rate's intervals (``from`` .. ``until``, both inclusive), sorted by start."""

    __slots__ = ("ended_by_law", "ends", "percents", "starts")

    def __init__(self, intervals: list[Mapping[str, Any]]) -> None:
        rows = sorted(
            (
                date.fromisoformat(item["from"]),
                None if item.get("until") is None else date.fromisoformat(item["until"]),
                Decimal(item["percent"]),
            )
            for item in intervals
        )
        for start, end, percent in rows:
            if not percent.is_finite() or percent < 0:
                raise ValueError(f"rate {percent} is not a percentage")
            if end is not None and end < start:
                raise ValueError(f"interval from {start} ends before it starts ({end})")
        self.starts: tuple[date, ...] = tuple(row[0] for row in rows)
        self.ends: tuple[date | None, ...] = tuple(row[1] for row in rows)
        self.percents: tuple[Decimal, ...] = tuple(row[2] for row in rows)
        # The last day covered, when the law ends the latest interval then (``ends_by_law``).
        last = max(intervals, key=lambda item: item["from"], default=None)
        self.ended_by_law: date | None = (
            date.fromisoformat(last["until"])
            if last is not None and last.get("ends_by_law") is True and last.get("until")
            else None
        )

    def first(self) -> date | None:
        return self.starts[0] if self.starts else None

    def ended(self, day: date) -> date | None:
        """The last day covered, when ``day`` is after it and the law ends the rate then."""
        end = self.ended_by_law
        return end if end is not None and day > end else None

    def at(self, day: date) -> Decimal | None:
        """The rate in force on ``day``, or None."""
        index = bisect_right(self.starts, day) - 1
        if index < 0:
            return None
        end = self.ends[index]
        if end is not None and day > end:
            return None
        return self.percents[index]


@dataclass(frozen=True, slots=True)
class _Region:
    replaces_national: bool
    components: Mapping[str, _History]


class TaxTable:
    """A market's tax rates; built from the bundle's ``tax`` object."""

    __slots__ = (
        "_local",
        "_market",
        "_names",
        "_national",
        "_regions",
        "prices_include_tax",
        "system",
    )

    def __init__(self, market: str, tax: Mapping[str, Any]) -> None:
        self._market = market
        self.system: str = tax["system"]
        self.prices_include_tax: bool = tax["prices_include_tax"]
        # A bundle built before the rate kinds had one vocabulary may name a 5 % rate
        # super_reduced: it is read under its canonical name, second_reduced (ratekinds.py).
        self._national = {
            canonical_kind(kind, (row["percent"] for row in rows), tax["rates"]): _History(
                list(rows)
            )
            for kind, rows in tax["rates"].items()
        }
        regions: dict[str, _Region] = {}
        self._local: dict[str, bool] = {}
        for code, region in tax.get("regions", {}).items():
            if self.system == SALES_TAX:
                local = region.get("local_rates")
                if not isinstance(local, bool):
                    raise ValueError(f"tax.regions.{code}.local_rates is {local!r}")
                self._local[code] = local
            national = region["national"]
            if national not in ("added", "replaced"):
                raise ValueError(f"tax.regions.{code}.national is {national!r}")
            regions[code] = _Region(
                national == "replaced",
                {name: _History(list(rows)) for name, rows in region["taxes"].items()},
            )
        self._regions = regions
        names = tax.get("names") or {}
        for part, by_language in names.items():
            if not isinstance(by_language, Mapping) or not all(
                isinstance(name, str) and name for name in by_language.values()
            ):
                raise ValueError(f"tax.names.{part} is not a name per language")
        self._names: Mapping[str, Mapping[str, str]] = names

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self._national))

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted(self._regions))

    def _region(self, region: str | None) -> tuple[str, _Region] | None:
        if region is None:
            if self._regions:
                raise RegionRequiredError(
                    self._market,
                    "taxes by region: pass region= one of "
                    f"{', '.join(self.regions)} (the national rate alone is not the rate "
                    "in most of them)",
                )
            return None
        if not isinstance(region, str):
            raise TypeError(f"region must be a str, not {type(region).__name__}")
        if not self._regions:
            raise UnknownTaxError(
                self._market,
                f"has no regional taxes; call without region (got '{region}')",
            )
        code = region.upper()
        found = self._regions.get(code)
        if found is None:
            raise UnknownTaxError(
                self._market,
                f"has no tax region '{region}' (regions: {', '.join(self.regions)})"
                f"{_suggestion(code, self._regions)}",
            )
        return code, found

    def rate(self, kind: str, region: str | None, on: date) -> Decimal:
        if self.system == SALES_TAX:
            raise RateProviderRequiredError(
                self._market,
                "charges sales tax: the rate of an order is the state's base rate plus the "
                "local rates of the delivery address, on what that state taxes, and the bundle "
                "has only the state base rates; ask an external sales-tax rate provider with "
                "the delivery address (state_base_rate() gives the state's part, incomplete)",
            )
        national = self._national.get(kind)
        if national is None:
            raise UnknownTaxError(self._market, self._no_kind(kind))
        place = self._region(region)
        where = "" if place is None else f" in {place[0]}"
        total = Decimal(0)
        found = False
        if place is None or not place[1].replaces_national:
            percent = national.at(on)
            if percent is None:
                _refuse_after_end(self._market, f"{kind} rate", national, on)
                raise NoRateInForceError(self._market, self._missing(kind, national, on))
            total = percent
            found = True
        if place is not None and kind == STANDARD:
            code, info = place
            for name, history in sorted(info.components.items()):
                percent = history.at(on)
                if percent is not None:
                    total = _CONTEXT.add(total, percent)
                    found = True
                    continue
                # A component that simply ended is not in force; one the law ends, with
                # nothing recorded after, is unknown after its end.
                _refuse_after_end(self._market, f"{code}'s {name}", history, on)
                first = history.first()
                if first is not None and on < first:
                    raise NoRateInForceError(
                        self._market,
                        f"records {code}'s {name} only from {first.isoformat()}: the {kind} "
                        f"rate{where} on {on.isoformat()} is not in the bundle",
                    )
        if not found:
            if place is not None and kind != STANDARD:
                raise UnknownTaxError(
                    self._market,
                    f"has no '{kind}' rate{where}: its regional tax replaces the national "
                    "rates, and regional taxes have only the standard kind",
                )
            raise NoRateInForceError(
                self._market,
                f"has no {kind} rate{where} in force on {on.isoformat()}",
            )
        return total

    def _no_kind(self, kind: str) -> str:
        known = f"has no tax kind '{kind}' (kinds: {', '.join(self.kinds)})"
        if kind == SUPER_REDUCED and SECOND_REDUCED in self._national:
            return (
                f"{known}: a super-reduced rate is one below 5 %, and this market has none; "
                "its other reduced rate is second_reduced"
            )
        return known

    def _missing(self, kind: str, history: _History, on: date) -> str:
        first = history.first()
        if first is not None and on < first:
            return (
                f"has no {kind} rate in force on {on.isoformat()} (recorded from "
                f"{first.isoformat()})"
            )
        return f"has no {kind} rate in force on {on.isoformat()}"

    def name(self, tag: str, kind: str, region: str | None, on: date) -> str:
        """What the tax of ``kind`` in ``region`` on ``on`` is called in locale ``tag``: the
        national tax's name (unless the region replaces it) and, for the standard kind, each
        regional component in force, joined with " + " (``GST + QST`` in CA-QC, ``HST`` in
        CA-ON, ``TPS + TVP`` in CA-BC in French since 2013-04-01). A sales tax is named as a
        whole (its state and local parts are not shown apart)."""
        language = tag.split("-", 1)[0].lower()
        if self.system == SALES_TAX:
            if region is not None:
                self._region(region)  # an unknown region is an error here too
            return self._name(NATIONAL_NAME, language, tag)
        if kind not in self._national:
            raise UnknownTaxError(self._market, self._no_kind(kind))
        place = self._region(region)
        parts: list[str] = []
        if place is None or not place[1].replaces_national:
            parts.append(self._name(NATIONAL_NAME, language, tag))
        if place is not None and kind == STANDARD:
            for component, history in sorted(place[1].components.items()):
                if history.at(on) is not None:
                    parts.append(self._name(component, language, tag))
        return " + ".join(parts)

    def _name(self, part: str, language: str, tag: str) -> str:
        found = self._names.get(part, {}).get(language)
        if found is None:
            what = "its tax" if part == NATIONAL_NAME else f"its {part}"
            raise UnknownTaxError(
                self._market,
                f"has no name for {what} in {tag}: the bundle's tax.names.{part} has no "
                f"'{language}' (write it in the market's tax.yaml)",
            )
        return found

    def state_base_rate(self, region: str | None, on: date) -> StateBaseRate:
        """The state-level base rate of a sales-tax market's ``region`` on ``on``: marked
        incomplete, so it cannot pass for the rate of an order."""
        if self.system != SALES_TAX:
            raise UnknownTaxError(
                self._market,
                f"charges {self.system}, not sales tax: use tax_rate() for its rates",
            )
        place = self._region(region)
        assert place is not None  # a sales-tax market has regions: _region raises without one
        code, info = place
        history = info.components.get(STATE)
        percent = history.at(on) if history is not None else None
        if history is not None and percent is None:
            _refuse_after_end(self._market, f"state base rate for {code}", history, on)
        if history is None or percent is None:
            first = history.first() if history is not None else None
            recorded = f" (recorded from {first.isoformat()})" if first else ""
            raise NoRateInForceError(
                self._market,
                f"has no state base rate for {code} in force on {on.isoformat()}{recorded}",
            )
        return StateBaseRate(self._market, code, on, percent, self._local[code])


def _refuse_after_end(market: str, what: str, history: _History, on: date) -> None:
    """RateEndsError when ``on`` is after the last day ``history`` covers and the law ends the
    rate then: the bundle does not know what applies after, so there is no answer."""
    end = history.ended(on)
    if end is not None:
        raise RateEndsError(
            market,
            f"records its {what} until {end.isoformat()}, the day the law ends it, and nothing "
            f"after: no answer for {on.isoformat()} (rebuild the bundle once the data records "
            "what applies next)",
            end,
        )
