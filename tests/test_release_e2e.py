"""End to end, as processes: a signed staging build published to a separate local HTTP server,
the example service loading it over HTTP; the server goes away, a set signed with the wrong
key and a set missing a market are refused on reload, and the service keeps serving."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from test_service_e2e import _get, _names, _service

HERE = Path(__file__).resolve().parent
SERVER = HERE / "bundleserver.py"
# How long a step may take before the service counts as hung (waits end on a condition; the
# bound only ends a hang, and a busy machine is slow).
TIMEOUT = 120.0

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="reloads on SIGHUP")


def _marketctl(root: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "marketctl", "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _publish(source: Path, bucket: Path) -> None:
    """What a release job does: replace the bucket's objects, bundles first, manifest last."""
    for stale in bucket.iterdir():
        if stale.name not in {p.name for p in source.iterdir()}:
            stale.unlink()
    for path in sorted(source.iterdir(), key=lambda p: p.name.startswith("manifest")):
        shutil.copyfile(path, bucket / path.name)


@contextmanager
def _bucket_server(bucket: Path, port: int = 0) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, str(SERVER), str(bucket), str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield process, url
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _reload(process: subprocess.Popen[str], log: Path, lines: int) -> str:
    """SIGHUP the service and return the log line the reload wrote."""
    process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        # Whole lines only: the service may be half-way through writing the next one.
        written = log.read_text(encoding="utf-8").split("\n")[:-1]
        if len(written) > lines:
            return written[lines]
        time.sleep(0.05)
    pytest.fail("the service did not log the reload")


def test_staging_service_over_http_with_signed_sets(repo: Path, tmp_path: Path) -> None:
    key, wrong = tmp_path / "release.key", tmp_path / "wrong.key"
    _marketctl(repo, "keys", "generate", str(key))
    _marketctl(repo, "keys", "generate", str(wrong))
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    build = tmp_path / "build"
    _marketctl(repo, "build", "--env", "staging", "--sign", str(key), "-o", str(build))
    key_id = json.loads((build / "manifest.sig").read_text())["key_id"]
    _publish(build, bucket)

    log = tmp_path / "service.log"
    with _bucket_server(bucket) as (server, url):
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        service_args = ["--env", "staging", "--trust", f"{key}.pub"]
        with _service_over_http(url, service_args, log) as (service, base):
            status, health = _get(base, "/healthz")
            assert (status, health["environment"], health["signed_by"]) == (200, "staging", key_id)
            assert health["markets"] == ["ca", "jp", "se"]
            # staging: every feature at 100 % from 2026-11-01 (jp's own schedule starts later)
            answer = _get(
                base, "/markets/jp/feature?name=buyback&unit=user-1&at=2026-11-02T00:00:00Z"
            )
            assert answer[1]["enabled"] is True

            # 1. The bucket server goes away: the reload is refused, the service keeps serving.
            server.terminate()
            server.wait(timeout=10)
            line = _reload(service, log, 0)
            assert line.startswith(
                "marketctl-example-service: reload refused, still serving the previous set: "
                f"{url}manifest.json: cannot fetch: "
            )
            assert _names(base) == {"ca": "Canada", "jp": "Japan", "se": "Sweden"}

            with _bucket_server(bucket, port):
                # 2. A set signed with a key the service does not trust.
                (repo / "markets/se/market.yaml").write_text(
                    (repo / "markets/se/market.yaml").read_text().replace("Sweden", "Sverige")
                )
                _marketctl(
                    repo, "build", "--env", "staging", "--sign", str(wrong), "-o", str(build)
                )
                wrong_id = json.loads((build / "manifest.sig").read_text())["key_id"]
                _publish(build, bucket)
                assert _reload(service, log, 1) == (
                    "marketctl-example-service: reload refused, still serving the previous set: "
                    f"{url}manifest.sig: signed by key {wrong_id}, which this service does not "
                    f"trust (it trusts {key_id})"
                )
                assert _names(base)["se"] == "Sweden"

                # 3. A correctly signed set that is missing a market in service.
                partial = tmp_path / "partial"
                _marketctl(
                    repo,
                    "build",
                    "ca",
                    "jp",
                    "--env",
                    "staging",
                    "--sign",
                    str(key),
                    "-o",
                    str(partial),
                )
                _publish(partial, bucket)
                assert _reload(service, log, 2) == (
                    "marketctl-example-service: reload refused, still serving the previous set: "
                    f"{url}manifest.json: drops market(s) se that this service is serving, "
                    "without listing them as withdrawn; a market leaves only explicitly "
                    "(status: withdrawn, or deleted from markets/ and rebuilt over the previous "
                    "set); keeping the current set"
                )
                assert _names(base) == {"ca": "Canada", "jp": "Japan", "se": "Sweden"}

                # 4. The good release is taken.
                _marketctl(repo, "build", "--env", "staging", "--sign", str(key), "-o", str(build))
                _publish(build, bucket)
                assert _reload(service, log, 3) == (
                    f"marketctl-example-service: reloaded ca, jp, se from {url}"
                )
                assert _names(base)["se"] == "Sverige"

    # A production service without a trusted key refuses to start (safe by default).
    with _bucket_server(bucket) as (_, url):
        result = subprocess.run(
            [
                sys.executable,
                str(HERE.parent / "examples/service/app.py"),
                "--bundles",
                url,
                "--env",
                "production",
                "--port",
                "0",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        assert result.stderr == (
            "marketctl-example-service: cannot start: trust: env='production' loads only sets "
            "signed by a trusted key: pass trust=[public key], or insecure=True to load "
            "unsigned sets on purpose\n"
        )


@contextmanager
def _service_over_http(
    url: str, extra: list[str], log: Path
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    with _service(url, log, extra) as running:
        yield running
