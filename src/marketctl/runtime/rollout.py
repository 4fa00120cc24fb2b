"""Which units (users, sessions, devices) a rollout step enables.

A step enables a share of units. A unit's decision is computed exactly the way flagd's
``fractional`` operator buckets a targeting key, so a service that evaluates the same feature
with a flagd provider (or with our test vectors, ``tests/vectors/rollout.json``) puts every unit
on the same side:

1. ``h = MurmurHash3_x86_32(feature_key + unit_id, seed=0)``, read as an *unsigned* 32-bit int.
   The two strings are concatenated with no separator, feature key first. This is flagd's
   shorthand bucketing string: ``fmt.Sprintf("%s%s", properties.FlagKey, targetingKey)`` in
   open-feature/flagd ``core/pkg/evaluator/fractional.go`` (after PR #1909, 2026-03, "fractional
   bucketing improvements"), and ``${flagKey}${targetingKey}`` in the published npm package
   ``@openfeature/flagd-core`` 4.0.1 (``fractional()`` in ``index.esm.js``).
2. With the step's share written as integer weights ``on`` and ``off`` (``total = on + off``):
   ``bucket = (h * total) >> 32`` and the unit is in when ``bucket < on``. Same file and PR:
   ``bucket := (uint64(hashValue) * uint64(feDistribution.totalWeight)) >> 32`` followed by
   ``if bucket < rangeEnd`` with the first variant's weight as ``rangeEnd``; flagd-core 4.0.1 does
   the same with BigInt (``sum > bucket``). Before PR #1909 flagd used a float percentage form
   (``abs(int32(h)) / MaxInt32 * 100``) that could not express shares below 1 % and used the
   *signed* hash; the flagd-testbed tags the two forms ``@fractional-v1`` / ``@fractional-v2``.
3. flagd rejects a weight sum above ``math.MaxInt32`` (``maxWeightSum`` in fractional.go) so the
   product fits Java's signed long; we enforce the same limit so our weights stay portable.

Why a percentage p needs no rounding: for an integer ``on``, ``floor(x) < on`` iff ``x < on``,
so ``(h * total) >> 32 < on`` iff ``h * total < on * 2**32`` iff ``h / 2**32 < on / total``.
The decision therefore depends only on the ratio ``on / total``: (1, 9), (10, 90) and
10 % decide every unit alike, and weights whose ratio is exactly p / 100 decide every ``h``
exactly as ``h / 2**32 < p / 100``. Fractional percentages such as 0.5 % are just the ratio
1/200. The set of units in is ``{h : h < T}`` with ``T = ceil(p / 100 * 2**32)``, a prefix of
the hash space that only grows with p, so raising a percentage never takes a unit out.

Keys and ids must be ASCII: flagd (Go) hashes the UTF-8 bytes of the string while flagd-core
(JS) hashes UTF-16 code units through ``imurmurhash`` (``key.charCodeAt(i) & 0xffff``), so the
implementations only agree on ASCII.

Bucketing schemes are named (:data:`SCHEMES`), because flagd is moving to "fractional-v3"
(flagd ADR ``fractional-non-string-rand-units.md``), which hashes the canonical (deterministic)
CBOR encoding of the array ``[flagKey, targetingKey]`` instead of the concatenation. PyPI
``openfeature-flagd-core`` 2.0.0 already does (``custom_ops.fractional``: ``cbor2.dumps(...,
canonical=True)`` then ``mmh3.hash(..., signed=False)``, same bucket formula); the flagd daemon
(Go) and ``@openfeature/flagd-core`` 4.0.1 do not. ``flagd-fractional-v2`` (the concatenation)
is the default; ``flagd-fractional-v3`` is :func:`bucket_hash_v3`. The weights and the
``(h * total) >> 32 < on`` step are the same in both; only ``h`` changes, so switching a
feature's scheme moves about half of its units to the other side at any share between 0 and
100 % (it reshuffles them), which is why ``marketctl diff`` rates that change high.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import mmh3

__all__ = [
    "DEFAULT_SCHEME",
    "MAX_TOTAL_WEIGHT",
    "SCHEMES",
    "bucket_hash",
    "bucket_hash_v3",
    "hash_in_rollout",
    "is_in_rollout",
    "validate_weights",
    "weights_for_percent",
]

#: flagd's ``maxWeightSum = math.MaxInt32`` (core/pkg/evaluator/fractional.go): the largest
#: ``on + off`` that every flagd implementation accepts.
MAX_TOTAL_WEIGHT = 2**31 - 1

_HASH_BITS = 32
_HASH_SPACE = 1 << _HASH_BITS


def bucket_hash(feature: str, unit_id: str) -> int:
    """Unsigned 32-bit MurmurHash3 (x86_32, seed 0) of ``feature + unit_id``.

    No separator, feature key first: flagd's shorthand bucketing string (flagKey then
    targetingKey, see the module docstring).
    """
    if not (feature.isascii() and unit_id.isascii()):
        raise ValueError(_non_ascii_message(feature, unit_id))
    # signed=False: flagd reads the hash as uint32 (Go: uint32(murmur3.StringSum32(...));
    # JS: result() >>> 0). A signed hash would move every unit with the top bit set.
    hash_value: int = mmh3.hash(feature + unit_id, seed=0, signed=False)
    return hash_value


def _cbor_text(text: bytes) -> bytes:
    """A CBOR text string header (major type 3, RFC 8949 3.1) in its shortest form, then the
    bytes: the canonical encoding of a string."""
    size = len(text)
    if size < 24:
        head = bytes([0x60 | size])
    elif size < 1 << 8:
        head = bytes([0x78, size])
    elif size < 1 << 16:
        head = bytes([0x79]) + size.to_bytes(2, "big")
    elif size < 1 << 32:
        head = bytes([0x7A]) + size.to_bytes(4, "big")
    else:
        head = bytes([0x7B]) + size.to_bytes(8, "big")
    return head + text


def bucket_hash_v3(feature: str, unit_id: str) -> int:
    """flagd fractional-v3: unsigned MurmurHash3 (x86_32, seed 0) of the canonical CBOR of
    the array ``[feature, unit_id]`` (0x82, then each as a CBOR text string)."""
    if not (feature.isascii() and unit_id.isascii()):
        raise ValueError(_non_ascii_message(feature, unit_id))
    encoded = b"\x82" + _cbor_text(feature.encode("ascii")) + _cbor_text(unit_id.encode("ascii"))
    hash_value: int = mmh3.hash(encoded, seed=0, signed=False)
    return hash_value


#: The bucketing schemes by name: the hash of (feature key, unit id) each one decides with.
SCHEMES = {"flagd-fractional-v2": bucket_hash, "flagd-fractional-v3": bucket_hash_v3}
#: flagd's current scheme (the daemon and @openfeature/flagd-core 4.x).
DEFAULT_SCHEME = "flagd-fractional-v2"


def validate_weights(on: int, off: int) -> int:
    """Check a step's weights and return ``total = on + off``.

    Meant for the moment a step is built, so the hot path can call :func:`hash_in_rollout`
    with the stored ``on`` and ``total`` and skip these checks.
    """
    for name, value in (("on", on), ("off", off)):
        # bool is an int subclass; a weight of True is a bug, not the weight 1.
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"rollout weight {name} must be an int, got {type(value).__name__}")
        if value < 0:
            raise ValueError(f"rollout weight {name} must not be negative, got {value}")
    total = on + off
    if total == 0:
        raise ValueError("rollout weights on and off are both 0: the share is undefined")
    if total > MAX_TOTAL_WEIGHT:
        # flagd rejects this sum ("sum of all weights ... exceeds maximum allowed value").
        raise ValueError(
            f"rollout weights sum to {total}, above flagd's limit of {MAX_TOTAL_WEIGHT} (MaxInt32)"
        )
    return total


def hash_in_rollout(hash_value: int, on: int, total: int) -> bool:
    """flagd's bucketing of an unsigned 32-bit hash: ``(h * total) >> 32 < on``.

    No checks: ``on`` and ``total`` must come from :func:`validate_weights` or
    :func:`weights_for_percent`, and ``hash_value`` from :func:`bucket_hash`.
    """
    return (hash_value * total) >> _HASH_BITS < on


def is_in_rollout(feature: str, unit_id: str, on: int, off: int) -> bool:
    """Whether ``unit_id`` is in a step of ``feature`` that gives weight ``on`` to "in".

    Raises ValueError for a non-ASCII key or id, a negative weight, ``on + off == 0`` or a sum
    above :data:`MAX_TOTAL_WEIGHT`.
    """
    # The checks are written out (not a call to validate_weights) to keep this at a few
    # hundred nanoseconds: feature_enabled has a 2 µs budget per call.
    if on < 0 or off < 0:
        raise ValueError(f"rollout weights must not be negative, got on={on}, off={off}")
    total = on + off
    if total == 0:
        raise ValueError("rollout weights on and off are both 0: the share is undefined")
    if total > MAX_TOTAL_WEIGHT:
        raise ValueError(
            f"rollout weights sum to {total}, above flagd's limit of {MAX_TOTAL_WEIGHT} (MaxInt32)"
        )
    if not (feature.isascii() and unit_id.isascii()):
        raise ValueError(_non_ascii_message(feature, unit_id))
    hash_value: int = mmh3.hash(feature + unit_id, seed=0, signed=False)
    return (hash_value * total) >> _HASH_BITS < on


def weights_for_percent(percent: Decimal | int) -> tuple[int, int]:
    """Integer weights ``(on, off)`` that decide every unit exactly as ``h / 2**32 < p / 100``.

    Normally the exact ratio ``p / 100`` in lowest terms: 10 -> (1, 9), 0.5 -> (1, 199),
    9.975 -> (399, 3601), 0 -> (0, 1), 100 -> (1, 0). As the module docstring shows, weights
    with that exact ratio decide every hash exactly like the percentage.

    A percentage with so many decimals that ``p / 100`` in lowest terms has a denominator above
    flagd's MaxInt32 gets the weights of another ratio that gives the same decision for every
    32-bit hash: the units in are ``{h : h < T}`` with ``T = ceil(p / 100 * 2**32)``, and any
    ratio r with ``ceil(r * 2**32) == T`` has the same set. If no such ratio has a total within
    MaxInt32, ValueError.

    Slow (Fraction arithmetic): call it once per step, not per decision.
    """
    if isinstance(percent, bool) or not isinstance(percent, (Decimal, int)):
        # A float such as 0.1 is not the decimal it was written as; percentages are loaded
        # as exact Decimals (docs/file-formats.md, "percent").
        raise TypeError(f"percent must be a Decimal or an int, got {type(percent).__name__}")
    if isinstance(percent, Decimal) and not percent.is_finite():
        raise ValueError(f"percent must be a finite number, got {percent}")
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be between 0 and 100, got {percent}")

    share = Fraction(percent) / 100  # exact: Fraction(Decimal) keeps every digit
    if share.denominator <= MAX_TOTAL_WEIGHT:
        return share.numerator, share.denominator - share.numerator

    # Too fine for flagd's weight limit. Find a ratio in (lo, hi] (the ratios with the same T)
    # whose denominator fits. The fraction nearest the interval's midpoint among those with a
    # small enough denominator lies in [lo, hi] whenever any fitting one lies in (lo, hi]; the
    # only way it can miss is by landing exactly on the open end lo, and then hi itself fits.
    threshold = -((-share.numerator * _HASH_SPACE) // share.denominator)  # ceil(share * 2**32)
    lo = Fraction(threshold - 1, _HASH_SPACE)
    hi = Fraction(threshold, _HASH_SPACE)
    for candidate in (((lo + hi) / 2).limit_denominator(MAX_TOTAL_WEIGHT), hi):
        if lo < candidate <= hi and candidate.denominator <= MAX_TOTAL_WEIGHT:
            return candidate.numerator, candidate.denominator - candidate.numerator
    raise ValueError(
        f"percent {percent} cannot be written as flagd weights summing to at most "
        f"{MAX_TOTAL_WEIGHT}; round it to fewer decimal places"
    )


def _non_ascii_message(feature: str, unit_id: str) -> str:
    which = "feature key" if not feature.isascii() else "unit id"
    value = feature if not feature.isascii() else unit_id
    # Why ASCII only: flagd (Go) hashes UTF-8 bytes, flagd-core (JS) hashes UTF-16 code units;
    # they disagree on anything else, so such a key would bucket differently per service.
    return (
        f"rollout {which} must be ASCII (flagd implementations hash non-ASCII text "
        f"differently), got {value!r}"
    )
