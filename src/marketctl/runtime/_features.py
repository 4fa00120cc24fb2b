"""Feature rollout schedules, compiled for fast decisions.

A bundle lists each feature's steps as UTC instants with integer weights. A step is in force
from its instant (inclusive) until the next step's; before the first step, and for a feature
with no steps, the feature is off for every unit. Within a step the decision is flagd's
``fractional`` bucketing: MurmurHash3 of the feature key followed by the unit id
(:mod:`marketctl.runtime.rollout`).

``requires`` and ``expires`` are not evaluated here, on purpose: ``marketctl validate``
refuses a schedule that turns a feature on where a feature it requires is not at 100 %
(MKT608) and warns about expired features (MKT606), and evaluating each flag on its own is what
flagd does, so the decisions stay the same if flagd serves the flags later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from marketctl.runtime.rollout import DEFAULT_SCHEME, SCHEMES, validate_weights

__all__ = ["Schedule", "compile_schedule"]


class Schedule:
    """Step instants as POSIX seconds, and each step's weights ``on`` and ``total``."""

    __slots__ = ("hash", "instants", "ons", "percents", "scheme", "totals")

    def __init__(
        self,
        instants: tuple[float, ...],
        ons: tuple[int, ...],
        totals: tuple[int, ...],
        percents: tuple[Decimal, ...],
        scheme: str = DEFAULT_SCHEME,
    ) -> None:
        self.instants = instants
        self.ons = ons
        self.totals = totals
        self.percents = percents
        self.scheme = scheme
        self.hash: Callable[[str, str], int] = SCHEMES[scheme]


def _instant(text: object) -> float:
    if not isinstance(text, str) or not text.endswith("Z"):
        raise ValueError(f"step instant {text!r} is not a UTC time such as 2027-01-15T00:00:00Z")
    moment = datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    return moment.timestamp()


def compile_schedule(name: str, feature: Mapping[str, Any]) -> Schedule:
    """The schedule of one feature of a bundle; ValueError/TypeError/KeyError when malformed."""
    if not name.isascii():
        # flagd implementations hash non-ASCII keys differently (rollout.py).
        raise ValueError("feature names must be ASCII")
    # Bundles written before the scheme was a field bucket with flagd-fractional-v2.
    scheme = feature.get("bucketing", DEFAULT_SCHEME)
    if scheme not in SCHEMES:
        raise ValueError(
            f"bucketing scheme {scheme!r} is not one this runtime knows "
            f"({', '.join(sorted(SCHEMES))}); upgrade marketctl"
        )
    steps = sorted(feature["steps"], key=lambda step: _instant(step["at"]))
    instants: list[float] = []
    ons: list[int] = []
    totals: list[int] = []
    percents: list[Decimal] = []
    for step in steps:
        at = _instant(step["at"])
        if instants and at == instants[-1]:
            raise ValueError(f"two steps at {step['at']}")
        on, off = step["weights"]["on"], step["weights"]["off"]
        totals.append(validate_weights(on, off))
        instants.append(at)
        ons.append(on)
        percents.append(Decimal(step["percent"]))
    return Schedule(tuple(instants), tuple(ons), tuple(totals), tuple(percents), scheme)
