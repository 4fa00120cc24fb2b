"""Speed and memory of marketctl.runtime against the issue's targets.

    python benchmarks/runtime.py [--bundles DIR] [--runs 101]

Without --bundles it builds this repository's markets into a temporary directory first
(`python -m marketctl build`). Prints, in one run:

- loading the whole set with `runtime.load()` against `json.load` of the same files
  (median of --runs, interleaved; target: ratio at most 1.5);
- time per call of `message()` on a cached message (target 5 µs), `feature_enabled()`
  (target 2 µs), `format_price()`, and `tax_rate()` / `gross_price()` for reference;
- `format_price()` beside JavaScript's `Intl.NumberFormat(locale, {style: "currency"})` on the
  same amounts and locales, both timed (CPU time) in their own process after a warm-up (target:
  ratio at most 1.5); without node on the PATH only our figures are printed;
- the resident memory of a loaded set, measured in a fresh process (RSS before and after
  `load()`, and the Python heap the set holds according to tracemalloc), also after every
  message of every locale has been compiled.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

LOAD_RATIO_TARGET = 1.5
MESSAGE_TARGET_US = 5.0
FEATURE_TARGET_US = 2.0
PRICE_RATIO_TARGET = 1.5

# format_price against Intl.NumberFormat: (market, locale) and a mix of amounts, ints and
# Decimals, with and without fractions, 1,000-9,999 (where minimum grouping digits matter),
# large, rounding ties and negatives. Node gets a Decimal as its string (Intl formats a string
# exactly, as we format a Decimal) and an int as a number.
PRICE_LOCALES = [
    ("se", "sv-SE"),
    ("jp", "ja-JP"),
    ("es", "es-ES"),
    ("ca", "fr-CA"),
    ("us", "en-US"),
]
PRICE_AMOUNTS: list[Decimal | int] = [
    Decimal("1299.50"),
    1299,
    Decimal("-4999.99"),
    Decimal("12345.675"),
    7,
    Decimal("0.5"),
    -250,
    Decimal("1234567.89"),
    Decimal("9999.995"),
    4500,
]
# ECMA-402's names for the market's price_rounding.
INTL_ROUNDING = {"half_up": "halfExpand", "half_even": "halfEven"}
# stdin: {"cases": [[locale, currency, roundingMode], ...], "amounts": [...], "calls": N}.
# stdout: per case the texts and the best of five timed loops of `calls` calls, in µs of CPU
# time per call, after a warm-up loop of the same length (the JIT compiles the loop and the
# formatter).
INTL_TIMER = r"""
const { cases, amounts, calls } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const values = amounts.map((a) => (a.decimal ? a.decimal : a.int));
const results = cases.map(([locale, currency, roundingMode]) => {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency, roundingMode });
  const texts = values.map((value) => format.format(value));
  let sink = 0;
  const loop = () => {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) sink += format.format(values[i % values.length]).length;
    const spent = process.cpuUsage(start);
    return spent.user + spent.system;
  };
  loop();
  let best = Infinity;
  for (let repeat = 0; repeat < 5; repeat++) best = Math.min(best, loop());
  return { texts, us: best / calls, sink };
});
process.stdout.write(JSON.stringify({ results, node: process.version, icu: process.versions.icu }));
"""


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


def _per_call_us(
    function: Callable[[], object],
    number: int = 200_000,
    timer: Callable[[], float] = time.perf_counter,
) -> float:
    """Best of five timeit repeats, in microseconds per call (the least disturbed run)."""
    function()  # warm: first use compiles and caches
    best = min(timeit.repeat(function, number=number, repeat=5, timer=timer))
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
    warm = runtime.load(directory, insecure=True)
    next(iter(warm.values())).message("cart.title")
    before = _rss_kib()
    tracemalloc.start()
    markets = runtime.load(directory, insecure=True)
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


def _intl_per_call(cases: list[tuple[str, str, str]], calls: int) -> dict[str, Any] | None:
    """Node's figures for the cases (None without node): texts and µs per call of each."""
    node = shutil.which("node")
    if node is None:
        return None
    amounts = [{"decimal": str(a)} if isinstance(a, Decimal) else {"int": a} for a in PRICE_AMOUNTS]
    finished = subprocess.run(
        [node, "-e", INTL_TIMER],
        input=json.dumps({"cases": cases, "amounts": amounts, "calls": calls}),
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, Any] = json.loads(finished.stdout)
    return figures


def _prices_against_intl(markets: Any, calls: int = 50_000, rounds: int = 3) -> None:
    """format_price and Intl.NumberFormat per call, each the best of `rounds` rounds (node's
    process, then ours) of five timed loops: a busy moment of the machine in one round does
    not count against one side only. Both sides count CPU time (the process's, node's
    compiler and GC threads included), not wall time: on a shared machine the wall clock
    also counts the time other processes held the core."""
    cases = [
        (
            locale,
            markets[code].data["currency"]["code"],
            INTL_ROUNDING[markets[code].price_rounding],
        )
        for code, locale in PRICE_LOCALES
    ]
    loops: list[Callable[[], None]] = []
    for code, locale in PRICE_LOCALES:

        def every_amount(
            format_price: Callable[..., str] = markets[code].format_price, locale: str = locale
        ) -> None:
            for amount in PRICE_AMOUNTS:
                format_price(amount, locale)

        loops.append(every_amount)
    ours = [float("inf")] * len(loops)
    intl = [float("inf")] * len(loops)
    theirs: dict[str, Any] | None = None
    for _ in range(rounds):
        theirs = _intl_per_call(cases, calls)
        if theirs is not None:
            intl = [min(best, r["us"]) for best, r in zip(intl, theirs["results"], strict=True)]
        ours = [
            min(
                best,
                _per_call_us(loop, calls // len(PRICE_AMOUNTS), time.process_time)
                / len(PRICE_AMOUNTS),
            )
            for best, loop in zip(ours, loops, strict=True)
        ]
    print(
        f"format_price() beside Intl.NumberFormat, {len(PRICE_AMOUNTS)} amounts per locale "
        f"(µs of CPU per call, best of {rounds} x 5):"
    )
    if theirs is None:
        print("  node is not on the PATH: Intl.NumberFormat not timed, our figures alone")
        for (code, locale), cost in zip(PRICE_LOCALES, ours, strict=True):
            print(f"  {code} {locale:<6} format_price {cost:6.2f}")
        return
    print(f"  (node {theirs['node']}, ICU {theirs['icu']})")
    ratios = []
    for (code, locale), cost, best, result in zip(
        PRICE_LOCALES, ours, intl, theirs["results"], strict=True
    ):
        texts = [markets[code].format_price(amount, locale) for amount in PRICE_AMOUNTS]
        same = "" if texts == result["texts"] else "  TEXTS DIFFER from Intl's"
        ratio = cost / best
        ratios.append(ratio)
        print(
            f"  {code} {locale:<6} format_price {cost:6.2f}  Intl {best:6.2f}  "
            f"ratio {ratio:5.2f}   target <= {PRICE_RATIO_TARGET}  "
            f"{_verdict(ratio <= PRICE_RATIO_TARGET)}{same}"
        )
    worst = max(ratios)
    print(
        f"  median ratio {statistics.median(ratios):.2f}, worst {worst:.2f}   "
        f"target <= {PRICE_RATIO_TARGET}  {_verdict(worst <= PRICE_RATIO_TARGET)}"
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
        runtime.load(directory, insecure=True)

    runtime.load(directory, insecure=True)  # warm the imports and the OS cache
    _json_load_all(directory, names)
    # The target is on a set never seen before (what a service does at startup): every bundle
    # parsed, hashed and checked against the schema. A reload of the same bytes skips the check.
    first, theirs, again = _median_seconds(
        [
            cold,
            lambda: _json_load_all(directory, names),
            lambda: runtime.load(directory, insecure=True),
        ],
        runs,
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

    markets = runtime.load(directory, insecure=True)
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
    _prices_against_intl(markets)

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
