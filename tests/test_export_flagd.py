"""marketctl export flagd: the definitions pass flagd's schema and decide as the runtime does.

Independent evaluators, each from a package registry:
- ``@openfeature/flagd-core`` 4.0.1 (npm; the JavaScript flagd evaluator, fractional-v2), run
  with node through tests/flagd/evaluate.mjs; it parses with strict validation against flagd's
  flag and targeting schemas (compiled into the package). Install: npm install --prefix tests/flagd
- ``openfeature-flagd-core`` 2.0.0 (PyPI; the Python evaluator, fractional-v3).
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clitools import IN_CI, edit, invoke, needs_module
from marketctl import runtime

FLAGD = Path(__file__).parent / "flagd"
UNITS = [f"user-{n}" for n in range(300)] + ["42", "device:ab12cd34", "session-7f3e9a"]


def _node_ready() -> bool:
    return (
        shutil.which("node") is not None
        and (FLAGD / "node_modules/@openfeature/flagd-core/package.json").is_file()
    )


# Skipped where node is missing, except in CI (CI=true), where .ci/run installs it and
# _node_answers fails the test instead.
needs_node = pytest.mark.skipif(
    not _node_ready() and not IN_CI, reason="needs node and `npm ci --prefix tests/flagd`"
)


def _node(*args: str, stdin: str, timeout: float) -> subprocess.CompletedProcess[str]:
    assert _node_ready(), "node and tests/flagd are required in CI: .ci/run installs them"
    return subprocess.run(
        ["node", str(FLAGD / "evaluate.mjs"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _export(
    capsys: pytest.CaptureFixture[str], repo: Path, out: Path, *args: str
) -> dict[str, Any]:
    outcome = invoke(capsys, repo, "export", "flagd", "-o", str(out), *args)
    assert outcome.code == 0, outcome.err
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def _probes(markets: runtime.Markets) -> list[tuple[str, str, str, int]]:
    """Every market x feature, at each step boundary -1 s, 0, +1 s, for every unit."""
    probes = []
    for code in markets:
        bundle_features = json.loads(Path(markets.path, f"{code}.json").read_text())["features"]
        for name, feature in sorted(bundle_features.items()):
            moments = {1_700_000_000}
            for step in feature["steps"]:
                instant = int(
                    datetime.strptime(step["at"], "%Y-%m-%dT%H:%M:%SZ")
                    .replace(tzinfo=UTC)
                    .timestamp()
                )
                moments |= {instant - 1, instant, instant + 1}
            for moment in sorted(moments):
                probes.extend((name, code, unit, moment) for unit in UNITS)
    return probes


def _runtime_answers(
    markets: runtime.Markets, probes: list[tuple[str, str, str, int]]
) -> list[bool]:
    return [
        markets[code].feature_enabled(name, unit_id=unit, at=datetime.fromtimestamp(t, UTC))
        for name, code, unit, t in probes
    ]


def _node_answers(flags: Path, probes: list[tuple[str, str, str, int]]) -> list[bool]:
    result = _node(str(flags), stdin=json.dumps(probes), timeout=300)
    assert result.returncode == 0, result.stderr
    answers: list[bool] = json.loads(result.stdout)
    return answers


@needs_node
@pytest.mark.parametrize("environment", [None, "staging"])
def test_flagd_core_js_accepts_the_export_and_agrees_on_every_probe(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, environment: str | None
) -> None:
    env_args = ("--env", environment) if environment else ()
    flags = tmp_path / "flags.json"
    document = _export(capsys, repo, flags, *env_args)
    assert document["$schema"] == "https://flagd.dev/schema/v0/flags.json"
    assert sorted(document["flags"]) == [
        "battery_health_badge",
        "buyback",
        "carbon_savings_label",
        "express_checkout",
        "installments",
        "instant_quote",
    ]
    assert invoke(capsys, repo, "build", "-o", str(tmp_path / "dist"), *env_args).code == 0
    markets = runtime.load(tmp_path / "dist", insecure=True)
    probes = _probes(markets)
    expected = _runtime_answers(markets, probes)
    assert len(probes) > 20_000
    assert 0 < sum(expected) < len(expected)  # both answers occur
    assert _node_answers(flags, probes) == expected


@needs_node
def test_flagd_core_js_refuses_a_definition_outside_flagds_schema(tmp_path: Path) -> None:
    # The check can fail: an `if` with a bad operator is not flagd targeting.
    flags = tmp_path / "flags.json"
    flags.write_text(
        json.dumps(
            {
                "flags": {
                    "x": {
                        "state": "SOMETIMES",
                        "variants": {"on": True, "off": False},
                        "defaultVariant": "off",
                    }
                }
            }
        )
    )
    result = _node(str(flags), stdin="[]", timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("invalid flagd flag configuration")


def test_flagd_core_python_agrees_on_v3_features(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    core_module = needs_module("openfeature.contrib.tools.flagd.core")
    targeting = needs_module("openfeature.contrib.tools.flagd.core.targeting.targeting")
    from openfeature.evaluation_context import EvaluationContext

    text = (repo / "markets/_defaults/features.yaml").read_text()
    (repo / "markets/_defaults/features.yaml").write_text(
        text.replace("features:\n", "bucketing: flagd-fractional-v3\nfeatures:\n", 1)
    )
    flags = tmp_path / "flags.json"
    document = _export(capsys, repo, flags, "--for", "python")
    assert document["metadata"]["evaluators"] == (
        "openfeature-flagd-core 2.x and openfeature-provider-flagd 0.6 (Python, in-process)"
    )
    assert {f["metadata"]["bucketing"] for f in document["flags"].values()} == {
        "flagd-fractional-v3"
    }
    assert invoke(capsys, repo, "build", "-o", str(tmp_path / "dist")).code == 0
    markets = runtime.load(tmp_path / "dist", insecure=True)
    probes = _probes(markets)
    expected = _runtime_answers(markets, probes)
    core = core_module.FlagdCore()
    core.set_flags(flags.read_text())
    now = {"t": 0}
    monkeypatch.setattr(targeting.time, "time", lambda: now["t"])
    answers = []
    for name, code, unit, moment in probes:
        now["t"] = moment
        context = EvaluationContext(targeting_key=unit, attributes={"market": code})
        answers.append(core.resolve_boolean_value(name, False, context).value)
    assert 0 < sum(expected) < len(expected)
    assert answers == expected


def test_export_metadata_and_refusal(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = _export(capsys, repo, tmp_path / "flags.json", "--env", "staging")
    assert document["metadata"] == {
        "flagSetId": "marketctl",
        "version": "",
        "environment": "staging",
        "evaluators": "the flagd daemon and @openfeature/flagd-core 4.x (JavaScript)",
    }
    buyback = document["flags"]["buyback"]
    assert buyback["metadata"] == {
        "owner": "team-trade-in",
        "description": (
            "Sell an old device to us for store credit or a bank transfer, with a prepaid "
            "shipping kit."
        ),
        "bucketing": "flagd-fractional-v2",
        "requires": "instant_quote",
    }
    assert document["flags"]["express_checkout"]["metadata"]["expires"] == "2027-06-30"
    edit(repo / "markets/jp/rollout.yaml", "percent: 50}", "percent: 500}")
    outcome = invoke(capsys, repo, "export", "flagd")
    assert outcome.code == 1
    assert outcome.out == ""
    assert "markets/jp/rollout.yaml:" in outcome.err


def test_a_scheme_the_evaluator_does_not_implement_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 23.7: flagd and JavaScript flagd-core bucket every flag with v2; a v3 feature in a
    partial rollout is refused for them, unless --rebucket says to export it anyway."""
    edit(
        repo / "markets/_defaults/features.yaml",
        "    requires: [instant_quote]\n",
        "    requires: [instant_quote]\n    bucketing: flagd-fractional-v3\n",
    )
    out = tmp_path / "flags.json"
    refused = invoke(capsys, repo, "export", "flagd", "-o", str(out))
    assert refused.code == 1
    assert refused.err == (
        "Error: feature(s) buyback bucket with flagd-fractional-v3, which the flagd daemon and "
        "@openfeature/flagd-core 4.x (JavaScript) does not implement: it would decide them "
        "with flagd-fractional-v2, and many units in a partial rollout would get another "
        "answer than marketctl.runtime gives\n  export --for the evaluator the services use, "
        "set the features' bucketing: to flagd-fractional-v2, or pass --rebucket to export "
        "them anyway (decided with flagd-fractional-v2)\n"
    )
    assert not out.exists()
    # For the Python evaluators the v2 features are the mismatch.
    python = invoke(capsys, repo, "export", "flagd", "--for", "python", "-o", str(out))
    assert python.code == 1
    assert python.err.startswith("Error: feature(s) ")
    assert "buyback" not in python.err.split(" bucket with ")[0]
    document = _export(capsys, repo, out, "--rebucket")
    assert document["flags"]["buyback"]["metadata"]["decidedWith"] == "flagd-fractional-v2"
    assert "decidedWith" not in document["flags"]["instant_quote"]["metadata"]


def _provider_answers(
    flags: Path, probes: list[tuple[str, str, str, int]], monkeypatch: pytest.MonkeyPatch
) -> list[bool]:
    """openfeature-provider-flagd in in-process file mode, through the OpenFeature SDK."""
    flagd_provider = pytest.importorskip("openfeature.contrib.provider.flagd")
    from openfeature import api
    from openfeature.contrib.provider.flagd.config import ResolverType
    from openfeature.evaluation_context import EvaluationContext

    # The provider evaluates with the flagd core's targeting (its clock patched per probe).
    targeting = importlib.import_module("openfeature.contrib.tools.flagd.core.targeting.targeting")
    # deadline_ms: how often the provider's file watcher thread wakes, so that it sees the
    # shutdown below soon and can be joined.
    provider = flagd_provider.FlagdProvider(
        resolver_type=ResolverType.FILE, offline_flag_source_path=str(flags), deadline_ms=100
    )
    before = set(threading.enumerate())
    api.set_provider_and_wait(provider)
    try:
        client = api.get_client()
        now = {"t": 0}
        monkeypatch.setattr(targeting.time, "time", lambda: now["t"])
        answers = []
        for name, code, unit, moment in probes:
            now["t"] = moment
            context = EvaluationContext(targeting_key=unit, attributes={"market": code})
            details = client.get_boolean_details(name, False, context)
            assert details.error_code is None, (name, details.error_message)
            answers.append(details.value)
    finally:
        api.shutdown()
        for thread in set(threading.enumerate()) - before:
            thread.join(timeout=30)  # the watcher ends at its next wake-up after shutdown
    return answers


def test_the_python_openfeature_provider_in_file_mode_agrees_on_v3_features(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """openfeature-provider-flagd 0.6.1 (PyPI): the export --for python decides as the runtime
    on every probe of v3 features; v2 features exported for it anyway (--rebucket) do not."""
    assert invoke(capsys, repo, "build", "-o", str(tmp_path / "v2")).code == 0
    v2_flags = tmp_path / "v2.json"
    _export(capsys, repo, v2_flags, "--for", "python", "--rebucket")

    text = (repo / "markets/_defaults/features.yaml").read_text()
    (repo / "markets/_defaults/features.yaml").write_text(
        text.replace("features:\n", "bucketing: flagd-fractional-v3\nfeatures:\n", 1)
    )
    flags = tmp_path / "flags.json"
    _export(capsys, repo, flags, "--for", "python")
    assert invoke(capsys, repo, "build", "-o", str(tmp_path / "dist")).code == 0
    markets = runtime.load(tmp_path / "dist", insecure=True)
    probes = _probes(markets)
    expected = _runtime_answers(markets, probes)
    assert 0 < sum(expected) < len(expected)
    assert _provider_answers(flags, probes, monkeypatch) == expected

    # The same provider on v2 features: it hashes with v3, and units get other answers.
    v2 = runtime.load(tmp_path / "v2", insecure=True)
    v2_probes = _probes(v2)
    v2_expected = _runtime_answers(v2, v2_probes)
    v2_answers = _provider_answers(v2_flags, v2_probes, monkeypatch)
    differ = sum(a != b for a, b in zip(v2_answers, v2_expected, strict=True))
    assert differ > 0
