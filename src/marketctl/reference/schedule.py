"""Rollout schedules: local step times to UTC instants, and the share in force at an instant.

This is the one place that interprets rollout steps. Step times are written in the market's own
IANA time zone and bundles hold UTC instants; DST is handled here, at compile time, so no
service has to know the market's zone rules. The MKT6xx rules check schedules with it and the bundle
compiler writes UTC instants with it, so validate and build never disagree about when a step
starts.

The rollout time zone is ``timezone:`` in rollout.yaml, else the market's first time zone
(docs/file-formats.md). A local time ``YYYY-MM-DDTHH:MM`` (``:SS`` allowed) becomes a UTC instant
exactly, with PEP 495 semantics: it is read with ``fold=0`` and ``fold=1`` and each result is
converted back to local time. The instants that read back as the written wall time are the
instants it can mean:

- one instant: the time exists once, that is the answer;
- none: the time falls in a gap (the clocks jumped forward over it, 02:30 on the night summer
  time starts in Europe/Stockholm);
- two: the time falls in a fold (the clocks went back and it happened twice, 02:30 on the night
  summer time ends).

A gap or a fold is an error (:class:`LocalTimeError`), never a guess: an hour's difference in a
rollout is an hour of customers seeing a feature nobody meant them to see.

Time zone data comes from the pinned ``tzdata`` package (:mod:`marketctl.reference.tz`), never the
machine's own tz database, so every machine compiles the same instants.
Standard library only, so the runtime may import it too.
"""

from __future__ import annotations

import difflib
import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from marketctl.reference import tz

__all__ = [
    "MAX_PERCENT_DECIMALS",
    "LocalTimeError",
    "LocalTimeKind",
    "PercentError",
    "ScheduleError",
    "Step",
    "StepOrderError",
    "UnknownTimeZoneError",
    "as_percent",
    "closest_zone",
    "compile_rollout",
    "compile_step",
    "compile_steps",
    "format_local",
    "known_zones",
    "load_zone",
    "local_to_utc",
    "parse_local",
    "percent_at",
    "percent_decimals",
    "rollout_zone",
    "rollout_zone_name",
    "start_of_day",
]

#: A share is exact to a thousandth of a percent (docs/file-formats.md, rollout.schema.json).
MAX_PERCENT_DECIMALS = 3

LocalTimeKind = Literal["invalid", "gap", "fold"]

_LOCAL_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$")

# Names the tz database ships that are not places: the machine's own zone (differs per
# machine), the template for POSIX TZ strings, and "Factory" (the "-00" zone for unset clocks).


class ScheduleError(ValueError):
    """A rollout schedule that cannot be turned into UTC steps.

    ``feature`` and ``index`` say which step, when known (set by :func:`compile_steps` and
    :func:`compile_rollout`).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.feature: str | None = None
        self.index: int | None = None


class UnknownTimeZoneError(ScheduleError):
    """A name that is not an IANA time zone in the tz database."""

    def __init__(self, name: str) -> None:
        super().__init__(f"'{name}' is not an IANA time zone")
        self.name = name
        self.suggestion = closest_zone(name)


class LocalTimeError(ScheduleError):
    """A local time that is not a real date and time (``invalid``), never happens in the zone
    (``gap``) or happens twice (``fold``).

    ``alternatives`` are nearby local times that happen exactly once: the written time moved
    back and forward by the size of the change (for 02:30 in a one-hour gap or fold: 01:30 and
    03:30).
    """

    def __init__(
        self,
        text: str,
        zone: str,
        kind: LocalTimeKind,
        message: str,
        alternatives: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.text = text
        self.zone = zone
        self.kind: LocalTimeKind = kind
        self.alternatives = alternatives


class PercentError(ScheduleError):
    """A share that is not a finite number from 0 to 100 with at most 3 decimals."""


class StepOrderError(ScheduleError):
    """A step that does not start strictly after the step before it."""


@dataclass(frozen=True)
class Step:
    """One rollout step, as the bundle holds it: from ``at_utc`` on, ``percent`` of units."""

    at_utc: datetime
    percent: Decimal
    rollback: bool = False
    reason: str | None = None
    local: str = ""


def known_zones() -> frozenset[str]:
    """Every IANA time zone name of the pinned tz data (links such as ``US/Eastern``
    included), without the names that are not places."""
    return tz.zone_names()


def closest_zone(name: str) -> str | None:
    """The known zone a mistyped name most likely meant, or None."""
    zones = sorted(known_zones())
    folded = {zone.lower(): zone for zone in zones}
    exact = folded.get(name.strip().lower())
    if exact is not None:
        return exact
    guess = difflib.get_close_matches(name, zones, n=1, cutoff=0.75)
    return guess[0] if guess else None


def load_zone(name: str) -> ZoneInfo:
    """The time zone called ``name``; UnknownTimeZoneError for anything else."""
    try:
        return tz.zone(name)
    except KeyError:
        raise UnknownTimeZoneError(name) from None


def rollout_zone_name(rollout: Mapping[str, Any], market: Mapping[str, Any]) -> str | None:
    """The zone a market's step times are written in: ``timezone:`` in rollout.yaml, else the
    market's first time zone. None when neither is written."""
    explicit = rollout.get("timezone")
    if isinstance(explicit, str):
        return explicit
    zones = market.get("timezones")
    if isinstance(zones, list) and zones and isinstance(zones[0], str):
        return zones[0]
    return None


def rollout_zone(rollout: Mapping[str, Any], market: Mapping[str, Any]) -> ZoneInfo:
    """The loaded rollout time zone (see :func:`rollout_zone_name`)."""
    name = rollout_zone_name(rollout, market)
    if name is None:
        raise ScheduleError(
            "no rollout time zone: rollout.yaml has no timezone and the market no timezones"
        )
    return load_zone(name)


def parse_local(text: str) -> datetime:
    """A naive local date and time from ``YYYY-MM-DDTHH:MM`` or ``YYYY-MM-DDTHH:MM:SS``."""
    match = _LOCAL_TIME.match(text)
    if match is None:
        raise LocalTimeError(
            text, "", "invalid", f"'{text}' is not a local date and time YYYY-MM-DDTHH:MM"
        )
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError as error:
        raise LocalTimeError(
            text, "", "invalid", f"{text} is not a real date and time ({error})"
        ) from None


def format_local(moment: datetime) -> str:
    """A naive local time written the way rollout.yaml writes it."""
    pattern = "%Y-%m-%dT%H:%M:%S" if moment.second else "%Y-%m-%dT%H:%M"
    return moment.strftime(pattern)


# Every rule on a rollout, in every environment, reads each step's instant, and most steps of a
# repository share a few times: 36,000 conversions of a handful of texts for 1,000 features in
# three markets, a third of validate. Errors are not kept (each raise makes its own).
@lru_cache(maxsize=8192)
def local_to_utc(text: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local time in ``zone``; LocalTimeError when the time is not a real
    date and time, falls in a DST gap or in a DST fold (see the module docstring)."""
    try:
        naive = parse_local(text)
    except LocalTimeError as error:
        error.zone = zone.key
        raise
    try:
        meanings, before, after = _readings(naive, zone)
    except OverflowError:
        raise LocalTimeError(
            text, zone.key, "invalid", f"{text} is outside the range of dates marketctl handles"
        ) from None
    if len(meanings) == 1:
        return meanings[0]
    shift = abs(after - before)
    alternatives = tuple(
        format_local(candidate)
        for candidate in (naive - shift, naive + shift)
        # Another transition nearby could make a candidate ambiguous too: offer only times
        # that happen exactly once.
        if len(_readings(candidate, zone)[0]) == 1
    )
    switch = _transition(naive, before, after, zone)
    clocks = (
        f"at {_wall(switch + before)} the clocks go {'forward' if after > before else 'back'} "
        f"{_duration(shift)} to {_wall(switch + after)} ({_offset(before)} to {_offset(after)})"
    )
    if not meanings:
        message = f"{text} does not exist in {zone.key}: {clocks}"
        raise LocalTimeError(text, zone.key, "gap", message, alternatives)
    message = f"{text} happens twice in {zone.key}: {clocks}"
    raise LocalTimeError(text, zone.key, "fold", message, alternatives)


def start_of_day(day: date | str, zone: ZoneInfo) -> datetime:
    """The first instant of a local calendar day, in UTC.

    When midnight falls in a gap that is the moment the clocks jump (fold=0 reads the gap with
    the offset before it); when it falls in a fold, its first occurrence.
    """
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def percent_decimals(value: Decimal | int) -> int:
    """How many decimals a share needs: 12.5 -> 1, 12.500 -> 1, 0.125 -> 3, 25 -> 0."""
    if isinstance(value, int):
        return 0
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def as_percent(value: object) -> Decimal:
    """A step's ``percent`` as an exact Decimal; PercentError unless it is a finite number from
    0 to 100 with at most :data:`MAX_PERCENT_DECIMALS` decimals."""
    if isinstance(value, float) and not math.isfinite(value):
        raise PercentError(f"percent {value} is not a number")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        # A binary float is not the decimal that was written; YAML fractions load as Decimal.
        raise TypeError(f"percent must be a Decimal or an int, got {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise PercentError(f"percent {value} is not a number")
    if not 0 <= number <= 100:
        raise PercentError(f"percent {value} is outside 0 to 100")
    if percent_decimals(number) > MAX_PERCENT_DECIMALS:
        raise PercentError(
            f"percent {value} has {percent_decimals(number)} decimals, at most "
            f"{MAX_PERCENT_DECIMALS} are allowed"
        )
    return number


def compile_step(raw: Mapping[str, Any], zone: ZoneInfo) -> Step:
    """One step as written in rollout.yaml (``at``, ``percent``, optional ``rollback`` and
    ``reason``) to a :class:`Step` with its UTC instant."""
    text = raw["at"]
    reason = raw.get("reason")
    return Step(
        at_utc=local_to_utc(text, zone),
        percent=as_percent(raw["percent"]),
        rollback=raw.get("rollback") is True,
        reason=reason if isinstance(reason, str) else None,
        local=text,
    )


def compile_steps(steps: Iterable[Mapping[str, Any]], zone: ZoneInfo) -> list[Step]:
    """A feature's steps in UTC, strictly increasing in time.

    Raises the first problem (LocalTimeError, PercentError or StepOrderError) with ``index``
    set to the step's position in the list.
    """
    compiled: list[Step] = []
    for index, raw in enumerate(steps):
        try:
            step = compile_step(raw, zone)
            if compiled and step.at_utc <= compiled[-1].at_utc:
                raise StepOrderError(
                    f"step at {step.local} does not start after the step before it "
                    f"({compiled[-1].local})"
                )
        except ScheduleError as error:
            error.index = index
            raise
        compiled.append(step)
    return compiled


def compile_rollout(rollout: Mapping[str, Any], market: Mapping[str, Any]) -> dict[str, list[Step]]:
    """Every feature of a resolved rollout.yaml in UTC steps, in the market's rollout zone.

    For the bundle compiler: raises the first ScheduleError (with ``feature`` and ``index``).
    """
    zone = rollout_zone(rollout, market)
    features = rollout.get("features") or {}
    compiled: dict[str, list[Step]] = {}
    for feature, steps in features.items():
        try:
            compiled[feature] = compile_steps(steps, zone)
        except ScheduleError as error:
            error.feature = feature
            raise
    return compiled


def percent_at(steps: Sequence[Step], instant: datetime) -> Decimal:
    """The share in force at ``instant``: the last step that starts at or before it (a step is
    in force from its own instant on), 0 before the first step.

    ``steps`` as :func:`compile_steps` returns them (strictly increasing); ``instant`` must be
    timezone-aware.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"instant {instant.isoformat()} has no time zone; pass an aware datetime")
    position = bisect_right(steps, instant, key=lambda step: step.at_utc)
    return steps[position - 1].percent if position else Decimal(0)


def _readings(naive: datetime, zone: ZoneInfo) -> tuple[list[datetime], timedelta, timedelta]:
    """The UTC instants whose wall time in ``zone`` is ``naive`` (0, 1 or 2 of them), and the
    offsets fold=0 and fold=1 read it with (before and after a transition, PEP 495)."""
    earlier = naive.replace(tzinfo=zone, fold=0)
    later = naive.replace(tzinfo=zone, fold=1)
    meanings: list[datetime] = []
    for reading in (earlier.astimezone(UTC), later.astimezone(UTC)):
        if (
            reading not in meanings
            and reading.astimezone(zone).replace(tzinfo=None, fold=0) == naive
        ):
            meanings.append(reading)
    before, after = earlier.utcoffset(), later.utcoffset()
    assert before is not None and after is not None  # a ZoneInfo always has an offset
    return meanings, before, after


def _transition(naive: datetime, before: timedelta, after: timedelta, zone: ZoneInfo) -> datetime:
    """The UTC instant (naive) at which the offset changes from ``before`` to ``after``,
    around the wall time ``naive``: it lies between the two readings of that wall time."""
    low, high = sorted((naive - before, naive - after))  # offset(low) is before, offset(high) after
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.replace(tzinfo=UTC).astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high


def _wall(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def _offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds()) // 60
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours != 1 else ""))
    if rest:
        parts.append(f"{rest} minute" + ("s" if rest != 1 else ""))
    return " ".join(parts) or f"{int(span.total_seconds())} seconds"
