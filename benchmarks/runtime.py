"""Speed and memory of marketctl.runtime against the issue's targets.

    python benchmarks/runtime.py [--bundles DIR] [--runs 101]

Without --bundles it builds this repository's markets into a temporary directory first
(`python -m marketctl build`). Prints, in one run:

- loading the whole set with `runtime.load()` against `json.load` of the same files
  (median of --runs, interleaved; target: ratio at most 1.5);
- time per call of `message()` on a cached message (target 5 µs), `feature_enabled()`
  (target 2 µs), `format_price()`, and `tax_rate()` / `gross_price()` for reference;
- the resident memory of a loaded set, measured in a fresh process (RSS before and after
  `load()`, and the Python heap the set holds according to tracemalloc), also after every
  message of every locale has been compiled.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LOAD_RATIO_TARGET = 1.5
MESSAGE_TARGET_US = 5.0
FEATURE_TARGET_US = 2.0


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _build(destination: Path) -> Path:
    output = destination / "dist"
    subprocess.run(
        [sys.executable, "-m", "marketctl", "--root", str(ROOT), "build", "-o", str(output)],
        check=True,
        capture_output=True,
    )
    return output


def _json_load_all(directory: Path, names: list[str]) -> None:
    for name in names:
        with open(directory / name, "rb") as handle:
            json.load(handle)


def _median_seconds(functions: list[Callable[[], object]], runs: int) -> list[float]:
    """Median wall time of each function, the runs interleaved so that drift in the machine's
    speed (other processes, frequency scaling) affects all of them alike."""
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(runs):
        for function, samples in zip(functions, times, strict=True):
            start = time.perf_counter()
            function()
            samples.append(time.perf_counter() - start)
    return [statistics.median(samples) for samples in times]


def _per_call_us(function: Callable[[], object], number: int = 200_000) -> float:
    """Best of five timeit repeats, in microseconds per call (the least disturbed run)."""
    function()  # warm: first use compiles and caches
    best = min(timeit.repeat(function, number=number, repeat=5))
    return best / number * 1e6


def _rss_kib() -> int:
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError):  # not Linux: peak RSS is the best we have
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak


def _memory_probe(directory: str) -> None:
    """Run in a fresh process: print RSS and heap figures of one loaded set as JSON."""
    import tracemalloc

    from marketctl import runtime

    # Load a first set and compile one message, so that the imports and the plural machinery
    # are not counted as the set's memory; the first set stays alive so the measured one cannot
    # reuse its freed memory.
    warm = runtime.load(directory)
    next(iter(warm.values())).message("cart.title")
    before = _rss_kib()
    tracemalloc.start()
    markets = runtime.load(directory)
    loaded_heap, _ = tracemalloc.get_traced_memory()
    loaded_rss = _rss_kib()
    for market in markets.values():
        market.precompile()
        for tag in market.locales:
            market.format_price(Decimal("1"), tag)
    compiled_heap, _ = tracemalloc.get_traced_memory()
    compiled_rss = _rss_kib()
    tracemalloc.stop()
    del warm
    print(
        json.dumps(
            {
                "rss_before_kib": before,
                "rss_loaded_kib": loaded_rss,
                "rss_compiled_kib": compiled_rss,
                "heap_loaded": loaded_heap,
                "heap_compiled": compiled_heap,
                "messages": sum(len(m.message_keys) * len(m.locales) for m in markets.values()),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundles", type=Path, help="a directory written by marketctl build")
    parser.add_argument("--runs", type=int, default=101)
    parser.add_argument("--memory-probe", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.memory_probe:
        _memory_probe(options.memory_probe)
        return

    with tempfile.TemporaryDirectory() as scratch:
        directory = options.bundles or _build(Path(scratch))
        _run(directory, options.runs)


def _run(directory: Path, runs: int) -> None:
    from marketctl import runtime

    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    names = ["manifest.json", *(entry["file"] for entry in manifest["bundles"].values())]
    size = sum((directory / name).stat().st_size for name in names)

    from marketctl.runtime import _bundles

    def cold() -> None:
        _bundles._VERIFIED.clear()  # forget the verdicts: every schema check runs again
        runtime.load(directory)

    runtime.load(directory)  # warm the imports and the OS cache
    _json_load_all(directory, names)
    # The target is on a set never seen before (what a service does at startup): every bundle
    # parsed, hashed and checked against the schema. A reload of the same bytes skips the check.
    first, theirs, again = _median_seconds(
        [cold, lambda: _json_load_all(directory, names), lambda: runtime.load(directory)], runs
    )
    ratio = first / theirs
    print(
        f"bundles: {len(names) - 1} markets + manifest, {size / 1024:.1f} KiB, "
        f"runs: {runs} (median, interleaved)"
    )
    print(f"runtime.load(), schema checks run: {first * 1e3:8.3f} ms")
    print(f"json.load of same files:           {theirs * 1e3:8.3f} ms")
    print(
        f"ratio load / json.load:            {ratio:8.2f}   target <= {LOAD_RATIO_TARGET}  "
        f"{_verdict(ratio <= LOAD_RATIO_TARGET)}"
    )
    print(
        f"reload of the same bytes (verdicts remembered): {again * 1e3:.3f} ms, "
        f"{again / theirs:.2f} x json.load"
    )

    markets = runtime.load(directory)
    jp, se, ca = markets["jp"], markets["se"], markets["ca"]
    moment = datetime(2027, 1, 20, tzinfo=UTC)
    amount = Decimal("1299.00")

    print("per call (best of 5 x 200000, µs):")
    messages: dict[str, Callable[[], object]] = {
        "message() jp cart.items (plural, =0, #)": lambda: jp.message(
            "cart.items", locale="ja-JP", count=3
        ),
        "message() se checkout.total (currency)": lambda: se.message(
            "checkout.total", amount=amount
        ),
        "message() ca fr product.watchers (offset)": lambda: ca.message(
            "product.watchers", locale="fr-CA", count=5, name="Léa"
        ),
        "message() ca en checkout.nth_order (ordinal)": lambda: ca.message(
            "checkout.nth_order", locale="en", count=23
        ),
        "message() jp cart.title (plain text)": lambda: jp.message("cart.title"),
    }
    for label, call in messages.items():
        cost = _per_call_us(call)
        print(
            f"  {label:<46} {cost:6.2f}   target <= {MESSAGE_TARGET_US}  "
            f"{_verdict(cost <= MESSAGE_TARGET_US)}"
        )
    features: dict[str, Callable[[], object]] = {
        "feature_enabled() jp buyback, at=aware dt": lambda: jp.feature_enabled(
            "buyback", "user-42", moment
        ),
        "feature_enabled() jp instant_quote, at=None": lambda: jp.feature_enabled(
            "instant_quote", "user-42"
        ),
        "feature_enabled() se express_checkout": lambda: se.feature_enabled(
            "express_checkout", "session-9f8e7d", moment
        ),
    }
    for label, call in features.items():
        cost = _per_call_us(call)
        print(
            f"  {label:<46} {cost:6.2f}   target <= {FEATURE_TARGET_US}  "
            f"{_verdict(cost <= FEATURE_TARGET_US)}"
        )
    others: dict[str, Callable[[], object]] = {
        "format_price() jp Decimal": lambda: jp.format_price(Decimal("1299")),
        "format_price() se Decimal": lambda: se.format_price(amount),
        "format_price() ca fr-CA int": lambda: ca.format_price(1299, "fr-CA"),
        "tax_rate() ca CA-QC (on=None)": lambda: ca.tax_rate("standard", region="CA-QC"),
        "gross_price() ca CA-QC": lambda: ca.gross_price(amount, region="CA-QC"),
    }
    for label, call in others.items():
        print(f"  {label:<46} {_per_call_us(call, 50_000):6.2f}")

    probe = subprocess.run(
        [sys.executable, __file__, "--memory-probe", str(directory)],
        check=True,
        capture_output=True,
        text=True,
    )
    memory = json.loads(probe.stdout)
    loaded = memory["rss_loaded_kib"] - memory["rss_before_kib"]
    compiled = memory["rss_compiled_kib"] - memory["rss_before_kib"]
    print("memory of one loaded set (fresh process):")
    print(
        f"  after load():            RSS +{loaded:6d} KiB, Python heap "
        f"{memory['heap_loaded'] / 1024:7.1f} KiB"
    )
    print(
        f"  all {memory['messages']} messages compiled: RSS +{compiled:6d} KiB, Python heap "
        f"{memory['heap_compiled'] / 1024:7.1f} KiB"
    )
    print(f"  process RSS with the set loaded: {memory['rss_compiled_kib'] / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
