"""Time `marketctl validate` (cold process) against check-jsonschema on the same files.

    python benchmarks/validate.py [--runs 7]

Prints the median wall time of each over the runs, and the ratio. check-jsonschema is run once
per schema kind (it takes one schema per call) over every file of that kind, which is what a CI
job using it would do; its total is the sum. `marketctl --help` is timed too (target 0.15 s).
Targets (issue 2): validate under 0.5 s and under half of check-jsonschema's time.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _executable(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    if found.exists():
        return str(found)
    which = shutil.which(name)
    if which is None:
        sys.exit(f"{name} is not installed: pip install '.[test]'")
    return which


def _time(commands: list[list[str]]) -> float:
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - start


def _kind(path: Path) -> str:
    relative = path.relative_to(ROOT / "markets").as_posix()
    if relative == "_defaults/messages/en.yaml":
        return "catalogue"
    if "/messages/" in relative:
        return "messages"
    return path.stem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    marketctl = _executable("marketctl")
    check_jsonschema = _executable("check-jsonschema")
    by_kind: dict[str, list[str]] = {}
    for path in sorted((ROOT / "markets").rglob("*.yaml")):
        by_kind.setdefault(_kind(path), []).append(str(path))
    checks = [
        [check_jsonschema, "--schemafile", str(ROOT / "schemas" / f"{kind}.schema.json"), *files]
        for kind, files in sorted(by_kind.items())
    ]
    files = sum(len(f) for f in by_kind.values())

    # Cold: the report cache would answer every run after the first from .marketctl-cache/.
    ours = [_time([[marketctl, "validate", "--no-cache"]]) for _ in range(runs)]
    cached = [_time([[marketctl, "validate"]]) for _ in range(runs)]
    theirs = [_time(checks) for _ in range(runs)]
    helps = [_time([[marketctl, "--help"]]) for _ in range(runs)]

    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"files: {files} in {len(by_kind)} kinds, runs: {runs} (median wall time)")
    print(f"marketctl validate --no-cache (schemas + rules, cold): {ours_median:.3f} s")
    print(f"marketctl validate (unchanged tree, from the cache): {statistics.median(cached):.3f} s")
    print(f"check-jsonschema (schemas only, {len(checks)} calls): {theirs_median:.3f} s")
    print(f"ratio marketctl / check-jsonschema: {ours_median / theirs_median:.2f}")
    print(f"marketctl --help: {statistics.median(helps):.3f} s")


if __name__ == "__main__":
    main()
