"""runtime.load() and reload() over HTTP, against a real local server (tests/bundleserver.py)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bundleserver import BundleServer
from clitools import edit, invoke
from marketctl import runtime


def _build(capsys: pytest.CaptureFixture[str], repo: Path, out: Path, *args: str) -> None:
    outcome = invoke(capsys, repo, "build", "-o", str(out), *args)
    assert outcome.code == 0, outcome.err


@pytest.fixture
def published(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Iterator[tuple[Path, BundleServer]]:
    """A build, copied to a 'bucket' folder that a local server serves; stopped with every
    thread it started joined, so none writes into a later test's output."""
    dist = tmp_path / "dist"
    _build(capsys, repo, dist)
    bucket = tmp_path / "bucket"
    shutil.copytree(dist, bucket)
    before = set(threading.enumerate())
    server = BundleServer(bucket)
    yield bucket, server
    server.stop()
    assert set(threading.enumerate()) <= before


def _publish(source: Path, bucket: Path) -> None:
    """Bundles first, manifest last: what the README tells publishers to do."""
    for path in sorted(source.iterdir()):
        if path.name not in ("manifest.json", "manifest.sig"):
            shutil.copyfile(path, bucket / path.name)
    for name in ("manifest.sig", "manifest.json"):
        if (source / name).exists():
            shutil.copyfile(source / name, bucket / name)


def test_load_over_http_then_reload_with_a_conditional_request(
    published: tuple[Path, BundleServer],
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    bucket, server = published
    markets = runtime.load(server.url, insecure=True)
    assert sorted(markets) == ["ca", "jp", "se"]
    assert markets.path == server.url
    assert str(markets["jp"].format_price(__import__("decimal").Decimal("1299"))) == "￥1,299"
    assert sorted(server.requests) == [
        ("ca.json", 200),
        ("jp.json", 200),
        ("manifest.json", 200),
        ("manifest.sig", 404),
        ("se.json", 200),
    ]

    server.requests.clear()
    assert markets.reload() is False  # 304: nothing else is fetched
    assert server.requests == [("manifest.json", 304)]

    edit(repo / "markets/se/market.yaml", "name: Sweden", "name: Sverige")
    _build(capsys, repo, tmp_path / "next")
    _publish(tmp_path / "next", bucket)
    server.requests.clear()
    assert markets.reload() is True
    # Only the bundle whose SHA-256 changed is downloaded.
    assert sorted(server.requests) == [
        ("manifest.json", 200),
        ("manifest.sig", 404),
        ("se.json", 200),
    ]
    assert markets["se"].name == "Sverige"


def test_a_server_that_goes_away_leaves_the_last_good_set(
    published: tuple[Path, BundleServer],
) -> None:
    _, server = published
    markets = runtime.load(server.url, timeout=2, insecure=True)
    server.stop()
    with pytest.raises(runtime.BundleError) as gone:
        markets.reload()
    assert str(gone.value).startswith(f"{server.url}manifest.json: cannot fetch: ")
    assert sorted(markets) == ["ca", "jp", "se"]
    assert markets["jp"].name == "Japan"


def test_a_truncated_bundle_is_refused_and_the_last_good_set_kept(
    published: tuple[Path, BundleServer],
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    bucket, server = published
    markets = runtime.load(server.url, insecure=True)
    edit(repo / "markets/jp/market.yaml", "name: Japan", "name: Nippon")
    _build(capsys, repo, tmp_path / "next")
    _publish(tmp_path / "next", bucket)
    server.mode = "truncate"
    with pytest.raises(runtime.BundleError) as cut:
        markets.reload()
    assert str(cut.value).startswith(f"{server.url}")
    assert "jp.json" in str(cut.value)
    assert markets["jp"].name == "Japan"
    server.mode = "normal"
    assert markets.reload() is True
    assert markets["jp"].name == "Nippon"


def test_an_old_manifest_is_refused(
    published: tuple[Path, BundleServer],
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bucket, server = published
    # Both builds at one pinned time: the release number, not a clock, orders them.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    _build(capsys, repo, tmp_path / "old")
    shutil.copytree(tmp_path / "old", tmp_path / "new")
    edit(repo / "markets/jp/market.yaml", "name: Japan", "name: Nippon")
    _build(capsys, repo, tmp_path / "new")  # replaces release 1: release 2
    _publish(tmp_path / "new", bucket)
    markets = runtime.load(server.url, insecure=True)
    assert markets["jp"].name == "Nippon"

    # A stale cache serves the old manifest beside the new bundles: checksums disagree.
    server.overrides["manifest.json"] = (tmp_path / "old/manifest.json").read_bytes()
    old_jp = json.loads(server.overrides["manifest.json"])["bundles"]["jp"]
    with pytest.raises(runtime.BundleError) as stale:
        markets.reload()
    assert str(stale.value).startswith(f"{server.url}jp.json: ")
    assert old_jp["sha256"] in str(stale.value) or "bytes" in str(stale.value)

    # The whole old set, consistent in itself, is refused for being older than the current.
    _publish(tmp_path / "old", bucket)
    server.overrides.clear()
    with pytest.raises(runtime.BundleError) as older:
        markets.reload()
    assert str(older.value) == (
        f"{server.url}manifest.json: release 1 is older than release 2 in service: a replayed "
        "release or a stale cache; keeping the current set (to go back on purpose, publish a "
        "new release with the old content: marketctl release rollback)"
    )
    assert markets["jp"].name == "Nippon"


def test_size_limit_and_timeout(published: tuple[Path, BundleServer]) -> None:
    bucket, server = published
    size = json.loads((bucket / "manifest.json").read_text())["bundles"]["ca"]["bytes"]
    with pytest.raises(runtime.BundleError) as big:
        runtime.load(server.url, max_bytes=1000, insecure=True)
    # The manifest (under 1000 bytes) is read; the first bundle is refused before its body.
    assert str(big.value) == f"{server.url}ca.json: {size} bytes, above the limit of 1000"
    assert ("ca.json", 200) not in server.requests

    server.mode, server.delay = "slow", 1.5
    with pytest.raises(runtime.BundleError) as slow:
        runtime.load(server.url, timeout=0.3, insecure=True)
    assert str(slow.value).startswith(f"{server.url}manifest.json: ")


def test_environment_and_signature_are_checked_over_http(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key = tmp_path / "release.key"
    assert invoke(capsys, repo, "keys", "generate", str(key)).code == 0
    bucket = tmp_path / "bucket"
    _build(capsys, repo, bucket, "--env", "staging", "--sign", str(key))
    server = BundleServer(bucket)
    try:
        markets = runtime.load(server.url, env="staging", trust=[Path(f"{key}.pub")])
        assert markets.environment == "staging"
        assert markets.signed_by == json.loads((bucket / "manifest.sig").read_text())["key_id"]
        with pytest.raises(runtime.BundleError) as wrong_env:
            runtime.load(server.url, env="production", insecure=True)
        assert str(wrong_env.value).startswith(
            f"{server.url}manifest.json: built for environment 'staging', but this service "
            "runs in 'production'"
        )
        (bucket / "manifest.sig").unlink()
        with pytest.raises(runtime.BundleError) as unsigned:
            runtime.load(server.url, trust=[Path(f"{key}.pub")])
        assert str(unsigned.value) == (
            f"{server.url}manifest.sig: missing: this service trusts only signed sets "
            "(build with marketctl build --sign)"
        )
    finally:
        server.stop()


def test_only_http_urls(tmp_path: Path) -> None:
    with pytest.raises(runtime.BundleError) as query:
        runtime.load("http://127.0.0.1:9/dist?x=1", insecure=True)
    assert str(query.value) == (
        "http://127.0.0.1:9/dist?x=1: a bundle URL has no query or fragment: name the directory"
    )
