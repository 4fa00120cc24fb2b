"""One signed object per publish (issue 23.2): marketctl release publish writes bundles named by
SHA-256 and release.json, the signed envelope; runtime.load(".../release.json") checks the
signature before any bundle, and a bundle that does not match is a refusal of that release for
good (later polls cost a 304, or the envelope's bytes from an origin without validators)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bundleserver import BundleServer
from clitools import edit, invoke
from marketctl import runtime

REPOSITORY = Path(__file__).resolve().parents[1]


def _ok(capsys: pytest.CaptureFixture[str], repo: Path, *args: str) -> str:
    outcome = invoke(capsys, repo, *args)
    assert outcome.code == 0, outcome.err
    return outcome.out


@pytest.fixture
def signed(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    private = repo.parent / "release.key"
    _ok(capsys, repo, "keys", "generate", str(private))
    return private, Path(f"{private}.pub")


@pytest.fixture
def bucket(tmp_path: Path) -> Iterator[tuple[Path, BundleServer]]:
    folder = tmp_path / "bucket"
    folder.mkdir()
    before = set(threading.enumerate())
    server = BundleServer(folder)
    yield folder, server
    server.stop()
    assert set(threading.enumerate()) <= before


def _release(
    capsys: pytest.CaptureFixture[str], repo: Path, key: Path, out: Path, folder: Path
) -> dict[str, object]:
    _ok(capsys, repo, "build", "--env", "staging", "--sign", str(key), "-o", str(out))
    document: dict[str, object] = json.loads(
        _ok(capsys, repo, "release", "publish", str(out), str(folder), "--format", "json")
    )
    return document


def test_publish_writes_content_addressed_bundles_and_one_signed_envelope(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, signed: tuple[Path, Path]
) -> None:
    key, _ = signed
    out, folder = tmp_path / "dist", tmp_path / "bucket"
    done = _release(capsys, repo, key, out, folder)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    digests = [manifest["bundles"][code]["sha256"] for code in ("ca", "jp", "se")]
    assert done == {
        "envelope": str(folder / "release.json"),
        "release": 1,
        "environment": "staging",
        "signed": True,
        "written": [f"{digest}.json" for digest in digests],
    }
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [f"{digest}.json" for digest in digests] + ["release.json"]
    )  # the bundles in market order, the envelope last
    for digest in digests:
        assert hashlib.sha256((folder / f"{digest}.json").read_bytes()).hexdigest() == digest
    envelope = json.loads((folder / "release.json").read_text(encoding="ascii"))
    schema = json.loads((REPOSITORY / "schemas/envelope.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(envelope)
    assert envelope == {
        "envelope": 1,
        "manifest": (out / "manifest.json").read_text(encoding="utf-8"),
        "signature": (out / "manifest.sig").read_text(encoding="utf-8"),
    }
    # The same set again writes no bundle; an older release is refused.
    assert _ok(capsys, repo, "release", "publish", str(out), str(folder)) == (
        f"published release 1 (signed) as {folder / 'release.json'}: 0 new bundle(s)\n"
    )
    _ok(capsys, repo, "build", "--env", "staging", "--sign", str(key), "-o", str(out))
    _ok(capsys, repo, "release", "publish", str(out), str(folder))
    old = tmp_path / "old"
    _ok(capsys, repo, "build", "--env", "staging", "--release", "1", "-o", str(old))
    outcome = invoke(capsys, repo, "release", "publish", str(old), str(folder))
    assert (outcome.code, outcome.out) == (1, "")
    assert outcome.err == (
        f"Error: {old} is release 1, but {folder / 'release.json'} publishes release 2: "
        "services refuse a lower release\n"
        "  go back to old content as a new release with marketctl release rollback\n"
    )


def test_a_service_loads_the_envelope_and_checks_its_signature_before_any_bundle(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    signed: tuple[Path, Path],
    bucket: tuple[Path, BundleServer],
) -> None:
    key, public = signed
    folder, server = bucket
    _release(capsys, repo, key, tmp_path / "dist", folder)
    url = server.url + "release.json"
    markets = runtime.load(url, env="staging", trust=[public])
    assert (sorted(markets), markets.release, markets.path) == (["ca", "jp", "se"], 1, url)
    assert markets.signed_by is not None
    bundles = sorted(path.name for path in folder.iterdir() if path.name != "release.json")
    # The envelope first (its signature checked), then each bundle once.
    assert server.requests[0] == ("release.json", 200)
    assert sorted(server.requests[1:]) == [(name, 200) for name in bundles]

    server.requests.clear()
    assert markets.reload() is False
    assert server.requests == [("release.json", 304)]

    # One market changes: one new bundle is fetched.
    edit(repo / "markets/se/market.yaml", "name: Sweden", "name: Sverige")
    _release(capsys, repo, key, tmp_path / "dist", folder)
    server.requests.clear()
    assert markets.reload() is True
    assert markets["se"].name == "Sverige"
    se = markets.manifest["bundles"]["se"]["sha256"]
    assert server.requests == [("release.json", 200), (f"{se}.json", 200)]

    # A key the service does not trust: refused before any bundle is asked for.
    other = repo.parent / "other.key"
    _ok(capsys, repo, "keys", "generate", str(other))
    edit(repo / "markets/se/market.yaml", "name: Sverige", "name: Svezia")
    _release(capsys, repo, other, tmp_path / "dist", folder)
    server.requests.clear()
    with pytest.raises(runtime.BundleError) as refused:
        markets.reload()
    assert refused.value.file == url
    assert refused.value.problem.startswith("signed by key ")
    assert server.requests == [("release.json", 200)]
    assert markets["se"].name == "Sverige"


@pytest.mark.parametrize("mode", ["normal", "plain"])
def test_a_corrupt_bundle_refuses_the_release_for_good(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    signed: tuple[Path, Path],
    bucket: tuple[Path, BundleServer],
    mode: str,
) -> None:
    """Bundles are immutable: a mismatch is not 'not uploaded yet'. Each later poll costs at
    most the envelope's bytes (a 304 when the origin sends ETags), never the bundles again."""
    key, public = signed
    folder, server = bucket
    server.mode = mode
    _release(capsys, repo, key, tmp_path / "dist", folder)
    markets = runtime.load(server.url + "release.json", env="staging", trust=[public])
    edit(repo / "markets/se/market.yaml", "name: Sweden", "name: Sverige")
    _release(capsys, repo, key, tmp_path / "dist", folder)
    envelope = json.loads((folder / "release.json").read_text(encoding="ascii"))
    se = json.loads(envelope["manifest"])["bundles"]["se"]["sha256"]
    broken = folder / f"{se}.json"
    broken.write_bytes(broken.read_bytes().replace(b"Sverige", b"Sverigf"))
    server.requests.clear()
    with pytest.raises(runtime.BundleError) as refused:
        markets.reload()
    assert refused.value.file == f"{server.url}{se}.json"
    assert refused.value.problem.startswith("SHA-256 ")
    assert server.requests == [("release.json", 200), (f"{se}.json", 200)]
    for _ in range(3):
        server.requests.clear()
        assert markets.reload() is False
        assert server.requests == [("release.json", 304 if mode == "normal" else 200)]
        assert markets["se"].name == "Sweden"
    # A new envelope (the set published again, fixed) is fetched and accepted.
    broken.unlink()
    edit(repo / "markets/se/market.yaml", "name: Sverige", "name: Sverje")
    _release(capsys, repo, key, tmp_path / "dist", folder)
    assert markets.reload() is True
    assert markets["se"].name == "Sverje"


def test_a_malformed_envelope_is_a_bundle_error(
    bucket: tuple[Path, BundleServer],
) -> None:
    folder, server = bucket
    url = server.url + "release.json"
    for data, problem in [
        (b"[]", "not an envelope marketctl publish wrote"),
        (b'{"envelope": 2, "manifest": "{}", "signature": null}', "envelope format 2 is not"),
        (b'{"envelope": 1, "manifest": 3, "signature": null}', "manifest must be a string"),
        (b'{"envelope": 1, "manifest": "{}", "signature": null}', "no format version"),
    ]:
        (folder / "release.json").write_bytes(data)
        with pytest.raises(runtime.BundleError) as refused:
            runtime.load(url, insecure=True, timeout=2)
        assert refused.value.file == url
        assert problem in refused.value.problem, refused.value.problem


def test_a_start_while_the_envelope_cannot_be_read_loads_the_disk_copy(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    signed: tuple[Path, Path],
    bucket: tuple[Path, BundleServer],
) -> None:
    key, public = signed
    folder, server = bucket
    _release(capsys, repo, key, tmp_path / "dist", folder)
    url, state = server.url + "release.json", tmp_path / "state"
    options: dict[str, Any] = {
        "env": "staging",
        "trust": [public],
        "state_dir": state,
        "timeout": 2,
    }
    assert runtime.load(url, **options).from_disk is False
    (folder / "release.json").unlink()  # the origin lost its envelope: a 404
    markets = runtime.load(url, **options)
    assert (markets.from_disk, markets.release, sorted(markets)) == (True, 1, ["ca", "jp", "se"])
    assert markets.path == url
