"""The bucketing scheme as a named field: catalogue default, per-feature override, in bundles,
decided by the runtime, and a switch rated high by diff."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import mmh3
import pytest

from clitools import edit, invoke, line_of, needs_module
from marketctl import runtime
from marketctl.runtime.rollout import bucket_hash, bucket_hash_v3, hash_in_rollout

# flagd-testbed gherkin/targeting.feature, "Fractional operator shorthand", flag
# fractional-flag-shorthand (variants heads 50, tails 50; flags/custom-ops.json), copied by hand:
# Examples v2: jon@company.com heads, jane@company.com tails;
# Examples v3 (@fractional-v3): jon@company.com tails, jane@company.com tails.
TESTBED_SHORTHAND = [
    ("flagd-fractional-v2", "jon@company.com", "heads"),
    ("flagd-fractional-v2", "jane@company.com", "tails"),
    ("flagd-fractional-v3", "jon@company.com", "tails"),
    ("flagd-fractional-v3", "jane@company.com", "tails"),
]


@pytest.mark.parametrize(("scheme", "unit", "expected"), TESTBED_SHORTHAND)
def test_flagd_testbed_shorthand_vectors(scheme: str, unit: str, expected: str) -> None:
    hashing = {"flagd-fractional-v2": bucket_hash, "flagd-fractional-v3": bucket_hash_v3}[scheme]
    heads = hash_in_rollout(hashing("fractional-flag-shorthand", unit), 50, 100)
    assert ("heads" if heads else "tails") == expected


def test_v3_is_murmur3_of_canonical_cbor() -> None:
    cbor2 = needs_module("cbor2")  # openfeature-flagd-core's, in the test extra
    # every CBOR text-length form: < 24, one byte, two bytes
    for feature, unit in [
        ("b", "u"),
        ("buyback", "x" * 23),
        ("f" * 24, "y" * 255),
        ("g", "z" * 256),
    ]:
        encoded = cbor2.dumps([feature, unit], canonical=True)
        assert bucket_hash_v3(feature, unit) == mmh3.hash(encoded, seed=0, signed=False)
    assert bucket_hash_v3("buyback", "user-1") != bucket_hash("buyback", "user-1")


def test_scheme_default_override_bundle_and_runtime(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    catalogue = repo / "markets/_defaults/features.yaml"
    edit(
        catalogue,
        "    requires: [instant_quote]\n",
        "    requires: [instant_quote]\n    bucketing: flagd-fractional-v3\n",
    )
    out = tmp_path / "dist"
    assert invoke(capsys, repo, "build", "-o", str(out)).code == 0
    features = json.loads((out / "jp.json").read_text())["features"]
    assert features["buyback"]["bucketing"] == "flagd-fractional-v3"
    assert features["instant_quote"]["bucketing"] == "flagd-fractional-v2"
    jp = runtime.load(out, insecure=True)["jp"]
    assert jp.feature_bucketing("buyback") == "flagd-fractional-v3"
    at = datetime(2027, 1, 20, tzinfo=UTC)  # buyback at 50 % in jp
    units = [f"user-{n}" for n in range(2000)]
    decided = [jp.feature_enabled("buyback", unit_id=u, at=at) for u in units]
    assert decided == [hash_in_rollout(bucket_hash_v3("buyback", u), 1, 2) for u in units]
    assert decided != [hash_in_rollout(bucket_hash("buyback", u), 1, 2) for u in units]

    text = catalogue.read_text()
    catalogue.write_text(
        text.replace("features:\n", "bucketing: flagd-fractional-v3\nfeatures:\n", 1)
    )
    assert invoke(capsys, repo, "build", "-o", str(out)).code == 0
    features = json.loads((out / "jp.json").read_text())["features"]
    assert {f["bucketing"] for f in features.values()} == {"flagd-fractional-v3"}


def test_an_unknown_scheme_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / "markets/_defaults/features.yaml",
        "    requires: [instant_quote]\n",
        "    requires: [instant_quote]\n    bucketing: flagd-fractional-v4\n",
    )
    outcome = invoke(capsys, repo, "validate", "--format", "json")
    found = json.loads(outcome.out)["findings"]
    catalogue = repo / "markets/_defaults/features.yaml"
    assert [(f["code"], f["file"], f["line"], f["column"]) for f in found] == [
        ("MKT101", "markets/_defaults/features.yaml", line_of(catalogue, "fractional-v4"), 16)
    ]


def test_diff_rates_a_switch_of_scheme_high(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "m"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)
    edit(
        repo / "markets/_defaults/features.yaml",
        "    requires: [instant_quote]\n",
        "    requires: [instant_quote]\n    bucketing: flagd-fractional-v3\n",
    )
    outcome = invoke(capsys, repo, "diff", "HEAD", "--format", "json")
    changes = json.loads(outcome.out)["changes"]
    assert [(c["market"], c["key"], c["before"], c["after"], c["risk"]) for c in changes] == [
        ("ca", "features.buyback.bucketing", "flagd-fractional-v2", "flagd-fractional-v3", "high"),
        ("jp", "features.buyback.bucketing", "flagd-fractional-v2", "flagd-fractional-v3", "high"),
        ("se", "features.buyback.bucketing", "flagd-fractional-v2", "flagd-fractional-v3", "high"),
    ]


VECTORS = json.loads((Path(__file__).parent / "vectors/rollout.json").read_text(encoding="utf-8"))[
    "flagd_fractional_v3"
]


@pytest.mark.parametrize(
    "case", VECTORS["vectors"], ids=lambda c: f"{c['feature'][:8]}-{c['unit_id'][:12]}"
)
def test_v3_vectors(case: dict[str, object]) -> None:
    from decimal import Decimal

    from marketctl.runtime.rollout import weights_for_percent

    feature, unit = str(case["feature"]), str(case["unit_id"])
    assert bucket_hash_v3(feature, unit) == case["hash"]
    for percent, decision in case["decisions"].items():  # type: ignore[attr-defined]
        on, off = weights_for_percent(Decimal(percent))
        assert hash_in_rollout(bucket_hash_v3(feature, unit), on, on + off) is decision


def test_v3_testbed_vectors_in_the_shipped_file() -> None:
    for case in VECTORS["flagd_testbed"]:
        heads = hash_in_rollout(bucket_hash_v3(case["feature"], case["unit_id"]), 50, 100)
        assert ("heads" if heads else "tails") == case["expected_variant"]
