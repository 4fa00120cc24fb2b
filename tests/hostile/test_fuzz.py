"""The fuzzer of benchmarks/fuzz.py on a short budget: mutated market files through parse,
validate, build and runtime.load, mutated resealed bundles through runtime.load and calls.
No crash signature may appear (``python benchmarks/fuzz.py --minutes 10`` runs it longer)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from tests.clitools import needs_module

needs_module("hypothesis")

FUZZ = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz.py"


def _fuzz_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("marketctl_fuzz", FUZZ)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_fuzz_finds_no_crash() -> None:
    fuzz = _fuzz_module()
    lines: list[str] = []
    targets = ("document", "repository", "bundle", "cache")
    crashes = fuzz.run(20, seed=13, report=lines.append, targets=targets)
    assert crashes == {}, "\n".join(lines)
    assert lines[-1] == "distinct crash signatures: 0"
    cases = int(lines[-2].split()[0])
    assert cases >= 20, lines[-2]
    for target, line in zip(targets, lines[-6:-2], strict=True):
        assert line.startswith(f"{target}: "), line
        assert int(line.split()[1]) > 0 and line.split(", ")[2].startswith("0 crash signatures")


def test_fuzzed_imports_find_no_crash() -> None:
    fuzz = _fuzz_module()
    lines: list[str] = []
    crashes = fuzz.run(10, seed=13, report=lines.append, targets=("import",))
    assert crashes == {}, "\n".join(lines)
    assert lines[-3].startswith("import: ") and int(lines[-3].split()[1]) > 0


def test_a_cache_that_changes_the_report_is_a_mismatch(tmp_path: Path) -> None:
    """The cache target can fail: a report that is not the uncached one is a signature."""
    fuzz = _fuzz_module()
    with fuzz.CacheBench(tmp_path) as bench:
        fuzz.cache_case(bench, "fifo", bench.units, b"")  # the real one: no mismatch
        bench.expected = type(bench.expected)("another report", 0)
        with pytest.raises(fuzz.Mismatch) as raised:
            fuzz.cache_case(bench, "fifo", bench.units, b"")
    assert fuzz._signature(raised.value) == (
        "mismatch: fifo at v1/findings.units: the cached report is not the uncached one"
    )


def test_a_crash_is_reported_with_its_signature() -> None:
    """The harness can fail: a case that raises what no contract allows is a signature."""
    fuzz = _fuzz_module()
    with pytest.raises(TypeError) as raised:
        fuzz.document_case("markets/se/tax.yaml", None)
    error = raised.value
    assert fuzz._signature(error) == "TypeError at documents.py:" + str(
        error.__traceback__.tb_next.tb_next.tb_lineno  # type: ignore[union-attr]
    )
