"""Validity intervals (issue 3): parsing, history checks and the value in force on a day."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from marketctl.core.intervals import (
    HistoryProblem,
    Interval,
    Problem,
    check_history,
    entry_in_force,
    first_uncovered,
    parse_date,
    period_histories,
    rate_histories,
    stated_interval,
)


def span(start: str, end: str | None = None) -> dict[str, Any]:
    return {"from": start} if end is None else {"from": start, "until": end}


def problems(entries: list[dict[str, Any]]) -> list[tuple[Problem, int, str, str, str]]:
    return [
        (p.problem, p.index, p.key, p.message, p.hint)
        for p in check_history(entries, "rates.standard")
    ]


def test_parse_date_accepts_text_and_dates() -> None:
    assert parse_date("2022-05-01") == date(2022, 5, 1)
    assert parse_date(date(2022, 5, 1)) == date(2022, 5, 1)


@pytest.mark.parametrize("value", ["20220501", "2022-5-1", "2022-02-30", None, 20220501])
def test_parse_date_refuses_anything_else(value: object) -> None:
    with pytest.raises(ValueError):
        parse_date(value)


def test_interval_bounds_are_inclusive() -> None:
    closed = Interval.of(span("2022-01-01", "2022-12-31"))

    assert closed.contains(date(2022, 1, 1))
    assert closed.contains(date(2022, 12, 31))
    assert not closed.contains(date(2023, 1, 1))
    assert not closed.contains(date(2021, 12, 31))
    assert Interval.of(span("2022-01-01")).contains(date(2999, 1, 1))
    assert str(closed) == "from 2022-01-01 until 2022-12-31"
    assert str(Interval(date(2022, 1, 1))) == "from 2022-01-01"


def test_interval_intersection() -> None:
    year = Interval(date(2022, 1, 1), date(2022, 12, 31))

    assert year.intersection(Interval(date(2022, 12, 31))) == Interval(
        date(2022, 12, 31), date(2022, 12, 31)
    )
    assert year.intersection(Interval(date(2023, 1, 1))) is None
    assert not year.overlaps(Interval(date(2023, 1, 1)))
    assert Interval(date(2020, 1, 1)).intersection(Interval(date(2021, 1, 1))) == Interval(
        date(2021, 1, 1)
    )


def test_a_clean_history_has_no_problems() -> None:
    assert problems([span("2014-04-01", "2019-09-30"), span("2019-10-01")]) == []
    assert problems([span("2019-10-01")]) == []


def test_out_of_order() -> None:
    assert problems([span("2019-10-01"), span("2014-04-01", "2019-09-30")]) == [
        (
            Problem.ORDER,
            1,
            "from",
            "rates.standard: the interval from 2014-04-01 is listed after the one from 2019-10-01",
            "list the history oldest first",
        ),
    ]


def test_ends_before_it_starts() -> None:
    assert problems([span("2014-04-01", "2013-09-30"), span("2014-10-01")]) == [
        (
            Problem.ORDER,
            0,
            "until",
            "rates.standard: the interval from 2014-04-01 ends on 2013-09-30, before it starts",
            "until is the last day in force: write a date on or after from",
        ),
    ]


def test_overlap_by_one_day() -> None:
    # until is inclusive: ending on the day the next one starts is an overlap.
    assert problems([span("2014-04-01", "2019-10-01"), span("2019-10-01")]) == [
        (
            Problem.OVERLAP,
            1,
            "from",
            "rates.standard: the interval from 2019-10-01 overlaps the one from 2014-04-01 until "
            "2019-10-01",
            "start it on 2019-10-02, or end the earlier one on 2019-09-30",
        ),
    ]


def test_gap() -> None:
    assert problems([span("2014-04-01", "2019-09-30"), span("2019-11-01")]) == [
        (
            Problem.GAP,
            1,
            "from",
            "rates.standard: nothing is in force from 2019-10-01 to 2019-10-31",
            "start this interval on 2019-10-01, or add the interval in force in between",
        ),
    ]


def test_no_open_interval() -> None:
    assert problems([span("2014-04-01", "2019-09-30")]) == [
        (
            Problem.CURRENT,
            0,
            "until",
            "rates.standard: no interval is open-ended, so nothing is in force after 2019-09-30",
            "remove until from the interval in force now, or add the next interval without until",
        ),
    ]


def test_two_open_intervals() -> None:
    assert problems([span("2014-04-01"), span("2019-10-01")]) == [
        (
            Problem.CURRENT,
            0,
            "from",
            "rates.standard: the interval from 2014-04-01 has no until, but a later one starts on "
            "2019-10-01",
            "end it with until: 2019-09-30; only the latest interval is open-ended",
        ),
    ]


def test_out_of_order_is_not_also_reported_as_overlap_or_gap() -> None:
    history = [
        span("2019-10-01"),
        span("2014-04-01", "2019-09-30"),
        span("1997-04-01", "2014-03-31"),
    ]

    assert [(p.problem, p.index) for p in check_history(history, "x")] == [
        (Problem.ORDER, 1),
        (Problem.ORDER, 2),
    ]


def test_problems_are_values() -> None:
    found = check_history([span("2014-04-01", "2019-09-30")], "withdrawal")

    assert isinstance(found[0], HistoryProblem)
    with pytest.raises(AttributeError):
        found[0].index = 3  # type: ignore[misc]


def test_entry_in_force() -> None:
    history = [span("2014-04-01", "2019-09-30"), span("2019-10-01")]

    assert entry_in_force(history, date(2019, 9, 30)) == history[0]
    assert entry_in_force(history, date(2019, 10, 1)) == history[1]
    assert entry_in_force(history, date(2014, 3, 31)) is None


def test_first_uncovered() -> None:
    cover = [Interval(date(1995, 1, 1), date(2006, 12, 31)), Interval(date(2007, 1, 1))]

    assert first_uncovered(Interval(date(2000, 1, 1)), cover) is None
    assert first_uncovered(Interval(date(1990, 1, 1)), cover) == date(1990, 1, 1)
    assert first_uncovered(Interval(date(2000, 1, 1)), cover[:1]) == date(2007, 1, 1)
    assert first_uncovered(Interval(date(2000, 1, 1), date(2006, 12, 31)), cover[:1]) is None
    assert first_uncovered(Interval(date(2000, 1, 1)), []) == date(2000, 1, 1)
    holed = [Interval(date(1995, 1, 1), date(1999, 12, 31)), Interval(date(2001, 1, 1))]
    assert first_uncovered(Interval(date(1996, 1, 1)), holed) == date(2000, 1, 1)


def test_stated_interval_without_from_starts_today() -> None:
    today = date(2026, 11, 26)

    assert stated_interval({"value": True}, today) == Interval(today)
    assert stated_interval(span("2004-07-01"), today) == Interval(date(2004, 7, 1))
    assert stated_interval({"until": "2020-12-31"}, today) == Interval(
        date(2020, 12, 31), date(2020, 12, 31)
    )


def test_rate_and_period_histories() -> None:
    tax = {
        "rates": {"standard": [span("2008-01-01")]},
        "regions": {"CA-QC": {"taxes": {"qst": [span("2013-01-01")]}}, "CA-AB": {"taxes": {}}},
    }
    warranty = {
        "legal_guarantee": [span("2022-01-01")],
        "withdrawal": [span("2014-06-13")],
        "commercial_warranty": {"months": 12},
    }

    assert [path for path, _ in rate_histories(tax)] == [
        ("rates", "standard"),
        ("regions", "CA-QC", "taxes", "qst"),
    ]
    assert [path for path, _ in period_histories(warranty)] == [
        ("legal_guarantee",),
        ("withdrawal",),
    ]
