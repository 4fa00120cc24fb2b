"""Validity intervals: the dated history of a tax rate, a legal period or a legal floor.

An interval runs from ``from`` (the first day in force) to ``until`` (the last day in force), both
inclusive; the interval in force now has no ``until`` (docs/file-formats.md). A history is a list
of intervals, oldest first, each starting the day after the previous one ends, the latest one
open-ended: history is kept, not overwritten, so a service can price an order placed before a
change.

validate checks histories with :func:`check_history`; the bundle compiler and the runtime find
the entry for a day with :func:`entry_in_force`. Nothing here knows about findings or markets.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any, TypeVar

ONE_DAY = timedelta(days=1)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

T = TypeVar("T")
Path = tuple[str | int, ...]


def parse_date(value: object) -> date:
    """A ``YYYY-MM-DD`` date as a market file keeps it (text) or a YAML library loads it (date)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.match(value):
        return date.fromisoformat(value)
    raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")


def date_or_none(value: object) -> date | None:
    """:func:`parse_date`, or None where ``value`` is absent or not a date (what validate
    reports elsewhere): for readers that show what is there, such as the report."""
    try:
        return None if value is None else parse_date(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class Interval:
    """The days from ``start`` to ``end``, both inclusive; ``end`` None: still in force."""

    start: date
    end: date | None = None

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> Interval:
        """The interval of a history entry: its ``from`` and optional ``until``."""
        until = entry.get("until")
        return cls(parse_date(entry["from"]), None if until is None else parse_date(until))

    @property
    def is_open(self) -> bool:
        return self.end is None

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def overlaps(self, other: Interval) -> bool:
        return self.intersection(other) is not None

    def intersection(self, other: Interval) -> Interval | None:
        start = max(self.start, other.start)
        ends = [end for end in (self.end, other.end) if end is not None]
        end = min(ends) if ends else None
        if end is not None and end < start:
            return None
        return Interval(start, end)

    def __str__(self) -> str:
        if self.end is None:
            return f"from {self.start}"
        return f"from {self.start} until {self.end}"


class Problem(enum.Enum):
    """What can be wrong with a history; each kind is its own rule code."""

    ORDER = "order"  # not oldest first, or an interval that ends before it starts
    OVERLAP = "overlap"  # two intervals in force on the same day
    GAP = "gap"  # days on which no interval is in force
    CURRENT = "current"  # no open-ended interval, or one that is not the latest


@dataclass(frozen=True)
class HistoryProblem:
    """One problem in a history: the entry and key (``from``/``until``) it is about."""

    problem: Problem
    index: int
    key: str
    message: str
    hint: str


def check_history(
    entries: Sequence[Mapping[str, Any]], name: str, today: date | None = None
) -> list[HistoryProblem]:
    """Every order, overlap, gap and current-interval problem of one history.

    The latest interval may end without a successor where the law ends the value on that day
    (``ends_by_law: true``): the days after are unknown, not uncovered. Once ``today`` (when
    given) is past that end, nothing is recorded for today: a current-interval problem again.

    ``name`` starts each message (``rates.standard: ...``; none when empty). Overlaps and gaps are
    judged on the history sorted by ``from``, so that a list written out of order is reported once
    as out of order, not again as a chain of overlaps.
    """
    spans = [Interval.of(entry) for entry in entries]
    prefix = f"{name}: " if name else ""
    problems: list[HistoryProblem] = []
    for index, span in enumerate(spans):
        if span.end is not None and span.end < span.start:
            problems.append(
                HistoryProblem(
                    Problem.ORDER,
                    index,
                    "until",
                    f"{prefix}the interval from {span.start} ends on {span.end}, before it starts",
                    "until is the last day in force: write a date on or after from",
                )
            )
    for index, (before, after) in enumerate(pairwise(spans), start=1):
        if after.start < before.start:
            problems.append(
                HistoryProblem(
                    Problem.ORDER,
                    index,
                    "from",
                    f"{prefix}the interval from {after.start} is listed after the one from "
                    f"{before.start}",
                    "list the history oldest first",
                )
            )
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, i))
    for earlier, later in pairwise(order):
        first, second = spans[earlier], spans[later]
        if first.end is None or first.end < first.start:
            continue  # reported as a second open interval, or as an interval that ends too early
        if second.start <= first.end:
            problems.append(
                HistoryProblem(
                    Problem.OVERLAP,
                    later,
                    "from",
                    f"{prefix}the interval from {second.start} overlaps the one {first}",
                    f"start it on {first.end + ONE_DAY}, or end the earlier one on "
                    f"{second.start - ONE_DAY}",
                )
            )
        elif second.start > first.end + ONE_DAY:
            problems.append(
                HistoryProblem(
                    Problem.GAP,
                    later,
                    "from",
                    f"{prefix}nothing is in force from {first.end + ONE_DAY} to "
                    f"{second.start - ONE_DAY}",
                    f"start this interval on {first.end + ONE_DAY}, or add the interval in force "
                    "in between",
                )
            )
    if not order:
        return problems
    latest = order[-1]
    for earlier, later in pairwise(order):
        if spans[earlier].end is None:
            problems.append(
                HistoryProblem(
                    Problem.CURRENT,
                    earlier,
                    "from",
                    f"{prefix}the interval from {spans[earlier].start} has no until, "
                    f"but a later one starts on {spans[later].start}",
                    f"end it with until: {spans[later].start - ONE_DAY}; only the latest interval "
                    "is open-ended",
                )
            )
    last = spans[latest]
    if last.end is not None and entries[latest].get("ends_by_law") is True:
        if today is not None and last.end < today:
            problems.append(
                HistoryProblem(
                    Problem.CURRENT,
                    latest,
                    "until",
                    f"{prefix}the law ended this value on {last.end} and no interval follows, "
                    "so nothing is in force today",
                    "add the interval in force since then, with its source",
                )
            )
    elif last.end is not None:
        problems.append(
            HistoryProblem(
                Problem.CURRENT,
                latest,
                "until",
                f"{prefix}no interval is open-ended, so nothing is in force after {last.end}",
                "remove until from the interval in force now, "
                "or add the next interval without until",
            )
        )
    rank = {kind: position for position, kind in enumerate(Problem)}
    return sorted(problems, key=lambda p: (p.index, p.key, rank[p.problem]))


def in_force(items: Iterable[T], day: date, interval: Callable[[T], Interval]) -> T | None:
    """The item in force on ``day``; in a history with overlaps, the one that started last."""
    found: T | None = None
    found_start: date | None = None
    for item in items:
        span = interval(item)
        if span.contains(day) and (found_start is None or span.start >= found_start):
            found, found_start = item, span.start
    return found


def entry_in_force(entries: Sequence[Mapping[str, Any]], day: date) -> Mapping[str, Any] | None:
    """The entry of a market-file history (``from``/``until``) in force on ``day``."""
    return in_force(entries, day, Interval.of)


def first_uncovered(span: Interval, cover: Iterable[Interval]) -> date | None:
    """The first day of ``span`` on which none of ``cover`` is in force, or None."""
    day: date | None = span.start
    for piece in sorted(cover, key=lambda c: c.start):
        if day is None or (span.end is not None and day > span.end):
            return None
        if piece.start > day:
            break
        if piece.contains(day):
            day = None if piece.end is None else piece.end + ONE_DAY
    if day is None or (span.end is not None and day > span.end):
        return None
    return day


def rate_histories(tax: Mapping[str, Any]) -> Iterator[tuple[Path, list[Mapping[str, Any]]]]:
    """Every rate history of a resolved tax.yaml: national rates, then regional components."""
    rates = tax.get("rates")
    if isinstance(rates, Mapping):
        for kind, entries in rates.items():
            if isinstance(entries, list):
                yield ("rates", kind), entries
    regions = tax.get("regions")
    if isinstance(regions, Mapping):
        for code, region in regions.items():
            taxes = region.get("taxes") if isinstance(region, Mapping) else None
            if isinstance(taxes, Mapping):
                for component, entries in taxes.items():
                    if isinstance(entries, list):
                        yield ("regions", code, "taxes", component), entries


WARRANTY_PERIODS = (
    "legal_guarantee",
    "burden_of_proof",
    "extension_after_repair",
    "withdrawal",
    "short_term_reject",
)


def period_histories(
    warranty: Mapping[str, Any],
) -> Iterator[tuple[Path, list[Mapping[str, Any]]]]:
    """Every legal-period history of a resolved warranty.yaml."""
    for period in WARRANTY_PERIODS:
        entries = warranty.get(period)
        if isinstance(entries, list):
            yield (period,), entries


def path_name(path: Path) -> str:
    """``("rates", "standard")`` as people write it: ``rates.standard``."""
    return ".".join(str(part) for part in path)


def stated_interval(entry: Mapping[str, Any], today: date) -> Interval:
    """The days a single dated fact (``prices_include_tax``, ``margin_scheme``) speaks for.

    ``from`` and ``until`` when written; a fact without ``from`` is a statement about now, so it
    is taken to start today (or on its ``until``, if that has passed).
    """
    until = entry.get("until")
    end = None if until is None else parse_date(until)
    if entry.get("from") is not None:
        start = parse_date(entry["from"])
    else:
        start = today if end is None or end >= today else end
    return Interval(start, end)
