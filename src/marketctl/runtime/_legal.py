"""What the law gives a customer who bought on a given day: the legal guarantee in its form, the
withdrawal or return right, and the short-term right to reject, each with its legal source.

Read from the ``warranty`` part of a bundle. Every answer is a frozen value that carries its
source and whether that source was checked against the official text (``verified``), and knows
the message arguments of the catalogue sentence that describes it
(``warranty.legal_guarantee``: ``form``, ``months``, ``years``; ``returns.withdrawal``:
``right``, ``days``). The sentence of each form states a counting event (``fixed``: from
delivery; ``limitation``: after delivery; ``notice``: from discovery); where the law counts
otherwise, the arguments select the general ``other`` sentence rather than a wrong promise.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from marketctl.runtime.errors import LegalTermEndsError, NoLegalTermError, RegionRequiredError

__all__ = [
    "LegalGuarantee",
    "LegalSource",
    "LegalTerms",
    "Limitation",
    "RepairExtension",
    "ShortTermReject",
    "UltimatePeriod",
    "Withdrawal",
]

# The counting event each form's catalogue sentence states (en.yaml, warranty.legal_guarantee).
_SENTENCE_COUNTS_FROM = {"fixed": "delivery", "limitation": "delivery", "notice": "discovery"}


@dataclass(frozen=True)
class LegalSource:
    """The law a term comes from; ``verified`` is the day the official text was read and said
    exactly this, ``False`` when it was not (``missing`` says what is still to check), ``None``
    when nobody recorded either."""

    title: str
    url: str
    ref: str = ""
    verified: date | Literal[False] | None = None
    missing: str = ""

    @classmethod
    def of(cls, data: Mapping[str, Any] | None) -> LegalSource | None:
        if not data:
            return None
        raw = data.get("verified")
        verified: date | Literal[False] | None = (
            date.fromisoformat(raw) if isinstance(raw, str) else False if raw is False else None
        )
        return cls(
            data["title"], data["url"], data.get("ref") or "", verified, data.get("missing") or ""
        )

    @property
    def is_verified(self) -> bool:
        return isinstance(self.verified, date)


def _verified(*sources: LegalSource | None) -> bool:
    """Every source that is there was checked against the official text (and there is one)."""
    present = [s for s in sources if s is not None]
    return bool(present) and all(s.is_verified for s in present)


@dataclass(frozen=True)
class UltimatePeriod:
    """A long stop beside a limitation period counted from discovery: no claim after ``years``
    counted from ``counted_from``, whenever the defect is discovered (Ontario, Limitations Act,
    2002, s. 15: 15 years from the day of the act or omission the claim is based on)."""

    years: int
    counted_from: str
    source: LegalSource | None


@dataclass(frozen=True)
class Limitation:
    """The time limit for bringing a claim, beside a fixed or reasonable liability."""

    years: int
    counted_from: str | None
    source: LegalSource | None
    ultimate: UltimatePeriod | None = None


@dataclass(frozen=True)
class RepairExtension:
    """The law extends the legal guarantee by ``months`` when the seller brings the goods into
    conformity by repair (Directive (EU) 2019/771 art. 14(4), as amended by Directive (EU)
    2024/1799 art. 16), in force from ``valid_from`` to ``valid_until``."""

    months: int
    source: LegalSource | None
    valid_from: date
    valid_until: date | None


@dataclass(frozen=True)
class LegalGuarantee:
    """The legal guarantee on one day (and in one region): its form and numbers.

    ``form`` is ``fixed`` (``months`` from delivery), ``reasonable`` (no fixed period: as long as
    the goods can reasonably be expected to last; ``limitation`` may bound claims), ``limitation``
    (no guarantee period, claims limited to ``years``), ``notice`` (notify within ``months`` of
    discovering the defect) or ``none`` (no such guarantee: general statutory rights only).
    """

    form: str
    months: int | None
    years: int | None
    counted_from: str | None
    limitation: Limitation | None
    second_hand_min_months: int | None
    source: LegalSource | None
    region: str | None
    valid_from: date
    valid_until: date | None
    # The ultimate period of a limitation form counted from discovery (Ontario), or None.
    ultimate: UltimatePeriod | None = None
    # The extension after a repair the law gives on the day asked about, or None.
    extension_after_repair: RepairExtension | None = None

    @property
    def extension_after_repair_months(self) -> int:
        """Months the guarantee is extended by after a repair (0 where the law gives none)."""
        return self.extension_after_repair.months if self.extension_after_repair else 0

    @property
    def verified(self) -> bool:
        """Whether every source of this answer was checked against the official text."""
        return _verified(
            self.source,
            self.limitation.source if self.limitation else None,
            self.ultimate.source if self.ultimate else None,
            self.extension_after_repair.source if self.extension_after_repair else None,
        )

    def message_arguments(self) -> dict[str, object]:
        """The arguments of ``warranty.legal_guarantee``: ``form`` selects the sentence,
        ``months``/``years`` fill it (0 where the form has none). A form whose law counts from
        another event than its sentence says (e.g. a limitation counted from the breach)
        selects ``other``: the general statutory-rights sentence.
        ``extension_after_repair_months`` is the extension after a repair (0 where none), for a
        sentence that states it."""
        form = self.form
        expected = _SENTENCE_COUNTS_FROM.get(form)
        if form not in ("fixed", "reasonable", "limitation", "notice") or (
            expected is not None and self.counted_from != expected
        ):
            form = "other"
        return {
            "form": form,
            "months": self.months if form in ("fixed", "notice") and self.months else 0,
            "years": self.years if form == "limitation" and self.years else 0,
            "extension_after_repair_months": self.extension_after_repair_months,
        }

    def summary(self) -> str:
        """The guarantee in a few English words for people who run the market (a report, a
        review): ``2 years from delivery (1 year for used goods)``. Customers read the
        ``warranty.legal_guarantee`` message instead."""
        if self.form == "fixed" and self.months:
            text = f"{period_text(self.months)} from {self.counted_from or 'delivery'}"
        elif self.form == "notice" and self.months:
            text = f"notify within {period_text(self.months)} of discovering the fault"
        elif self.form == "limitation" and self.years:
            text = (
                f"claims within {period_text(12 * self.years)} of {self.counted_from or 'delivery'}"
            )
        elif self.form == "reasonable":
            text = "as long as the goods can reasonably be expected to last"
        else:
            text = "no legal guarantee of this kind (general statutory rights)"
        if self.second_hand_min_months and self.form == "fixed":
            text += f" ({period_text(self.second_hand_min_months)} for used goods)"
        if self.limitation is not None and self.form != "limitation":
            text += (
                f"; claims within {period_text(12 * self.limitation.years)}"
                f" of {self.limitation.counted_from or 'delivery'}"
            )
        return text


@dataclass(frozen=True)
class Withdrawal:
    """The right to cancel a distance sale on one day.

    ``right`` is ``statutory`` (the law's; ``statutory`` is True), ``default`` (applies unless the
    seller states its own return policy, as in Japan) or ``none`` (no right: ``days`` is 0).
    """

    right: str
    statutory: bool
    days: int
    counted_from: str
    source: LegalSource | None
    valid_from: date
    valid_until: date | None

    @property
    def verified(self) -> bool:
        return _verified(self.source)

    def message_arguments(self) -> dict[str, object]:
        """The arguments of ``returns.withdrawal``: ``right`` and ``days``. The sentences say
        "of receiving it": a period counted from another event selects ``other``."""
        right = self.right
        if right in ("statutory", "default") and self.counted_from != "receipt":
            right = "other"
        return {"right": right, "days": self.days if right != "none" else 0}

    def summary(self) -> str:
        """The right in a few English words: ``14 days from receipt to cancel (statutory)``."""
        if self.right == "none" or not self.days:
            return "no statutory right to cancel"
        days = f"{self.days} day{'' if self.days == 1 else 's'} from {self.counted_from}"
        if self.right == "default":
            return f"{days} to return, unless the seller's return policy says otherwise"
        return f"{days} to cancel (statutory)"


@dataclass(frozen=True)
class ShortTermReject:
    """A short right beside the guarantee: reject non-conforming goods for a full refund within
    ``days`` of delivery (United Kingdom, Consumer Rights Act 2015 s. 22)."""

    days: int
    counted_from: str
    source: LegalSource | None
    valid_from: date
    valid_until: date | None

    @property
    def verified(self) -> bool:
        return _verified(self.source)


def period_text(months: int) -> str:
    """A period in English words: ``24`` → ``2 years``, ``6`` → ``6 months`` (the summaries
    here, and the report's words for legal facts)."""
    if months % 12 == 0:
        years = months // 12
        return f"{years} year{'' if years == 1 else 's'}"
    return f"{months} month{'' if months == 1 else 's'}"


def _span(entry: Mapping[str, Any]) -> tuple[date, date | None]:
    until = entry.get("until")
    return date.fromisoformat(entry["from"]), date.fromisoformat(until) if until else None


def _in_force(entries: Sequence[Mapping[str, Any]], on: date) -> Mapping[str, Any] | None:
    """The interval in force on ``on`` (intervals are ordered and do not overlap)."""
    starts = [date.fromisoformat(entry["from"]) for entry in entries]
    index = bisect_right(starts, on) - 1
    if index < 0:
        return None
    entry = entries[index]
    until = entry.get("until")
    if until is not None and date.fromisoformat(until) < on:
        return None
    return entry


def _refuse_after_end(
    market: str, what: str, entries: Sequence[Mapping[str, Any]], on: date
) -> None:
    """LegalTermEndsError when ``on`` is after the last interval and the law ends it on its
    ``until`` (``ends_by_law``): what applies after is not in the bundle."""
    last = max(entries, key=lambda entry: entry["from"], default=None)
    if last is None or last.get("ends_by_law") is not True or not last.get("until"):
        return
    end = date.fromisoformat(last["until"])
    if on > end:
        raise LegalTermEndsError(
            market,
            f"records its {what} until {end.isoformat()}, the day the law ends it, and nothing "
            f"after: no answer for {on.isoformat()} (rebuild the bundle once the data records "
            "what applies next)",
            end,
        )


def _ultimate(data: Mapping[str, Any]) -> UltimatePeriod | None:
    ultimate = data.get("ultimate")
    if not ultimate:
        return None
    return UltimatePeriod(
        ultimate["years"], ultimate["counted_from"], LegalSource.of(ultimate.get("source"))
    )


def _limitation(data: Mapping[str, Any] | None) -> Limitation | None:
    if not data:
        return None
    return Limitation(
        data["years"], data.get("counted_from"), LegalSource.of(data.get("source")), _ultimate(data)
    )


class LegalTerms:
    """The warranty part of one bundle, answering by day and region."""

    __slots__ = ("_extension", "_guarantee", "_market", "_short", "_withdrawal")

    def __init__(self, market: str, warranty: Mapping[str, Any]) -> None:
        self._market = market
        self._guarantee: Sequence[Mapping[str, Any]] = warranty["legal_guarantee"]
        self._extension: Sequence[Mapping[str, Any]] = warranty.get("extension_after_repair", [])
        self._withdrawal: Sequence[Mapping[str, Any]] = warranty["withdrawal"]
        self._short: Sequence[Mapping[str, Any]] = warranty.get("short_term_reject", [])

    def legal_guarantee(self, on: date, region: str | None) -> LegalGuarantee:
        entry = _in_force(self._guarantee, on)
        if entry is None:
            _refuse_after_end(self._market, "legal guarantee", self._guarantee, on)
            raise NoLegalTermError(self._market, f"records no legal guarantee in force on {on}")
        regions: Mapping[str, Any] = entry.get("regions") or {}
        data: Mapping[str, Any] = entry
        source = entry.get("source")
        if region is not None and region in regions:
            data, source = regions[region], regions[region].get("source")
        elif region is None and regions:
            raise RegionRequiredError(
                self._market,
                f"gives a different legal guarantee in {', '.join(sorted(regions))}: "
                "pass region= (an ISO 3166-2 code) to legal_guarantee()",
            )
        valid_from, valid_until = _span(entry)
        return LegalGuarantee(
            form=data["form"],
            months=data.get("months"),
            years=data.get("years"),
            counted_from=data.get("counted_from"),
            limitation=_limitation(data.get("limitation")),
            second_hand_min_months=entry.get("second_hand_min_months"),
            source=LegalSource.of(source),
            region=region,
            valid_from=valid_from,
            valid_until=valid_until,
            ultimate=_ultimate(data),
            extension_after_repair=self._repair_extension(on),
        )

    def _repair_extension(self, on: date) -> RepairExtension | None:
        entry = _in_force(self._extension, on) if self._extension else None
        if entry is None:
            _refuse_after_end(self._market, "extension after repair", self._extension, on)
            return None
        valid_from, valid_until = _span(entry)
        return RepairExtension(
            entry["months"], LegalSource.of(entry.get("source")), valid_from, valid_until
        )

    def withdrawal(self, on: date) -> Withdrawal:
        entry = _in_force(self._withdrawal, on)
        if entry is None:
            _refuse_after_end(self._market, "withdrawal terms", self._withdrawal, on)
            raise NoLegalTermError(self._market, f"records no withdrawal terms in force on {on}")
        valid_from, valid_until = _span(entry)
        return Withdrawal(
            right=entry["right"],
            statutory=entry["statutory"],
            days=entry["days"],
            counted_from=entry["counted_from"],
            source=LegalSource.of(entry.get("source")),
            valid_from=valid_from,
            valid_until=valid_until,
        )

    def short_term_reject(self, on: date) -> ShortTermReject | None:
        entry = _in_force(self._short, on) if self._short else None
        if entry is None:
            _refuse_after_end(self._market, "short-term right to reject", self._short, on)
            return None
        valid_from, valid_until = _span(entry)
        return ShortTermReject(
            days=entry["days"],
            counted_from=entry["counted_from"],
            source=LegalSource.of(entry.get("source")),
            valid_from=valid_from,
            valid_until=valid_until,
        )
