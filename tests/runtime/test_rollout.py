"""Rollout decisions: flagd's fractional bucketing, checked against vectors and its invariants."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from marketctl.runtime.rollout import (
    MAX_TOTAL_WEIGHT,
    bucket_hash,
    hash_in_rollout,
    is_in_rollout,
    validate_weights,
    weights_for_percent,
)

VECTORS_DIR = Path(__file__).resolve().parents[1] / "vectors"
VECTORS_FILE = VECTORS_DIR / "rollout.json"
GENERATOR = VECTORS_DIR / "make_rollout_vectors.py"
DOCUMENT: dict[str, Any] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))

HASH_SPACE = 2**32


def exact_decision(hash_value: int, percent: Decimal) -> bool:
    """The contract's definition, h / 2**32 < p / 100, in exact integers."""
    share = Fraction(percent) / 100
    return hash_value * share.denominator < share.numerator * HASH_SPACE


def threshold(on: int, total: int) -> int:
    """ceil(on / total * 2**32): flagd's bucketing puts exactly the hashes below it in."""
    return -((-on * HASH_SPACE) // total)


# --- the shipped vectors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "vector", DOCUMENT["vectors"], ids=lambda v: f"{v['feature']}|{v['unit_id']}"
)
def test_vector_hash_and_decisions(vector: dict[str, Any]) -> None:
    feature, unit_id = vector["feature"], vector["unit_id"]
    assert bucket_hash(feature, unit_id) == vector["hash"]
    for percent, expected in vector["decisions"].items():
        on, off = weights_for_percent(Decimal(percent))
        assert is_in_rollout(feature, unit_id, on, off) is expected, percent
        assert hash_in_rollout(vector["hash"], on, on + off) is expected, percent


def test_vector_weights_and_thresholds() -> None:
    for percent in DOCUMENT["percents"]:
        on, off = weights_for_percent(Decimal(percent))
        assert [on, off] == DOCUMENT["weights"][percent]
        assert threshold(on, on + off) == DOCUMENT["thresholds"][percent]


def test_vectors_cover_both_sides_of_every_inner_threshold() -> None:
    # The file is only useful to other languages if it can catch an off-by-one.
    for percent in ("0.5", "10", "50", "99.9"):
        sides = {v["decisions"][percent] for v in DOCUMENT["vectors"]}
        assert sides == {True, False}, percent
    assert 35 <= len(DOCUMENT["vectors"]) <= 60


@pytest.mark.parametrize(
    "case", DOCUMENT["flagd_testbed"], ids=lambda c: f"{c['flag']}|{c['unit_id']}"
)
def test_reproduces_flagd_testbed(case: dict[str, Any]) -> None:
    # flagd picks the first variant whose cumulative weight exceeds the bucket; "bucket below
    # the cumulative weight w" is exactly is_in_rollout(..., on=w, off=total - w).
    total = sum(weight for _, weight in case["variants"])
    cumulative = 0
    chosen = None
    for variant, weight in case["variants"]:
        cumulative += weight
        if is_in_rollout(case["feature"], case["unit_id"], cumulative, total - cumulative):
            chosen = variant
            break
    assert chosen == case["expected_variant"]


def test_vectors_file_matches_its_generator() -> None:
    result = subprocess.run(
        [sys.executable, str(GENERATOR)],
        capture_output=True,
        text=True,
        check=True,
        encoding="utf-8",
    )
    assert result.stdout == VECTORS_FILE.read_text(encoding="utf-8"), (
        "tests/vectors/rollout.json is stale: "
        "python tests/vectors/make_rollout_vectors.py > tests/vectors/rollout.json"
    )


# --- weights_for_percent decides exactly like the percentage -------------------------------

BOUNDARY_PERCENTS = [
    "0",
    "0.0001",
    "0.001",
    "0.5",
    "1",
    "9.975",
    "10",
    "12.5",
    "33.333",
    "50",
    "66.6666",
    "99.9",
    "99.999",
    "100",
    # p / 100 in lowest terms has a denominator above MaxInt32: the fallback path.
    "0.123456789",
    "12.3456789012345",
    "33.33333333333333333",
    "99.99999999999",
]


@pytest.mark.parametrize("percent", BOUNDARY_PERCENTS)
def test_weights_decide_every_hash_like_the_percentage(percent: str) -> None:
    p = Decimal(percent)
    on, off = weights_for_percent(p)
    total = validate_weights(on, off)
    assert 0 < total <= MAX_TOTAL_WEIGHT
    # Both decisions put in exactly the hashes below a threshold (for flagd's form because
    # floor(x) < on iff x < on): equal thresholds mean equal decisions for all 2**32 hashes.
    share = Fraction(p) / 100
    expected_threshold = -((-share.numerator * HASH_SPACE) // share.denominator)
    assert threshold(on, total) == expected_threshold
    # And check the actual function, hash by hash, around the threshold and at both ends.
    window = 2048
    hashes = [
        *range(max(0, expected_threshold - window), min(HASH_SPACE, expected_threshold + window)),
        *range(window),
        *range(HASH_SPACE - window, HASH_SPACE),
    ]
    for h in hashes:
        assert hash_in_rollout(h, on, total) is exact_decision(h, p), h


def test_weights_for_percent_known_values() -> None:
    assert weights_for_percent(Decimal("0.5")) == (1, 199)
    assert weights_for_percent(Decimal("0.50")) == (1, 199)
    assert weights_for_percent(10) == (1, 9)
    assert weights_for_percent(Decimal("1E+1")) == (1, 9)
    assert weights_for_percent(Decimal("9.975")) == (399, 3601)
    assert weights_for_percent(0) == (0, 1)
    assert weights_for_percent(100) == (1, 0)


@pytest.mark.parametrize(
    ("percent", "error"),
    [
        (-1, ValueError),
        (101, ValueError),
        (Decimal("100.0001"), ValueError),
        (Decimal("-0.5"), ValueError),
        (Decimal("NaN"), ValueError),
        (Decimal("Infinity"), ValueError),
        # Only h = 0 would be in; no ratio with a total within MaxInt32 gives that.
        (Decimal("1E-10"), ValueError),
        (0.5, TypeError),
        (True, TypeError),
        ("10", TypeError),
    ],
)
def test_weights_for_percent_rejects(percent: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        weights_for_percent(percent)


# --- invariants over many units -------------------------------------------------------------

RISING_PERCENTS = [
    "0",
    "0.001",
    "0.5",
    "1",
    "5",
    "9.975",
    "10",
    "25",
    "50",
    "75",
    "99",
    "99.9",
    "99.999",
    "100",
]


def test_raising_the_percentage_never_removes_a_unit() -> None:
    units = [f"user-{i}" for i in range(20_000)]
    previous: set[str] = set()
    for percent in RISING_PERCENTS:
        on, off = weights_for_percent(Decimal(percent))
        current = {u for u in units if is_in_rollout("buyback", u, on, off)}
        removed = sorted(previous - current)[:5]
        assert previous <= current, f"raising to {percent} % removed {removed}"
        previous = current
    assert previous == set(units)


@pytest.mark.parametrize("feature", ["buyback", "instant_quote", "checkout.v2"])
def test_share_at_ten_percent(feature: str) -> None:
    n = 100_000
    on, off = weights_for_percent(10)
    count = sum(is_in_rollout(feature, f"user-{i}", on, off) for i in range(n))
    # Binomial(100000, 0.1): sd = sqrt(n p (1 - p)) ~ 94.9 units. Four sd is +-380 (0.38 %
    # points); a wrong hash mapping (signed hash, float rounding, wrong order) is far off.
    sd = (n * 0.1 * 0.9) ** 0.5
    assert abs(count - n // 10) <= 4 * sd, count


def test_scaling_weights_does_not_change_decisions() -> None:
    scalings = [(1, 9), (10, 90), (1_000_000, 9_000_000), weights_for_percent(10)]
    for i in range(5_000):
        unit = f"device-{i}"
        decisions = {is_in_rollout("buyback", unit, on, off) for on, off in scalings}
        assert len(decisions) == 1, unit
    # Also exactly at the 10 % threshold (ceil(2**32 / 10) = 429496730).
    for h in (0, 429_496_728, 429_496_729, 429_496_730, 429_496_731, HASH_SPACE - 1):
        decisions = {hash_in_rollout(h, on, on + off) for on, off in scalings}
        assert decisions == {h < 429_496_730}, h


def test_zero_percent_none_and_hundred_percent_all() -> None:
    units = [f"user-{i}" for i in range(10_000)]
    assert not any(is_in_rollout("buyback", u, *weights_for_percent(0)) for u in units)
    assert all(is_in_rollout("buyback", u, *weights_for_percent(100)) for u in units)
    # Including the extreme hashes 0 and 2**32 - 1 (flagd-testbed preimages, empty feature key).
    assert bucket_hash("", "ejOoVL") == 0
    assert bucket_hash("", "ceQdGm") == HASH_SPACE - 1
    for unit in ("ejOoVL", "ceQdGm"):
        assert is_in_rollout("", unit, 0, 1) is False
        assert is_in_rollout("", unit, 1, 0) is True
    # Any off-only or on-only weights behave the same.
    assert is_in_rollout("", "ejOoVL", 0, 12345) is False
    assert is_in_rollout("", "ceQdGm", 12345, 0) is True


def test_hash_is_of_feature_then_unit_without_separator() -> None:
    assert bucket_hash("ab", "c") == bucket_hash("a", "bc") == bucket_hash("abc", "")
    assert bucket_hash("buyback", "user-1") != bucket_hash("user-1", "buyback")
    assert 0 <= bucket_hash("buyback", "user-1") < HASH_SPACE


# --- rejected input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("feature", "unit_id"),
    [("café", "user-1"), ("buyback", "ü"), ("buyback", "user-🙂"), ("fläg", "ïd")],
)
def test_non_ascii_is_rejected(feature: str, unit_id: str) -> None:
    with pytest.raises(ValueError, match="ASCII"):
        bucket_hash(feature, unit_id)
    with pytest.raises(ValueError, match="ASCII"):
        is_in_rollout(feature, unit_id, 1, 9)


@pytest.mark.parametrize(
    ("on", "off", "match"),
    [
        (-1, 10, "negative"),
        (1, -1, "negative"),
        (0, 0, "both 0"),
        (MAX_TOTAL_WEIGHT, 1, "MaxInt32"),
    ],
)
def test_bad_weights_are_rejected(on: int, off: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        is_in_rollout("buyback", "user-1", on, off)
    with pytest.raises(ValueError, match=match):
        validate_weights(on, off)


def test_largest_weights_flagd_accepts() -> None:
    assert validate_weights(MAX_TOTAL_WEIGHT, 0) == MAX_TOTAL_WEIGHT
    assert is_in_rollout("buyback", "user-1", MAX_TOTAL_WEIGHT, 0) is True
    assert is_in_rollout("buyback", "user-1", 0, MAX_TOTAL_WEIGHT) is False


@pytest.mark.parametrize(("on", "off"), [(True, 1), (1, False), (0.5, 1), (1, "9")])
def test_validate_weights_rejects_non_int(on: Any, off: Any) -> None:
    with pytest.raises(TypeError):
        validate_weights(on, off)
