"""Generate tests/vectors/rollout.json, the cross-language test vectors for rollout decisions.

Run from the repository root:

    python tests/vectors/make_rollout_vectors.py > tests/vectors/rollout.json

Deterministic: same mmh3, same output. It deliberately does NOT import marketctl: hashes come
from mmh3 directly and decisions from the defining inequality ``h * 100 < p * 2**32`` in exact
integer arithmetic, so the vectors check marketctl.runtime.rollout instead of echoing it.
The ``flagd_testbed`` section is copied by hand from flagd's conformance suite (cited below)
and is not computed at all.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from fractions import Fraction
from typing import Any

import mmh3

HASH_SPACE = 2**32

# The percentages every vector is decided at. Strings, so no float ever touches them.
PERCENTS = ["0", "0.5", "10", "50", "99.9", "100"]

# How many candidate ids to scan for units that sit just inside / just outside a threshold.
BOUNDARY_SCAN = 200_000

FLAGD_REFERENCE = {
    "operator": "flagd `fractional`, shorthand form (bucketing value = flagKey + targetingKey)",
    "go": (
        "open-feature/flagd core/pkg/evaluator/fractional.go after PR #1909 "
        "('feat!: fractional bucketing improvements', merged 2026-03): "
        'bucketBy = fmt.Sprintf("%s%s", properties.FlagKey, targetingKey); '
        "hashValue := uint32(murmur3.StringSum32(valueToDistribute)); "
        "bucket := (uint64(hashValue) * uint64(totalWeight)) >> 32; first variant with "
        "bucket < cumulative weight; total weight at most math.MaxInt32"
    ),
    "js": (
        "npm @openfeature/flagd-core 4.0.1, fractional(): "
        "bucketBy = `${flagKey}${targetingKey}`; "
        "hash = new MurmurHash3(bucketBy).result() >>> 0; "
        "bucket = (BigInt(hash) * BigInt(totalWeight)) >> 32n; first variant with sum > bucket"
    ),
    "conformance_suite": "open-feature/flagd-testbed gherkin/targeting.feature, @fractional-v2",
    "not_this": (
        "@fractional-v1 (flagd before PR #1909: abs(int32 hash) / MaxInt32 * 100) and "
        "@fractional-v3 (CBOR-encoded [flagKey, targetingKey], flagd ADR "
        "fractional-non-string-rand-units; shipped in PyPI openfeature-flagd-core 2.0.0) "
        "bucket differently"
    ),
}

ALGORITHM = [
    "key = feature + unit_id: ASCII strings concatenated with no separator, feature first",
    "h = MurmurHash3_x86_32(key bytes, seed 0) read as an UNSIGNED 32-bit integer",
    "a step's share is integer weights on, off with total = on + off, 0 < total <= 2147483647",
    "bucket = (h * total) >> 32 (64-bit or wider arithmetic); the unit is in iff bucket < on",
    "for a percentage p this equals h / 2**32 < p / 100 exactly; compute it as "
    "h * 100 * den < num * 2**32 with p = num / den, never in floating point",
    "weights[p] below are p / 100 in lowest terms; any weights with the same ratio decide alike",
]


def unsigned_hash(key: str) -> int:
    value: int = mmh3.hash(key, seed=0, signed=False)
    return value


def decide(hash_value: int, percent: str) -> bool:
    """The defining inequality h / 2**32 < p / 100, in exact integers."""
    share = Fraction(Decimal(percent)) / 100
    return hash_value * share.denominator < share.numerator * HASH_SPACE


def threshold(percent: str) -> int:
    """T = ceil(p / 100 * 2**32): the units in are exactly those with h < T."""
    share = Fraction(Decimal(percent)) / 100
    return -((-share.numerator * HASH_SPACE) // share.denominator)


def weights(percent: str) -> list[int]:
    share = Fraction(Decimal(percent)) / 100
    return [share.numerator, share.denominator - share.numerator]


def vector(feature: str, unit_id: str, note: str) -> dict[str, Any]:
    hash_value = unsigned_hash(feature + unit_id)
    return {
        "feature": feature,
        "unit_id": unit_id,
        "hash": hash_value,
        "decisions": {p: decide(hash_value, p) for p in PERCENTS},
        "note": note,
    }


def boundary_vectors(feature: str) -> list[dict[str, Any]]:
    """For each threshold strictly inside (0, 100): the scanned unit with the largest hash that
    is still in, and the one with the smallest hash that is out. These catch off-by-one,
    rounding and float implementations that happen to agree on typical ids."""
    hashes = [(unsigned_hash(f"{feature}u{i}"), f"u{i}") for i in range(BOUNDARY_SCAN)]
    out: list[dict[str, Any]] = []
    for percent in PERCENTS:
        t = threshold(percent)
        if t in (0, HASH_SPACE):
            continue
        last_in = max((h, u) for h, u in hashes if h < t)
        first_out = min((h, u) for h, u in hashes if h >= t)
        out.append(vector(feature, last_in[1], f"just inside the {percent} % threshold"))
        out.append(vector(feature, first_out[1], f"just outside the {percent} % threshold"))
    return out


def vectors() -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for feature in ("buyback", "instant_quote", "checkout.v2", "x"):
        for unit_id in ("user-1", "user-2", "42", "device:ab12cd34", "session-7f3e9a"):
            result.append(vector(feature, unit_id, "typical ids"))
    result += boundary_vectors("buyback")
    # Exact MurmurHash3 preimages from flagd-testbed (gherkin/targeting.feature, "Fractional
    # operator hash edge cases"); with an empty feature key the hashed string is the id alone.
    for unit_id, note in (
        ("ejOoVL", "hash 0: in at every percentage above 0"),
        ("bY9fO-", "hash 1"),
        ("SI7p-", "hash 2**31 - 1: largest hash whose signed reading is positive"),
        ("6LvT0", "hash 2**31: a signed hash would read this as negative"),
        ("ceQdGm", "hash 2**32 - 1: out at every percentage below 100"),
    ):
        result.append(vector("", unit_id, note))
    # No separator: these two pairs hash the same string, so they must decide alike.
    result.append(vector("ab", "c", "no separator: same hash as feature 'a', unit 'bc'"))
    result.append(vector("a", "bc", "no separator: same hash as feature 'ab', unit 'c'"))
    # Key lengths 4..7 bytes: every MurmurHash3 tail length (0-3 bytes after the 4-byte blocks).
    for unit_id in ("a", "ab", "abc", "abcd"):
        result.append(vector("len", unit_id, f"key length {3 + len(unit_id)} bytes"))
    result.append(
        vector(
            "very.long.feature.key.for.block.processing",
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "long key (several 16-byte blocks)",
        )
    )
    return result


# Expected results copied from open-feature/flagd-testbed gherkin/targeting.feature, the
# "@fractional-v2" examples (the conformance suite flagd PR #1909 and @openfeature/flagd-core
# run). Each case splits the flag's bucketing string into our feature key + unit id and lists
# the flag's variants and weights in order; "expected_value" is what the feature file asserts,
# "expected_variant" the variant that resolves to it.
SUITS = [["clubs", 25], ["diamonds", 25], ["hearts", 25], ["spades", 25]]


def testbed_case(
    scenario: str,
    flag: str,
    bucketing: str,
    feature: str,
    unit_id: str,
    variants: list[list[Any]],
    expected_variant: str,
    expected_value: str,
) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "flag": flag,
        "bucketing": bucketing,
        "feature": feature,
        "unit_id": unit_id,
        "variants": variants,
        "expected_variant": expected_variant,
        "expected_value": expected_value,
    }


FLAGD_TESTBED: list[dict[str, Any]] = [
    *(
        testbed_case(
            "Fractional operator",
            "fractional-flag",
            "cat($flagd.flagKey, user.name) (flags/custom-ops.json)",
            "fractional-flag",
            name,
            SUITS,
            suit,
            suit,
        )
        for name, suit in (
            ("jack", "hearts"),
            ("queen", "spades"),
            ("ten", "clubs"),
            ("nine", "diamonds"),
            ("3", "clubs"),
        )
    ),
    *(
        testbed_case(
            "Fractional operator shorthand",
            "fractional-flag-shorthand",
            # The flag's JSON was not in the copy we read; heads/tails at 50/50 is the rule
            # flagd's provider tests use with this flag key.
            "shorthand: flagKey + targetingKey",
            "fractional-flag-shorthand",
            targeting_key,
            [["heads", 50], ["tails", 50]],
            side,
            side,
        )
        for targeting_key, side in (("jon@company.com", "heads"), ("jane@company.com", "tails"))
    ),
    *(
        testbed_case(
            scenario,
            flag,
            'cat("shared-seed", user.name) (flags/custom-ops.json)',
            "shared-seed",
            name,
            SUITS,
            suit,
            value_prefix + suit,
        )
        for scenario, flag, value_prefix in (
            ("Fractional operator with shared seed", "fractional-flag-A-shared-seed", ""),
            (
                "Second fractional operator with shared seed",
                "fractional-flag-B-shared-seed",
                "ace-of-",
            ),
        )
        for name, suit in (
            ("seven", "hearts"),
            ("eight", "diamonds"),
            ("nine", "clubs"),
            ("two", "spades"),
        )
    ),
    *(
        testbed_case(
            "Fractional operator hash edge cases",
            "fractional-hash-edge-flag",
            # Inferred from the feature file's own comments (hash 2**31 - 1 -> bucket 49 ->
            # lower; 2**31 -> bucket 50 -> upper): the targeting key alone, two equal halves.
            "targetingKey alone",
            "",
            key,
            [["lower", 50], ["upper", 50]],
            half,
            half,
        )
        for key, half in (
            ("ejOoVL", "lower"),
            ("bY9fO-", "lower"),
            ("SI7p-", "lower"),
            ("6LvT0", "upper"),
            ("ceQdGm", "upper"),
        )
    ),
]


# flagd-fractional-v3: h = MurmurHash3_x86_32 (seed 0, unsigned) of the canonical CBOR encoding
# of the array [feature, unit_id] (cbor2, canonical=True: what PyPI openfeature-flagd-core 2.0.0
# hashes). Same bucket formula. Expected values of the testbed's @fractional-v3 examples of
# "Fractional operator shorthand" (flag fractional-flag-shorthand, heads 50 / tails 50), copied
# by hand: jon@company.com tails, jane@company.com tails.
V3_ALGORITHM = [
    "key = canonical CBOR of the array [feature, unit_id]: 0x82, then each string as a CBOR "
    "text string (major type 3, shortest length form)",
    "h = MurmurHash3_x86_32(key bytes, seed 0) read as an UNSIGNED 32-bit integer",
    "then as v2: the unit is in iff (h * total) >> 32 < on",
]


def v3_hash(feature: str, unit_id: str) -> int:
    import cbor2

    value: int = mmh3.hash(cbor2.dumps([feature, unit_id], canonical=True), seed=0, signed=False)
    return value


def v3_vectors() -> list[dict[str, Any]]:
    result = []
    for feature in ("buyback", "instant_quote", "f" * 24):
        for unit_id in ("user-1", "user-2", "42", "device:ab12cd34", "u" * 300):
            hash_value = v3_hash(feature, unit_id)
            result.append(
                {
                    "feature": feature,
                    "unit_id": unit_id,
                    "hash": hash_value,
                    "decisions": {p: decide(hash_value, p) for p in PERCENTS},
                }
            )
    return result


V3_TESTBED = [
    testbed_case(
        "Fractional operator shorthand (@fractional-v3)",
        "fractional-flag-shorthand",
        "shorthand: CBOR [flagKey, targetingKey]",
        "fractional-flag-shorthand",
        unit_id,
        [["heads", 50], ["tails", 50]],
        expected,
        expected,
    )
    for unit_id, expected in (("jon@company.com", "tails"), ("jane@company.com", "tails"))
]


def document() -> dict[str, Any]:
    return {
        "description": (
            "Rollout decisions: which units a feature step enables. Reproduce every 'hash' and "
            "every 'decisions' entry; 'flagd_testbed' cases check the same function against "
            "flagd's own conformance suite (variant = first one whose cumulative weight exceeds "
            "the bucket)."
        ),
        "algorithm": ALGORITHM,
        "flagd_reference": FLAGD_REFERENCE,
        "generator": "tests/vectors/make_rollout_vectors.py",
        "percents": PERCENTS,
        "weights": {p: weights(p) for p in PERCENTS},
        "thresholds": {p: threshold(p) for p in PERCENTS},
        "vectors": vectors(),
        "flagd_testbed": FLAGD_TESTBED,
        "flagd_fractional_v3": {
            "algorithm": V3_ALGORITHM,
            "vectors": v3_vectors(),
            "flagd_testbed": V3_TESTBED,
        },
    }


def main() -> None:
    json.dump(document(), sys.stdout, indent=2, ensure_ascii=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
