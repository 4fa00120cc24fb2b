"""``marketctl export flagd``: flagd flag definitions for every feature, from the same bundles.

Services that do not use :mod:`marketctl.runtime` (another language, or a fleet already on
OpenFeature) can serve the rollouts with flagd or an in-process flagd provider and make the same
decision for every unit:

- one boolean flag per catalogue feature, variants ``on``/``off``, default ``off``;
- targeting: the market is the context attribute ``market`` (the lower-case market code, such
  as ``jp``), the unit is the ``targetingKey``; for each market with steps, the step in force is
  chosen with ``$flagd.timestamp`` (Unix seconds) against the step's UTC instant, latest first,
  and decided with ``fractional`` and the step's integer weights (``[["on", on], ["off",
  off]]``, the shorthand that buckets ``flagKey`` + ``targetingKey``); 0 % is ``off`` and
  100 % is ``on``; a market without steps, and any time before the first step, is ``off``;
- metadata: owner, description, expiry, ``requires`` (comma-separated) and the bucketing scheme.

``if`` is always written with three arguments (condition, then, else) and nested, the form
flagd's targeting schema accepts. The values come from the compiled bundles (the one
load → resolve → validate → compile path), so they are the values the runtime decides with.

The bucketing scheme: the published flagd daemon and ``@openfeature/flagd-core`` (JavaScript)
bucket with ``flagd-fractional-v2``; Python ``openfeature-flagd-core`` 2.x and the Python
OpenFeature flagd provider 0.6 with ``flagd-fractional-v3``, for every flag. An export names its
target evaluator (:data:`EVALUATORS`, ``metadata.evaluators``) and refuses a feature in a
partial rollout whose scheme the target does not implement, unless told to rebucket it. The
scheme is also in each flag's metadata so a service can check it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from marketctl.checks.validation import Report, validate_source
from marketctl.commands.build import BuildRefusedError, source_revision
from marketctl.commands.bundle import compile_bundle
from marketctl.core.errors import MarketctlError
from marketctl.repository.settings import Settings
from marketctl.repository.sources import WorktreeSource

FLAGD_SCHEMA = "https://flagd.dev/schema/v0/flags.json"

#: The evaluators an export can target: who they are, and the one bucketing scheme each
#: decides ``fractional`` with (measured, issue 23: the daemon and JavaScript flagd-core 4.x
#: hash with v2 whatever a flag's metadata says; the Python flagd core 2.x and the Python
#: OpenFeature flagd provider 0.6 with v3, for every flag).
EVALUATORS: dict[str, tuple[str, str]] = {
    "flagd": (
        "the flagd daemon and @openfeature/flagd-core 4.x (JavaScript)",
        "flagd-fractional-v2",
    ),
    "python": (
        "openfeature-flagd-core 2.x and openfeature-provider-flagd 0.6 (Python, in-process)",
        "flagd-fractional-v3",
    ),
}
#: The evaluation-context attribute that carries the market code.
MARKET_ATTRIBUTE = "market"


def _seconds(instant: str) -> int:
    return int(datetime.strptime(instant, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def _decision(step: Mapping[str, Any]) -> Any:
    on, off = step["weights"]["on"], step["weights"]["off"]
    if on == 0:
        return "off"
    if off == 0:
        return "on"
    return {"fractional": [["on", on], ["off", off]]}


def _schedule(steps: list[Mapping[str, Any]]) -> Any:
    """Latest step first: at or after its instant, its decision; else the earlier steps."""
    rule: Any = "off"
    for step in sorted(steps, key=lambda s: s["at"]):
        rule = {
            "if": [
                {">=": [{"var": "$flagd.timestamp"}, _seconds(step["at"])]},
                _decision(step),
                rule,
            ]
        }
    return rule


def _partial(feature: Mapping[str, Any]) -> bool:
    """Whether any step enables a share of units (0 % and 100 % decide alike in any scheme)."""
    return any(step["weights"]["on"] and step["weights"]["off"] for step in feature["steps"])


class SchemeMismatchError(MarketctlError):
    """A feature buckets with a scheme the target evaluator does not implement."""


def check_schemes(
    bundles: Mapping[str, Mapping[str, Any]], evaluator: str, rebucket: bool = False
) -> list[str]:
    """The features whose bucketing scheme ``evaluator`` does not implement: refused
    (:class:`SchemeMismatchError`) unless ``rebucket`` says to export them for its scheme."""
    who, scheme = EVALUATORS[evaluator]
    other = sorted(
        {
            name
            for bundle in bundles.values()
            for name, feature in bundle["features"].items()
            if feature["bucketing"] != scheme and _partial(feature)
        }
    )
    if other and not rebucket:
        others = {
            bundle["features"][name]["bucketing"]
            for bundle in bundles.values()
            for name in other
            if name in bundle["features"]
        }
        raise SchemeMismatchError(
            f"feature(s) {', '.join(other)} bucket with {', '.join(sorted(others))}, which "
            f"{who} does not implement: it would decide them with {scheme}, and many units "
            "in a partial rollout would get another answer than marketctl.runtime gives",
            "export --for the evaluator the services use, set the features' bucketing: to "
            f"{scheme}, or pass --rebucket to export them anyway (decided with {scheme})",
        )
    return other


def flagd_flags(bundles: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The ``flags`` object for a set of bundles (market code -> bundle)."""
    names = sorted({name for bundle in bundles.values() for name in bundle["features"]})
    flags: dict[str, Any] = {}
    for name in names:
        targeting: Any = "off"
        definition: Mapping[str, Any] = {}
        for code in sorted(bundles, reverse=True):
            feature = bundles[code]["features"].get(name)
            if feature is None:
                continue
            definition = feature
            if not feature["steps"]:
                continue
            targeting = {
                "if": [
                    {"===": [{"var": MARKET_ATTRIBUTE}, code]},
                    _schedule(feature["steps"]),
                    targeting,
                ]
            }
        metadata: dict[str, Any] = {
            "owner": definition.get("owner", ""),
            "description": definition.get("description", ""),
            "bucketing": definition.get("bucketing", "flagd-fractional-v2"),
        }
        if definition.get("expires"):
            metadata["expires"] = definition["expires"]
        if definition.get("requires"):
            metadata["requires"] = ",".join(definition["requires"])
        flag: dict[str, Any] = {
            "state": "ENABLED",
            "variants": {"on": True, "off": False},
            "defaultVariant": "off",
            "metadata": metadata,
        }
        if targeting != "off":
            flag["targeting"] = targeting
        flags[name] = flag
    return flags


def export_flagd(
    root: Path,
    environment: str | None = None,
    settings: Settings | None = None,
    names: Iterable[str] = (),
    evaluator: str = "flagd",
    rebucket: bool = False,
) -> tuple[Report, dict[str, Any]]:
    """Validate (refusing on errors, as build does), compile, and write flagd definitions for
    ``evaluator`` (:data:`EVALUATORS`): a feature whose scheme it does not implement is refused
    unless ``rebucket``."""
    repository, report = validate_source(WorktreeSource(root), names, settings, environment)
    if report.failed():
        raise BuildRefusedError(report)
    bundles: dict[str, Mapping[str, Any]] = {}
    for code in report.markets:
        market_file = repository.markets[code].files.get("market")
        if market_file is not None and market_file.get(("status",)) == "withdrawn":
            continue
        bundles[code] = compile_bundle(repository.market(code))
    rebucketed = check_schemes(bundles, evaluator, rebucket)
    revision = source_revision(root)
    metadata: dict[str, Any] = {"flagSetId": "marketctl", "version": revision.commit or ""}
    if environment is not None:
        metadata["environment"] = environment
    # Who decides these flags as marketctl.runtime does (every feature but the rebucketed).
    metadata["evaluators"] = EVALUATORS[evaluator][0]
    flags = flagd_flags(bundles)
    for name in rebucketed:
        flags[name]["metadata"]["decidedWith"] = EVALUATORS[evaluator][1]
    document = {"$schema": FLAGD_SCHEMA, "flags": flags, "metadata": metadata}
    return report, document


def render(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed into place."""
    directory = path.absolute().parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as error:
        raise MarketctlError(f"cannot write {path}: {error.strerror or error}") from None
