"""runtime.watch() (issue 23.3): a background poller over a real HTTP origin on 127.0.0.1 that
reloads only on change (conditional requests), backs off on failure, keeps the last good set
and says so in its state."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from tests.bundleserver import BundleServer

from clitools import edit, invoke
from marketctl import runtime


def _build(capsys: pytest.CaptureFixture[str], repo: Path, out: Path) -> None:
    outcome = invoke(capsys, repo, "build", "-o", str(out), "jp", "se")
    assert outcome.code == 0, outcome.err


def _publish(source: Path, bucket: Path) -> None:
    for path in sorted(source.iterdir()):
        if path.name != "manifest.json":
            shutil.copyfile(path, bucket / path.name)
    shutil.copyfile(source / "manifest.json", bucket / "manifest.json")


def test_watch_reloads_on_change_only_and_backs_off_on_failure(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dist, bucket = tmp_path / "dist", tmp_path / "bucket"
    _build(capsys, repo, dist)
    shutil.copytree(dist, bucket)
    server = BundleServer(bucket)
    changed, failed = threading.Event(), threading.Event()
    polls: list[int] = []

    def on_error(error: runtime.BundleError) -> None:
        failed.set()

    try:
        watched = runtime.watch(
            server.url,
            interval=0.02,
            jitter=0.5,
            max_backoff=0.1,
            on_change=lambda markets: changed.set(),
            on_error=on_error,
            timeout=2,
            insecure=True,
        )
        with watched:
            assert (watched.state.release, watched.state.reloads) == (1, 0)

            # Idle polls (the thread's and these): a 304 each, no reload, no on_change.
            assert [watched.poll() for _ in range(3)] == [False, False, False]
            assert server.requests.count(("manifest.json", 304)) >= 3
            assert not changed.is_set()
            assert watched.state.reloads == 0
            assert ("jp.json", 200) in server.requests  # the first load only
            assert server.requests.count(("jp.json", 200)) == 1

            # A new release: swapped in, on_change called, release and age in the state.
            edit(repo / "markets/jp/market.yaml", "name: Japan", "name: Nippon")
            _build(capsys, repo, dist)
            _publish(dist, bucket)
            assert changed.wait(20)
            assert watched.markets["jp"].name == "Nippon"
            state = watched.state
            assert (state.release, state.reloads, state.failures) == (2, 1, 0)
            assert state.age(now=state.loaded_at + 5) == 5

            # A corrupt manifest: refused, the last good set stays, failures back off.
            server.overrides["manifest.json"] = b"{"
            assert failed.wait(20)
            assert watched.markets["jp"].name == "Nippon"
            assert watched.state.last_error == (
                f"{server.url}manifest.json: not valid JSON (line 1 column 2: Expecting "
                "property name enclosed in double quotes); rebuild the directory with "
                "marketctl build"
            )
            assert watched.state.failures >= 1
            assert watched.next_delay() >= 0.02
            polls.append(watched.state.polls)
        assert watched.state.polls >= polls[0]
    finally:
        server.stop()


def test_a_failing_callback_does_not_stop_the_poller(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    _build(capsys, repo, dist)

    def broken(markets: runtime.Markets) -> None:
        raise RuntimeError("the service's bug")

    watched = runtime.watch(dist, interval=1000, max_backoff=1000, on_change=broken, insecure=True)
    with watched:
        assert watched.poll() is True  # a directory reloads every time
        assert watched.state.last_error == "broken raised RuntimeError: the service's bug"
        assert watched.poll() is True
        assert watched.state.polls == 2


def test_a_start_while_the_origin_is_down_loads_the_last_verified_copy(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 23.4: the set read over HTTP is kept in state_dir; a process started while the
    origin is down loads it, verified again, within fallback_max_age, and says so."""
    dist, bucket, state = tmp_path / "dist", tmp_path / "bucket", tmp_path / "state"
    _build(capsys, repo, dist)
    shutil.copytree(dist, bucket)
    server = BundleServer(bucket)
    url = server.url
    try:
        assert runtime.load(url, state_dir=state, insecure=True).from_disk is False
    finally:
        server.stop()

    with pytest.raises(runtime.BundleError) as down:
        runtime.load(url, timeout=2, insecure=True)
    markets = runtime.load(url, state_dir=state, timeout=2, insecure=True)
    assert (markets.from_disk, markets.release, markets.path) == (True, 1, url)
    assert markets["jp"].name == "Japan"

    # Too old a copy: the origin's own error, as without a copy.
    with pytest.raises(runtime.BundleError) as too_old:
        runtime.load(url, state_dir=state, timeout=2, fallback_max_age=0, insecure=True)
    assert str(too_old.value) == str(down.value)

    # A copy changed on disk is refused like any other set.
    (kept,) = [
        p
        for p in (state / "bundles").iterdir()
        if p.read_bytes() == (dist / "jp.json").read_bytes()
    ]
    kept.write_bytes(kept.read_bytes().replace(b"Japan", b"Jaqan"))
    with pytest.raises(runtime.BundleError) as damaged:
        runtime.load(url, state_dir=state, timeout=2, insecure=True)
    assert str(damaged.value).startswith(f"{url}jp.json: SHA-256 ")

    # The origin back: a reload reads it and the set is no longer the disk copy.
    kept.write_bytes((dist / "jp.json").read_bytes())
    markets = runtime.load(url, state_dir=state, timeout=2, insecure=True)
    server = BundleServer(bucket, port=int(url.rsplit(":", 1)[1].strip("/")))
    try:
        assert markets.reload() is True
        assert markets.from_disk is False
    finally:
        server.stop()


def test_a_refused_manifest_is_not_fetched_again_until_it_changes(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A set refused for what it says (here: another environment) costs one full fetch, then a
    304 per poll; the current set keeps serving."""
    bucket, other = tmp_path / "bucket", tmp_path / "other"
    assert invoke(capsys, repo, "build", "-o", str(bucket), "--env", "staging", "jp").code == 0
    assert invoke(capsys, repo, "build", "-o", str(other), "jp").code == 0  # no environment
    server = BundleServer(bucket)
    try:
        markets = runtime.load(server.url, env="staging")
        _publish(other, bucket)
        with pytest.raises(runtime.BundleError):
            markets.reload()
        server.requests.clear()
        assert markets.reload() is False
        assert markets.reload() is False
        assert server.requests == [("manifest.json", 304), ("manifest.json", 304)]
        assert markets.environment == "staging"
    finally:
        server.stop()
