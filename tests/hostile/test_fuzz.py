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
    crashes = fuzz.run(20, seed=13, report=lines.append)
    assert crashes == {}, "\n".join(lines)
    assert lines[-1] == "distinct crash signatures: 0"
    cases = int(lines[-2].split()[0])
    assert cases >= 20, lines[-2]


def test_a_crash_is_reported_with_its_signature() -> None:
    """The harness can fail: a case that raises what no contract allows is a signature."""
    fuzz = _fuzz_module()
    with pytest.raises(TypeError) as raised:
        fuzz.document_case("markets/se/tax.yaml", None)
    error = raised.value
    assert fuzz._signature(error) == "TypeError at documents.py:" + str(
        error.__traceback__.tb_next.tb_next.tb_lineno  # type: ignore[union-attr]
    )
