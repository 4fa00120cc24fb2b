"""validate and build beside Featurevisor's lint and build, on the same rollout (issue 11).

    npm install --prefix benchmarks/featurevisor        # once: Featurevisor's CLI, pinned
    python benchmarks/featurevisor.py                   # 1,000 features in the 3 reference markets
    python benchmarks/featurevisor.py --markets 17 --features 1000 --runs 7

It writes a marketctl repository with scale.py's generator (the reference markets, ``--keys``
source messages, ``--features`` feature flags each rolled out in every market), and the same
rollout as a Featurevisor project:

- each market is a segment (``country equals JP``) over a ``country`` attribute;
- each feature is a feature file with the catalogue's description, its ``requires`` as
  Featurevisor's ``required``, bucketed by ``userId``, and in each environment one rule per
  market with the percentage its last step reaches there (Featurevisor has no dated steps), then
  a rule for everyone else at 0 %;
- environments are marketctl's (``staging``, ``production``), with one tag for every feature.

It then times, in rounds (one of each command per round, as scale.py does), cold
``marketctl validate --no-cache`` against ``featurevisor lint`` and ``marketctl build`` against
``featurevisor build``, and prints each median and the ratios, with issue 26's targets for build
(at most 1.3× validate's time, and at most Featurevisor's build time). marketctl does more on
the same rollout (dated steps, time zones, the markets' tax, law and messages); the comparison
is of the commands a team runs on a pull request.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import _marketctl, generate, ratio, run, timed_together

HERE = Path(__file__).resolve().parent / "featurevisor"
CLI = HERE / "node_modules" / ".bin" / "featurevisor"


def _load(path: Path) -> Any:
    return yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader) or {}


def _last_percent(steps: object) -> int:
    if isinstance(steps, list) and steps and isinstance(steps[-1], dict):
        return int(steps[-1].get("percent", 0))
    return 0


def featurevisor_project(repository: Path, target: Path) -> int:
    """The repository's rollout as a Featurevisor project; returns the number of features."""
    markets = repository / "markets"
    codes = sorted(p.name for p in markets.iterdir() if not p.name.startswith(("_", ".")))
    catalogue = _load(markets / "_defaults/features.yaml").get("features", {})
    defaults = _load(markets / "_defaults/rollout.yaml").get("features", {})
    own = {code: _load(markets / code / "rollout.yaml").get("features", {}) for code in codes}
    countries = {code: _load(markets / code / "market.yaml").get("country", code) for code in codes}
    environments = {
        path.stem: _load(path) for path in sorted((markets / "_environments").glob("*.yaml"))
    }
    if target.exists():
        shutil.rmtree(target)
    for folder in ("attributes", "segments", "features"):
        (target / folder).mkdir(parents=True)
    (target / "featurevisor.config.js").write_text(
        "module.exports = {\n"
        f"  environments: {json.dumps(sorted(environments))},\n"
        '  tags: ["all"],\n'
        "};\n",
        "utf-8",
    )
    (target / "attributes/userId.yml").write_text(
        "type: string\ndescription: The customer, for bucketing\ncapture: true\n", "utf-8"
    )
    (target / "attributes/country.yml").write_text(
        "type: string\ndescription: The market's ISO 3166-1 country\n", "utf-8"
    )
    for code in codes:
        (target / f"segments/{code}.yml").write_text(
            yaml.safe_dump(
                {
                    "description": f"Market {code}",
                    "conditions": [
                        {"attribute": "country", "operator": "equals", "value": countries[code]}
                    ],
                }
            ),
            "utf-8",
        )
    for name, entry in catalogue.items():
        rules: dict[str, list[dict[str, Any]]] = {}
        for environment, document in environments.items():
            overlay = (document or {}).get("features", {}) or {}
            by_market = (document or {}).get("markets", {}) or {}
            found = []
            for code in codes:
                steps = own[code].get(name, defaults.get(name))
                market_overlay = (by_market.get(code) or {}).get("features", {}) or {}
                steps = market_overlay.get(name, overlay.get(name, steps))
                found.append({"key": code, "segments": code, "percentage": _last_percent(steps)})
            found.append({"key": "everyone", "segments": "*", "percentage": 0})
            rules[environment] = found
        feature: dict[str, Any] = {
            "description": str(entry.get("description", name)),
            "tags": ["all"],
            "bucketBy": "userId",
            "environments": {env: {"rules": found} for env, found in rules.items()},
        }
        if entry.get("requires"):
            feature["required"] = list(entry["requires"])
        (target / f"features/{name}.yml").write_text(
            yaml.safe_dump(feature, sort_keys=False), "utf-8"
        )
    return len(catalogue)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=3, help="markets (the reference three)")
    parser.add_argument("--keys", type=int, default=100, help="source message keys")
    parser.add_argument("--features", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write both projects here and keep them")
    arguments = parser.parse_args()
    if not CLI.exists():
        sys.exit(
            f"Featurevisor is not installed: npm install --prefix {HERE.relative_to(Path.cwd())}"
        )
    base = arguments.keep or Path(tempfile.mkdtemp(prefix="marketctl-featurevisor-"))
    try:
        repository = base / "marketctl"
        project = base / "featurevisor"
        markets, size = generate(repository, arguments.markets, arguments.keys, arguments.features)
        features = featurevisor_project(repository, project)
        marketctl = _marketctl()
        commands = [
            [marketctl, "validate", "--no-cache"],
            [str(CLI), "lint"],
            [marketctl, "build", "-o", str(repository / "dist")],
            [str(CLI), "build"],
        ]
        folders = [repository, project, repository, project]
        for command, folder in zip(commands, folders, strict=True):
            _, _, _, code, output = run(command, folder)  # warms the disk; refused: stop
            if code != 0:
                sys.exit(f"{' '.join(command)} failed ({code}) in {folder}:\n{output[-3000:]}")
        timings = timed_together(commands, folders, arguments.runs)
        validate, lint, build, fv_build = timings
        print(
            f"{markets} markets, {features} features, {arguments.keys} source keys "
            f"({size / 1e6:.1f} MB of marketctl YAML); median of {arguments.runs} rounds"
        )
        print(f"  marketctl validate    {validate.seconds:6.2f} s")
        print(f"  featurevisor lint     {lint.seconds:6.2f} s")
        print(f"  marketctl build       {build.seconds:6.2f} s")
        print(f"  featurevisor build    {fv_build.seconds:6.2f} s")
        print(
            f"target validate faster than Featurevisor's lint: "
            f"{ratio(validate, lint):.2f}x its time"
        )
        # Issue 26: build reuses validate's work (one parse per text, a faster serializer).
        print(f"target build at most 1.3x validate: {ratio(build, validate):.2f}x its time")
        print(f"target build at most Featurevisor's build: {ratio(build, fv_build):.2f}x its time")
    finally:
        if arguments.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
