"""Fuzz validate, build and runtime.load with mutated real market files and bundles (issue 13).

    python benchmarks/fuzz.py --minutes 3 [--seed N]

Property-based (hypothesis): each case takes one of this repository's market files or built
bundles and mutates it (hostile scalars such as ``.nan``, ``1e-999999999``, ``"\\ud800"``,
aliases, deep nesting; byte flips, insertions and deletions; repeated lines). Then, in-process
(no process per case):

- repository cases: the mutated file replaces the original in an in-memory copy of markets/,
  which is loaded and validated; when validation finds no error, every market is compiled
  into a bundle and the bundles are read back through the runtime's verification;
- bundle cases: the mutated bundle is resealed (its manifest hash updated, as an attacker who
  can write both would) and the set loaded with ``runtime.load(precompile=True)``; a set that
  loads is asked for prices, tax and messages.

What counts as a crash: any exception other than a finding (validate), ``MarketctlError``
(build), ``BundleError`` (load), and the documented ``LookupError``/``ValueError``/
``TypeError`` of the runtime's calls; and any Python warning, which would print on stderr.
Crashes are grouped by signature (exception type and the innermost marketctl frame). Prints
cases per second and each distinct signature with one reproducing input; exit status 1 when
there is one.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BATCH = 25

HOSTILE_SCALARS = [
    ".nan",
    "-.inf",
    "1e-999999999",
    "1e+999999999",
    "9" * 400,
    '"\\ud800"',
    '"\\udfff x"',
    "!!python/object:os.system x",
    "*undefined",
    "&a [*a]",
    "[" * 80 + "]" * 80,
    "{" * 80 + "}" * 80,
    '"{n, spellout}"',
    '"{n, number, ::compact-short}"',
    '"{n, plural, one {#} other {# {m, select, a {x} other {y}}}}"',
    '"' + "{a}" * 300 + '"',
    "2026-02-30",
    "0x" + "f" * 40,
    "-0",
    "''",
    "~",
    "true",
    "<<: *x",
    "? [a, b]\n: c",
]


@dataclass
class Crash:
    signature: str
    detail: str
    example: str


class MemorySource:
    """markets/ in memory: the loading path reads it as it reads the working tree."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    @property
    def label(self) -> str:
        return "fuzz"

    def list_files(self, directory: str) -> list[str]:
        prefix = directory.rstrip("/") + "/"
        return sorted(path for path in self.files if path.startswith(prefix))

    def read(self, path: str) -> bytes:
        from marketctl.core.limits import MAX_FILE_BYTES, too_large

        data = self.files[path]
        if len(data) > MAX_FILE_BYTES:
            raise too_large(len(data))
        return data

    def escapes_root(self, path: str) -> bool:
        return False


def market_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for path in sorted((ROOT / "markets").rglob("*.yaml")):
        files[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    return files


def built_bundles(directory: Path) -> Path:
    from marketctl.testing import build_bundles

    scratch = directory / "config"
    shutil.copytree(ROOT / "markets", scratch / "markets")
    return build_bundles(directory / "dist", root=scratch)


class _Printed(Exception):
    """A Python warning: it would be printed on stderr beside the findings, so it counts."""

    def __init__(self, warning: warnings.WarningMessage) -> None:
        super().__init__(f"{warning.category.__name__}: {str(warning.message)[:300]}")
        self.where = f"{Path(warning.filename).name}:{warning.lineno}"


def _signature(error: BaseException) -> str:
    if isinstance(error, _Printed):
        return f"warning {str(error).split(':', 1)[0]} at {error.where}"
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "marketctl" in f.filename and "benchmarks" not in f.filename]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    place = f"{Path(where.filename).name}:{where.lineno}" if where else "?"
    return f"{type(error).__name__} at {place}"


_PARSED: dict[tuple[str, bytes], Any] = {}


def _cached_load_document(path: str, raw: bytes) -> Any:
    """Unchanged files are parsed once per run: only the mutated one costs a parse."""
    from marketctl.core.documents import load_document

    key = (path, raw)
    if key not in _PARSED:
        if len(_PARSED) > 256:
            _PARSED.clear()
        _PARSED[key] = load_document(path, raw)
    return _PARSED[key]


def document_case(path: str, data: bytes) -> None:
    """Parse one mutated file through the limits: a finding or a document, never a crash."""
    from marketctl.core.documents import load_document

    load_document(path, data)


def repository_case(files: dict[str, bytes], path: str, data: bytes) -> None:
    """Validate (and, when clean, build and load) markets/ with ``path`` replaced by ``data``.
    Raises only on a crash."""
    from marketctl.checks.validation import validate_repository
    from marketctl.commands.build import compile_markets
    from marketctl.core.errors import MarketctlError
    from marketctl.repository import loading

    changed = dict(files)
    changed[path] = data
    original = loading.load_document
    loading.load_document = _cached_load_document
    try:
        repository = loading.load_repository(MemorySource(changed))  # type: ignore[arg-type]
    finally:
        loading.load_document = original
    codes = _reached(repository, path, data)
    report = validate_repository(repository, codes)
    if report.failed() or not codes:
        return
    try:
        compiled = compile_markets(repository, codes)
    except MarketctlError:
        return
    with tempfile.TemporaryDirectory() as scratch:
        _write_set(Path(scratch), {f"{c}.json": b for c, b in compiled.items()})
        _load_and_use(Path(scratch))


def _reached(repository: Any, path: str, data: bytes) -> list[str]:
    """The markets a mutated file is part of: its own market, or for a shared layer two of
    the markets it reaches (chosen by the content, so a case is reproducible). Validating all
    seventeen for every case would cost a second each; the shared file is checked the same."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] in repository.markets:
        return [parts[1]]
    codes = sorted(repository.markets)
    if not codes:
        return []
    start = int.from_bytes(hashlib.sha256(data).digest()[:4], "big") % len(codes)
    return sorted({codes[start], codes[(start + 7) % len(codes)]})


def _write_set(directory: Path, bundles: dict[str, bytes]) -> None:
    from marketctl import __version__

    entries = {}
    for name, data in bundles.items():
        (directory / name).write_bytes(data)
        entries[name.removesuffix(".json")] = {
            "file": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
        }
    manifest = {
        "format": 1,
        "generator": {"name": "marketctl", "version": __version__, "cldr": "0", "tzdata": "0"},
        "source": {"commit": None, "dirty": None, "built_at": None},
        "bundles": entries,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def bundle_case(directory: Path, name: str, data: bytes) -> None:
    """Load a set of one bundle, ``name`` with content ``data``, sealed with a matching
    manifest (as an attacker who can write both would). Raises on a crash."""
    for stale in directory.glob("*.json"):
        stale.unlink()
    _write_set(directory, {name: data})
    _load_and_use(directory)


_EXPECTED_CALL_ERRORS = (LookupError, ValueError, TypeError)


def _load_and_use(directory: Path) -> None:
    from marketctl import runtime

    try:
        markets = runtime.load(directory, precompile=True)
    except runtime.BundleError:
        return
    for market in markets.values():
        calls: list[Callable[[], object]] = [
            lambda m=market: m.format_price(Decimal("1299.5")),  # type: ignore[misc]
            lambda m=market: m.format_price(10**20),  # type: ignore[misc]
            lambda m=market: m.tax_rate("standard", region=_a_region(m)),  # type: ignore[misc]
            lambda m=market: m.gross_price(Decimal("100"), region=_a_region(m)),  # type: ignore[misc]
            lambda m=market: m.message("checkout.total", amount=Decimal("12.5")),  # type: ignore[misc]
            lambda m=market: m.message("cart.items", count=3),  # type: ignore[misc]
            lambda m=market: [m.feature_enabled(f, "unit-1") for f in m.features],  # type: ignore[misc]
        ]
        for call in calls:
            try:
                call()
            except runtime.BundleError:
                pass  # found on first use: allowed (a broken part of a set not precompiled)
            except _EXPECTED_CALL_ERRORS:
                pass


def _a_region(market: Any) -> str | None:
    regions = market.data.get("tax", {}).get("regions") or {}
    return sorted(regions)[0] if isinstance(regions, dict) and regions else None


# --- mutations (hypothesis strategies) ------------------------------------------------------


def strategies(files: dict[str, bytes], bundles: dict[str, bytes]) -> Any:
    from hypothesis import strategies as st

    yaml_paths = sorted(files)

    def mutate_yaml(draw: Any) -> tuple[str, bytes]:
        path = draw(st.sampled_from(yaml_paths))
        lines = files[path].decode("utf-8").split("\n")
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["scalar", "bytes", "dup", "drop", "indent"]))
            index = draw(st.integers(0, max(len(lines) - 1, 0)))
            line = lines[index] if lines else ""
            if kind == "scalar" and ": " in line:
                key, _, _ = line.partition(": ")
                lines[index] = f"{key}: {draw(st.sampled_from(HOSTILE_SCALARS))}"
            elif kind == "scalar" and line.lstrip().startswith("- "):
                lead = line[: len(line) - len(line.lstrip())]
                lines[index] = f"{lead}- {draw(st.sampled_from(HOSTILE_SCALARS))}"
            elif kind == "dup":
                lines.insert(index, line)
            elif kind == "drop" and lines:
                del lines[index]
            elif kind == "indent":
                lines[index] = " " * draw(st.integers(0, 6)) + line.lstrip()
            else:
                raw = bytearray(line.encode("utf-8", "surrogateescape"))
                position = draw(st.integers(0, len(raw)))
                raw[position:position] = draw(st.binary(min_size=1, max_size=4))
                lines[index] = raw.decode("utf-8", "surrogateescape")
        text = "\n".join(lines)
        return path, text.encode("utf-8", "surrogateescape")

    def mutate_bundle(draw: Any) -> tuple[str, bytes]:
        name = draw(st.sampled_from(sorted(bundles)))
        document = json.loads(bundles[name])
        for _ in range(draw(st.integers(1, 3))):
            _mutate_json(document, draw)
        text = json.dumps(document, ensure_ascii=draw(st.booleans()))
        return name, text.encode("utf-8", "surrogatepass")  # a lone surrogate: invalid UTF-8

    return st.composite(mutate_yaml)(), st.composite(mutate_bundle)()


_JSON_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    10**6,
    10**30,
    1.5,
    "",
    "NaN",
    "1e999999",
    "2026-02-30",
    "-0.5",
    "9" * 60,
    "\ud800",
    "{n, plural, other {#}}",
    "{x, spellout}",
    [],
    {},
    [[[[[]]]]],
    {"other": "x"},
]


def _mutate_json(document: Any, draw: Any) -> None:
    from hypothesis import strategies as st

    node = document
    for _ in range(draw(st.integers(1, 7))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            child = node[key]
            if not isinstance(child, dict | list) or not child or draw(st.booleans()):
                choice = draw(st.integers(0, 9))
                if choice == 0:
                    del node[key]
                elif choice == 1:
                    node[key + "_x"] = copy.deepcopy(draw(st.sampled_from(_JSON_VALUES)))
                else:
                    node[key] = copy.deepcopy(draw(st.sampled_from(_JSON_VALUES)))
                return
            node = child
        elif isinstance(node, list) and node:
            index = draw(st.integers(0, len(node) - 1))
            child = node[index]
            if not isinstance(child, dict | list) or not child or draw(st.booleans()):
                node[index] = copy.deepcopy(draw(st.sampled_from(_JSON_VALUES)))
                return
            node = child
        else:
            return


# --- the driver ------------------------------------------------------------------------------


def run(
    seconds: float, seed: int | None = None, report: Callable[[str], None] = print
) -> dict[str, Crash]:
    """Fuzz for about ``seconds``; the distinct crashes by signature."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as fixed_seed
    from hypothesis import strategies as st
    from hypothesis.errors import HypothesisException

    files = market_files()
    crashes: dict[str, Crash] = {}
    counts = {"document": 0, "repository": 0, "bundle": 0}
    with tempfile.TemporaryDirectory() as scratch:
        dist = built_bundles(Path(scratch))
        bundle_names = sorted(p.name for p in dist.glob("*.json") if p.name != "manifest.json")
        bundles = {name: (dist / name).read_bytes() for name in bundle_names}
        yaml_cases, bundle_cases = strategies(files, bundles)
        single = Path(scratch) / "single"
        single.mkdir()

        def record(kind: str, example: str, error: BaseException) -> None:
            signature = _signature(error)
            if signature not in crashes:
                crashes[signature] = Crash(
                    signature, "".join(traceback.format_exception(error))[-2000:], example
                )
                report(f"new crash signature: {signature}")

        batch = settings(
            max_examples=BATCH,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )

        @batch
        @given(st.tuples(yaml_cases, st.integers(0, 3)))
        def fuzz_repository(case: tuple[tuple[str, bytes], int]) -> None:
            (path, data), lane = case
            # Parsing through the limits is cheap; a whole validate + build + load costs
            # about a hundred parses, so one case in four goes the whole way.
            whole = lane == 0
            counts["repository" if whole else "document"] += 1
            with warnings.catch_warnings(record=True) as printed:
                warnings.simplefilter("always")
                try:
                    if whole:
                        repository_case(files, path, data)
                    else:
                        document_case(path, data)
                except Exception as error:
                    record("repository", f"{path}: {data[:300]!r}", error)
            for warning in printed:
                record("repository", f"{path}: {data[:300]!r}", _Printed(warning))

        @batch
        @given(bundle_cases)
        def fuzz_bundles(case: tuple[str, bytes]) -> None:
            counts["bundle"] += 1
            name, data = case
            with warnings.catch_warnings(record=True) as printed:
                warnings.simplefilter("always")
                try:
                    bundle_case(single, name, data)
                except Exception as error:
                    record("bundle", f"{name}: {data[:300]!r}", error)
            for warning in printed:
                record("bundle", f"{name}: {data[:300]!r}", _Printed(warning))

        started = time.monotonic()
        runs = 0
        for test, until in (
            (fuzz_repository, started + seconds / 2),
            (fuzz_bundles, started + seconds),
        ):
            # Batches of BATCH examples, each a fresh hypothesis run (new random choices),
            # until the time is up.
            while time.monotonic() < until:
                runs += 1
                if seed is not None:
                    test = fixed_seed(seed + runs)(test)
                try:
                    test()
                except HypothesisException as error:  # pragma: no cover - reported
                    report(f"hypothesis stopped: {error}")
        elapsed = time.monotonic() - started
    total = sum(counts.values())
    report(
        f"{total} cases in {elapsed:.0f} s ({total / elapsed:.1f} cases/s, "
        f"{total / elapsed * 60:.0f} per minute): {counts['document']} parse (one mutated "
        f"file through the limits), {counts['repository']} whole repository (load, validate, "
        f"build when clean, runtime.load), {counts['bundle']} bundle (resealed, runtime.load "
        "with precompile, calls)"
    )
    report(f"distinct crash signatures: {len(crashes)}")
    for crash in crashes.values():
        report(f"- {crash.signature}\n  example: {crash.example}\n{crash.detail}")
    return crashes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int)
    options = parser.parse_args()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    os.environ.setdefault("MARKETCTL_FUZZ", "1")
    crashes = run(options.minutes * 60, options.seed)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
