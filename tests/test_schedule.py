"""marketctl.reference.schedule: local step times to UTC, DST gaps and folds, the share at an
instant."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from marketctl.reference.schedule import (
    LocalTimeError,
    PercentError,
    ScheduleError,
    Step,
    StepOrderError,
    UnknownTimeZoneError,
    as_percent,
    closest_zone,
    compile_rollout,
    compile_steps,
    load_zone,
    local_to_utc,
    percent_at,
    percent_decimals,
    rollout_zone_name,
    start_of_day,
)

STOCKHOLM = load_zone("Europe/Stockholm")
TORONTO = load_zone("America/Toronto")
TOKYO = load_zone("Asia/Tokyo")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def failure(text: str, zone_name: str) -> LocalTimeError:
    with pytest.raises(LocalTimeError) as caught:
        local_to_utc(text, load_zone(zone_name))
    return caught.value


# --- local times to UTC ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-12-01T09:00", "Asia/Tokyo", "2026-12-01T00:00"),
        ("2026-01-12T08:00", "Europe/Stockholm", "2026-01-12T07:00"),  # CET, UTC+1
        ("2026-05-04T09:00", "Europe/Stockholm", "2026-05-04T07:00"),  # CEST, UTC+2
        ("2026-09-14T09:00", "America/Toronto", "2026-09-14T13:00"),  # EDT, UTC-4
        ("2027-03-01T09:00", "America/Toronto", "2027-03-01T14:00"),  # EST, UTC-5
        ("2026-12-01T09:00:30", "Asia/Tokyo", "2026-12-01T00:00:30"),  # seconds are allowed
        # Either side of the gap and of the fold: these happen exactly once.
        ("2026-03-29T01:59", "Europe/Stockholm", "2026-03-29T00:59"),
        ("2026-03-29T03:00", "Europe/Stockholm", "2026-03-29T01:00"),
        ("2026-10-25T01:59", "Europe/Stockholm", "2026-10-24T23:59"),
        ("2026-10-25T03:00", "Europe/Stockholm", "2026-10-25T02:00"),
        ("2026-03-08T01:59", "America/Toronto", "2026-03-08T06:59"),
        ("2026-03-08T03:00", "America/Toronto", "2026-03-08T07:00"),
        ("2026-11-01T00:59", "America/Toronto", "2026-11-01T04:59"),
        ("2026-11-01T02:00", "America/Toronto", "2026-11-01T07:00"),
    ],
)
def test_local_to_utc(text: str, zone: str, expected: str) -> None:
    result = local_to_utc(text, load_zone(zone))
    assert result == utc(expected)
    assert result.tzinfo is UTC


def test_stockholm_gap() -> None:
    error = failure("2026-03-29T02:30", "Europe/Stockholm")
    assert (error.kind, error.text, error.zone) == ("gap", "2026-03-29T02:30", "Europe/Stockholm")
    assert str(error) == (
        "2026-03-29T02:30 does not exist in Europe/Stockholm: at 02:00 the clocks go forward "
        "1 hour to 03:00 (UTC+01:00 to UTC+02:00)"
    )
    assert error.alternatives == ("2026-03-29T01:30", "2026-03-29T03:30")


def test_stockholm_fold() -> None:
    error = failure("2026-10-25T02:30", "Europe/Stockholm")
    assert error.kind == "fold"
    assert str(error) == (
        "2026-10-25T02:30 happens twice in Europe/Stockholm: at 03:00 the clocks go back "
        "1 hour to 02:00 (UTC+02:00 to UTC+01:00)"
    )
    assert error.alternatives == ("2026-10-25T01:30", "2026-10-25T03:30")


def test_toronto_gap() -> None:
    error = failure("2026-03-08T02:30", "America/Toronto")
    assert error.kind == "gap"
    assert str(error) == (
        "2026-03-08T02:30 does not exist in America/Toronto: at 02:00 the clocks go forward "
        "1 hour to 03:00 (UTC-05:00 to UTC-04:00)"
    )
    assert error.alternatives == ("2026-03-08T01:30", "2026-03-08T03:30")


def test_toronto_fold() -> None:
    error = failure("2026-11-01T01:30", "America/Toronto")
    assert error.kind == "fold"
    assert str(error) == (
        "2026-11-01T01:30 happens twice in America/Toronto: at 02:00 the clocks go back "
        "1 hour to 01:00 (UTC-04:00 to UTC-05:00)"
    )
    assert error.alternatives == ("2026-11-01T00:30", "2026-11-01T02:30")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # The first and last minute of each gap and fold; the minute after is fine (above).
        ("2026-03-29T02:00", "gap"),
        ("2026-03-29T02:59", "gap"),
        ("2026-10-25T02:00", "fold"),
        ("2026-10-25T02:59", "fold"),
        ("2026-10-25T02:59:59", "fold"),
    ],
)
def test_stockholm_edges(text: str, kind: str) -> None:
    assert failure(text, "Europe/Stockholm").kind == kind


def test_half_hour_fold() -> None:
    # Lord Howe Island moves its clocks by 30 minutes.
    error = failure("2026-04-05T01:45", "Australia/Lord_Howe")
    assert error.kind == "fold"
    assert str(error) == (
        "2026-04-05T01:45 happens twice in Australia/Lord_Howe: at 02:00 the clocks go back "
        "30 minutes to 01:30 (UTC+11:00 to UTC+10:30)"
    )
    assert error.alternatives == ("2026-04-05T01:15", "2026-04-05T02:15")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2026-02-30T09:00",
            "2026-02-30T09:00 is not a real date and time (day is out of range for month)",
        ),
        (
            "2026-01-01T24:00",
            "2026-01-01T24:00 is not a real date and time (hour must be in 0..23)",
        ),
        ("2026-1-1T09:00", "'2026-1-1T09:00' is not a local date and time YYYY-MM-DDTHH:MM"),
        ("2026-01-01 09:00", "'2026-01-01 09:00' is not a local date and time YYYY-MM-DDTHH:MM"),
        ("2026-01-01T09:00Z", "'2026-01-01T09:00Z' is not a local date and time YYYY-MM-DDTHH:MM"),
    ],
)
def test_invalid_local_time(text: str, message: str) -> None:
    error = failure(text, "Asia/Tokyo")
    assert (error.kind, str(error), error.alternatives) == ("invalid", message, ())
    assert error.zone == "Asia/Tokyo"


# --- time zones --------------------------------------------------------------------------------


def test_unknown_zone_suggests_the_closest() -> None:
    with pytest.raises(UnknownTimeZoneError) as caught:
        load_zone("Europe/Stokholm")
    assert str(caught.value) == "'Europe/Stokholm' is not an IANA time zone"
    assert caught.value.suggestion == "Europe/Stockholm"
    assert closest_zone("europe/stockholm") == "Europe/Stockholm"
    assert closest_zone("Mars/Olympus_Mons") is None


@pytest.mark.parametrize("name", ["localtime", "posixrules", "Factory", "", "../etc/passwd"])
def test_names_that_are_not_places(name: str) -> None:
    # localtime is this machine's zone: a rollout must mean the same instant on every machine.
    with pytest.raises(UnknownTimeZoneError):
        load_zone(name)


def test_rollout_zone_name() -> None:
    market = {"timezones": ["America/Toronto", "America/Vancouver"]}
    assert rollout_zone_name({"timezone": "America/Halifax"}, market) == "America/Halifax"
    assert rollout_zone_name({"features": {}}, market) == "America/Toronto"
    assert rollout_zone_name({}, {}) is None


def test_start_of_day() -> None:
    assert start_of_day("2026-06-01", TOKYO) == utc("2026-05-31T15:00")
    assert start_of_day(date(2026, 3, 29), STOCKHOLM) == utc("2026-03-28T23:00")
    # Chile moves its clocks at midnight: 2026-09-06 begins at 01:00 local, 04:00 UTC.
    assert start_of_day("2026-09-06", load_zone("America/Santiago")) == utc("2026-09-06T04:00")


# --- percentages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals"),
    [
        (25, 0),
        (Decimal("12.5"), 1),
        (Decimal("12.500"), 1),
        (Decimal("9.975"), 3),
        (Decimal("0.0005"), 4),
        (Decimal("1E+2"), 0),
    ],
)
def test_percent_decimals(value: Decimal | int, decimals: int) -> None:
    assert percent_decimals(value) == decimals


def test_as_percent() -> None:
    assert as_percent(10) == Decimal(10)
    assert as_percent(Decimal("0.125")) == Decimal("0.125")
    with pytest.raises(PercentError, match=r"^percent 0.0005 has 4 decimals, at most 3"):
        as_percent(Decimal("0.0005"))
    with pytest.raises(PercentError, match=r"^percent nan is not a number$"):
        as_percent(float("nan"))
    with pytest.raises(PercentError, match=r"^percent 100.5 is outside 0 to 100$"):
        as_percent(Decimal("100.5"))
    with pytest.raises(TypeError):
        as_percent(0.5)  # a binary float is not the decimal someone wrote
    with pytest.raises(TypeError):
        as_percent(True)


# --- steps and the share in force ------------------------------------------------------------

BUYBACK: list[dict[str, Any]] = [
    {"at": "2026-12-01T09:00", "percent": 10},
    {"at": "2027-01-15T09:00", "percent": 50},
    {"at": "2027-02-01T09:00", "percent": Decimal("5"), "rollback": True, "reason": "INC-231"},
]


def test_compile_steps() -> None:
    assert compile_steps(BUYBACK, TOKYO) == [
        Step(utc("2026-12-01T00:00"), Decimal(10), local="2026-12-01T09:00"),
        Step(utc("2027-01-15T00:00"), Decimal(50), local="2027-01-15T09:00"),
        Step(utc("2027-02-01T00:00"), Decimal(5), True, "INC-231", "2027-02-01T09:00"),
    ]


def test_percent_at() -> None:
    steps = compile_steps(BUYBACK, TOKYO)
    assert percent_at(steps, utc("2026-11-30T23:59:59")) == 0
    assert percent_at(steps, utc("2026-12-01T00:00")) == 10  # in force from its own instant
    assert percent_at(steps, utc("2027-01-14T23:59")) == 10
    assert percent_at(steps, utc("2027-01-15T00:00")) == 50
    assert percent_at(steps, utc("2030-01-01T00:00")) == 5
    assert percent_at([], utc("2030-01-01T00:00")) == 0
    with pytest.raises(ValueError, match="has no time zone"):
        percent_at(steps, datetime(2027, 1, 1))


def test_percent_at_across_dst() -> None:
    # 2026-10-25T03:00 in Stockholm is 02:00 UTC, not 01:00: the fold is handled.
    steps = compile_steps([{"at": "2026-10-25T03:00", "percent": 100}], STOCKHOLM)
    assert percent_at(steps, utc("2026-10-25T01:59")) == 0
    assert percent_at(steps, utc("2026-10-25T02:00")) == 100


def test_compile_steps_refuses_steps_out_of_order() -> None:
    steps = [*BUYBACK[:2], {"at": "2027-01-15T09:00:00", "percent": 60}]
    with pytest.raises(StepOrderError) as caught:
        compile_steps(steps, TOKYO)
    assert caught.value.index == 2
    assert str(caught.value) == (
        "step at 2027-01-15T09:00:00 does not start after the step before it (2027-01-15T09:00)"
    )


def test_compile_steps_reports_which_step() -> None:
    steps = [BUYBACK[0], {"at": "2026-03-29T02:30", "percent": 20}]
    with pytest.raises(LocalTimeError) as caught:
        compile_steps(steps, STOCKHOLM)
    assert (caught.value.index, caught.value.kind) == (1, "gap")
    with pytest.raises(PercentError) as percent:
        compile_steps([BUYBACK[0], {"at": "2027-01-01T00:00", "percent": Decimal("1.2345")}], TOKYO)
    assert percent.value.index == 1


def test_compile_rollout() -> None:
    rollout = {"timezone": "America/Toronto", "features": {"buyback": BUYBACK[:1]}}
    assert compile_rollout(rollout, {"timezones": ["America/Vancouver"]}) == {
        "buyback": [Step(utc("2026-12-01T14:00"), Decimal(10), local="2026-12-01T09:00")]
    }
    broken = {
        "features": {"instant_quote": [], "buyback": [{"at": "2026-11-01T01:30", "percent": 1}]}
    }
    with pytest.raises(LocalTimeError) as caught:
        compile_rollout(broken, {"timezones": ["America/Toronto"]})
    assert (caught.value.feature, caught.value.index, caught.value.kind) == ("buyback", 0, "fold")
    with pytest.raises(ScheduleError, match="no rollout time zone"):
        compile_rollout({"features": {}}, {})
