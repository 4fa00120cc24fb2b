"""Environments (markets/_environments/*.yaml), partial builds, removals and signed sets."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clitools import edit, findings, invoke, line_of, places
from marketctl import runtime

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_AUTHOR_DATE": "2026-11-01T12:00:00Z",
    "GIT_COMMITTER_DATE": "2026-11-01T12:00:00Z",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=GIT_ENV
    )
    return result.stdout.strip()


def _commit(root: Path) -> str:
    if not (root / ".git").exists():
        _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "markets")
    return _git(root, "rev-parse", "HEAD")


def _ok(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> str:
    outcome = invoke(capsys, root, *args)
    assert outcome.code == 0, outcome.out + outcome.err
    return outcome.out


def _manifest(directory: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((directory / "manifest.json").read_text())


AFTER_STAGING_STEP = datetime(2026, 11, 2, tzinfo=UTC)


# -- environments --------------------------------------------------------------------------


def test_staging_is_the_last_layer_and_is_written_into_every_bundle(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "staging"
    assert _ok(capsys, repo, "build", "-o", str(out), "--env", "staging") == (
        f"built 3 bundle(s) into {out} for environment 'staging': ca, jp, se\n"
    )
    assert _manifest(out)["environment"] == "staging"
    for code in ("ca", "jp", "se"):
        assert json.loads((out / f"{code}.json").read_text())["environment"] == "staging"
    staging = runtime.load(out, env="staging")
    # jp's own schedule has buyback at 10 % on 2026-12-01; staging has it at 100 % from 11-01.
    assert staging["jp"].feature_enabled("buyback", unit_id="user-1", at=AFTER_STAGING_STEP)
    plain = tmp_path / "plain"
    _ok(capsys, repo, "build", "-o", str(plain))
    assert _manifest(plain)["environment"] is None
    assert not runtime.load(plain, insecure=True)["jp"].feature_enabled(
        "buyback", unit_id="user-1", at=AFTER_STAGING_STEP
    )


def test_the_runtime_refuses_a_set_built_for_another_environment(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    _ok(capsys, repo, "build", "-o", str(out), "--env", "staging")
    with pytest.raises(runtime.BundleError) as refused:
        runtime.load(out, env="production", insecure=True)
    assert str(refused.value) == (
        f"{out / 'manifest.json'}: built for environment 'staging', but this service runs in "
        "'production': build it with marketctl build --env production"
    )


def test_explain_shows_the_environment_layer(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    staging = repo / "markets/_environments/staging.yaml"
    line = line_of(staging, "  buyback:")
    own = line_of(repo / "markets/jp/rollout.yaml", "- {at: 2026-12-01T09:00")
    out = _ok(capsys, repo, "explain", "jp", "rollout.features.buyback", "--env", "staging")
    assert out.splitlines()[:3] == [
        'rollout.features.buyback = [{"at": "2026-11-01T00:00", "percent": 100}]',
        f"  from markets/_environments/staging.yaml:{line}:12",
        f"  overrides markets/jp/rollout.yaml:{own}:5: [",
    ]


def test_diff_shows_an_environment_change(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _commit(repo)
    edit(
        repo / "markets/_environments/staging.yaml",
        "buyback: [{at: 2026-11-01T00:00, percent: 100}]",
        "buyback: [{at: 2026-11-01T00:00, percent: 50}]",
    )
    out = _ok(capsys, repo, "diff", "HEAD", "--env", "staging", "--format", "json")
    changes = json.loads(out)["changes"]
    assert [(c["market"], c["key"], c["before"], c["after"], c["risk"]) for c in changes] == [
        (code, "rollout.features.buyback[2026-11-01T00:00].percent", 100, 50, "medium")
        for code in ("ca", "jp", "se")
    ]
    assert json.loads(_ok(capsys, repo, "diff", "HEAD", "--format", "json"))["changes"] == []


def test_an_environment_cannot_change_money_or_law(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    staging = repo / "markets/_environments/staging.yaml"
    staging.write_text(
        staging.read_text()
        + "currency: EUR\nmarkets:\n  se:\n    tax:\n      system: vat\n"
        + "    features: {}\n  xx:\n    features: {}\n"
    )
    found = findings(capsys, repo, "--env", "staging")
    where = "markets/_environments/staging.yaml"
    assert places(found, "MKT610") == [
        ("MKT610", where, line_of(staging, "currency: EUR"), 1),
        ("MKT610", where, line_of(staging, "    tax:"), 5),
        ("MKT610", where, line_of(staging, "  xx:"), 3),
    ]
    assert [f["message"] for f in found if f["code"] == "MKT610"] == [
        "environment 'staging' sets 'currency': an environment changes rollout only; "
        "currency, prices, tax and consumer law are the same in every environment",
        "environment 'staging' sets 'tax': an environment changes rollout only; "
        "currency, prices, tax and consumer law are the same in every environment",
        "environment 'staging' has a part for market 'xx', which has no folder in markets/",
    ]
    outcome = invoke(capsys, repo, "build", "--env", "staging", "-o", str(repo / "dist"))
    assert outcome.code == 1
    assert not (repo / "dist").exists()


def test_an_unknown_environment_is_named(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, repo, "build", "--env", "stagign")
    assert outcome.code == 1
    assert outcome.err == (
        "Error: no environment 'stagign': markets/_environments/stagign.yaml does not exist\n"
        "  did you mean 'staging'?\n"
    )


def test_production_refuses_a_dirty_tree_unless_told(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    commit = _commit(repo)
    clean = tmp_path / "clean"
    _ok(capsys, repo, "build", "--env", "production", "-o", str(clean))
    assert _manifest(clean)["source"] == {
        "commit": commit,
        "dirty": False,
        "built_at": "2026-11-01T12:00:00Z",
        "dirty_allowed": False,
    }
    edit(repo / "markets/jp/messages/ja.yaml", 'cart.title: "', 'cart.title: "🛒 ')
    outcome = invoke(capsys, repo, "build", "--env", "production", "-o", str(tmp_path / "d"))
    assert (outcome.code, outcome.err) == (
        1,
        "Error: environment 'production' builds from a commit, and markets/ has uncommitted "
        "changes\n  commit or stash them (git status markets/), or pass --allow-dirty (recorded "
        "in the manifest as source.dirty_allowed)\n",
    )
    assert not (tmp_path / "d").exists()
    _ok(capsys, repo, "build", "--env", "production", "--allow-dirty", "-o", str(tmp_path / "d"))
    assert _manifest(tmp_path / "d")["source"]["dirty_allowed"] is True
    # staging does not require a clean tree
    _ok(capsys, repo, "build", "--env", "staging", "-o", str(tmp_path / "s"))
    assert _manifest(tmp_path / "s")["source"]["dirty_allowed"] is False


# -- partial builds and removals ---------------------------------------------------------


def test_a_partial_build_keeps_the_rest_of_the_set_verified(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    _ok(capsys, repo, "build", "-o", str(out))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    edit(repo / "markets/jp/messages/ja.yaml", 'cart.title: "', 'cart.title: "🛒 ')
    assert _ok(capsys, repo, "build", "jp", "-o", str(out)) == (
        f"built 1 bundle(s) into {out}: jp\nkept 2 verified from the previous set: ca, se\n"
    )
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(after) == ["ca.json", "jp.json", "manifest.json", "se.json"]
    assert after["ca.json"] == before["ca.json"] and after["se.json"] == before["se.json"]
    assert after["jp.json"] != before["jp.json"]
    markets = runtime.load(out, insecure=True)
    assert sorted(markets) == ["ca", "jp", "se"]
    assert markets["jp"].message("cart.title", locale="ja-JP").startswith("🛒 ")


def test_a_partial_build_refuses_a_damaged_set(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    _ok(capsys, repo, "build", "-o", str(out))
    (out / "se.json").write_bytes((out / "se.json").read_bytes().replace(b"Sweden", b"Swedem"))
    outcome = invoke(capsys, repo, "build", "jp", "-o", str(out))
    assert outcome.code == 1
    first = outcome.err.splitlines()[0]
    assert first.startswith(f"Error: the set in {out} does not verify, so it cannot be kept: ")
    assert f"{out / 'se.json'}: SHA-256 " in first
    assert outcome.err.splitlines()[1] == (
        "  build every market (marketctl build without market names) to replace it"
    )


def test_withdrawn_and_deleted_markets_leave_the_set_explicitly(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    _ok(capsys, repo, "build", "-o", str(out))
    service = runtime.load(out, insecure=True)
    edit(repo / "markets/se/market.yaml", "status: live", "status: withdrawn")
    assert _ok(capsys, repo, "build", "-o", str(out)) == (
        f"built 2 bundle(s) into {out}: ca, jp\nwithdrawn (services drop them): se\n"
    )
    assert _manifest(out)["withdrawn"] == ["se"]
    assert service.reload() is True
    assert sorted(service) == ["ca", "jp"]

    import shutil

    shutil.rmtree(repo / "markets/jp")
    _ok(capsys, repo, "build", "-o", str(out))
    assert _manifest(out)["withdrawn"] == ["jp", "se"]
    service.reload()
    assert sorted(service) == ["ca"]


def test_reload_refuses_a_set_that_silently_drops_a_market(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    _ok(capsys, repo, "build", "-o", str(out))
    service = runtime.load(out, insecure=True)
    # A fresh build of two markets (not over the previous set) says nothing about se.
    other = tmp_path / "other"
    _ok(capsys, repo, "build", "ca", "jp", "-o", str(other))
    with pytest.raises(runtime.BundleError) as refused:
        service.reload(other)
    assert str(refused.value) == (
        f"{other / 'manifest.json'}: drops market(s) se that this service is serving, without "
        "listing them as withdrawn; a market leaves only explicitly (status: withdrawn, or "
        "deleted from markets/ and rebuilt over the previous set); keeping the current set"
    )
    assert sorted(service) == ["ca", "jp", "se"]
    assert service.path == str(out)


# -- signed sets ---------------------------------------------------------------------------


def _keys(capsys: pytest.CaptureFixture[str], repo: Path, name: str) -> tuple[Path, Path]:
    private = repo.parent / name
    out = _ok(capsys, repo, "keys", "generate", str(private))
    assert out.startswith(f"wrote {private} (private: keep it secret) and {private}.pub")
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    return private, Path(f"{private}.pub")


def test_signed_sets_are_verified_against_the_trusted_keys(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key, public = _keys(capsys, repo, "release.key")
    _, other_public = _keys(capsys, repo, "other.key")
    out = tmp_path / "dist"
    printed = _ok(capsys, repo, "build", "-o", str(out), "--sign", str(key))
    signature = json.loads((out / "manifest.sig").read_text())
    assert printed.splitlines()[-1] == f"signed manifest.json with key {signature['key_id']}"
    assert signature["algorithm"] == "ed25519"

    markets = runtime.load(out, trust=[public])
    assert markets.signed_by == signature["key_id"]
    # rotation: the old and the new key are both trusted
    assert runtime.load(out, trust=[other_public, public.read_text()]).signed_by is not None

    with pytest.raises(runtime.BundleError) as wrong:
        runtime.load(out, trust=[other_public])
    assert str(wrong.value).startswith(
        f"{out / 'manifest.sig'}: signed by key {signature['key_id']}, which this service "
        "does not trust (it trusts "
    )


def test_a_replaced_set_fails_its_signature_and_reload_keeps_the_last_good(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key, public = _keys(capsys, repo, "release.key")
    out = tmp_path / "dist"
    _ok(capsys, repo, "build", "-o", str(out), "--sign", str(key))
    service = runtime.load(out, trust=[public])
    old_sig = (out / "manifest.sig").read_bytes()
    old_se = service.manifest["bundles"]["se"]["sha256"]

    # Whoever can write the files rebuilds a set (checksums all fine) and keeps the old sig.
    edit(repo / "markets/se/market.yaml", "name: Sweden", "name: Swedem")
    _ok(capsys, repo, "build", "-o", str(out))
    (out / "manifest.sig").write_bytes(old_sig)
    with pytest.raises(runtime.BundleError) as refused:
        service.reload()
    assert str(refused.value) == (
        f"{out / 'manifest.sig'}: the signature by key {json.loads(old_sig)['key_id']} does "
        "not match manifest.json: the set was changed after it was signed"
    )
    assert service.manifest["bundles"]["se"]["sha256"] == old_se

    (out / "manifest.sig").unlink()
    with pytest.raises(runtime.BundleError) as unsigned:
        service.reload()
    assert str(unsigned.value) == (
        f"{out / 'manifest.sig'}: missing: this service trusts only signed sets (build with "
        "marketctl build --sign)"
    )


def test_a_bad_signing_key_is_a_clear_error(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, public = _keys(capsys, repo, "release.key")
    outcome = invoke(capsys, repo, "build", "-o", str(tmp_path / "d"), "--sign", str(public))
    assert (outcome.code, outcome.err) == (
        1,
        f"Error: {public} is not an unencrypted private key in PEM\n"
        "  pass the private key file written by marketctl keys generate (never the .pub)\n",
    )


def test_plain_validate_checks_the_rollout_of_every_environment(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    staging = repo / "markets/_environments/staging.yaml"
    edit(staging, "  buyback: [{at:", "  buy_back: [{at:")
    found = findings(capsys, repo)
    assert places(found) == [
        ("MKT601", "markets/_environments/staging.yaml", line_of(staging, "buy_back"), 3)
    ]
    assert found[0]["hint"] == "did you mean 'buyback'?"
