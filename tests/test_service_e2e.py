"""End to end: `marketctl build` as a process, the example service as a process, real HTTP.

Builds a copy of this repository's markets, starts examples/service/app.py on a free loopback
port, checks its answers, reloads it with SIGHUP, then corrupts one bundle and checks that the
service refuses to start.
"""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import quote

import mmh3
import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
APP = REPOSITORY / "examples" / "service" / "app.py"
NBSP = "\u00a0"
# How long a step may take before the service counts as hung (waits end on a condition; the
# bound only ends a hang, and a busy machine is slow).
START_TIMEOUT = 120.0


def _build(root: Path, output: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "marketctl", "--root", str(root), "build", "-o", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"built 3 bundle(s) into {output}: ca, jp, se\n"


@contextmanager
def _service(
    bundles: Path | str, log: Path, extra: list[str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The running service and its base URL; terminated on the way out. Without ``extra`` it
    serves an unsigned set built for no environment, which it loads only with --insecure."""
    if extra is None:
        extra = ["--insecure"]
    with open(log, "w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(APP), "--bundles", str(bundles), "--port", "0", *extra],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=START_TIMEOUT):
            pytest.fail(f"the service printed no address: {log.read_text(encoding='utf-8')}")
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        base = line.split()[-1]
        _wait_healthy(base, process, log)
        yield process, base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _wait_healthy(base: str, process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the service exited: {log.read_text(encoding='utf-8')}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    pytest.fail("the service did not become healthy in time")


def _get(base: str, path: str, timeout: float = 10) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{base}{path}", timeout=timeout) as response:
            assert response.headers["Content-Type"] == "application/json; charset=utf-8"
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = json.loads(error.read())
        error.close()
        return error.code, body


def _decision(feature: str, unit: str, percent: int) -> bool:
    h = mmh3.hash((feature + unit).encode("ascii"), 0, signed=False)
    share = Fraction(percent, 100)
    return h * share.denominator < share.numerator * 2**32


def test_service_answers_then_refuses_a_corrupted_set(repo: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _build(repo, dist)

    log = tmp_path / "service.log"
    with _service(dist, log) as (process, base):
        status, health = _get(base, "/healthz")
        assert status == 200
        assert health["status"] == "ok"
        assert health["markets"] == ["ca", "jp", "se"]

        assert _get(base, "/markets/jp/price?amount=1299&locale=ja-JP") == (
            200,
            {
                "market": "jp",
                "locale": "ja-JP",
                "currency": "JPY",
                "amount": "1299",
                "formatted": "￥1,299",
            },
        )
        assert _get(base, "/markets/se/price?amount=1299")[1]["formatted"] == (
            f"1{NBSP}299,00{NBSP}kr"
        )
        assert _get(base, "/markets/ca/price?amount=1299&locale=fr-CA")[1]["formatted"] == (
            f"1{NBSP}299,00{NBSP}$"
        )
        assert _get(base, "/markets/ca/price?amount=1299&locale=en")[1]["formatted"] == (
            "$1,299.00"
        )

        assert _get(base, "/markets/ca/tax?kind=standard&region=CA-QC&on=2026-01-01&net=100") == (
            200,
            {
                "market": "ca",
                "kind": "standard",
                "region": "CA-QC",
                "on": "2026-01-01",
                "rate": "14.975",
                "prices_include_tax": False,
                "net": "100.00",
                "gross": "114.98",
            },
        )
        assert _get(base, "/markets/jp/tax?on=2019-09-30")[1]["rate"] == "8"
        assert _get(base, "/markets/jp/tax?on=2019-10-01&gross=1429")[1]["net"] == "1299"
        assert _get(base, "/markets/ca/tax?region=CA-NS&on=2025-04-01")[1]["rate"] == "14"
        quebec = _get(base, "/markets/ca/tax?region=CA-QC&on=2026-01-01&locale=fr")[1]
        assert (quebec["locale"], quebec["line"]) == ("fr-CA", f"TPS + TVQ (14,975{NBSP}%)")

        assert _get(base, "/markets/jp/message?key=cart.items&locale=ja-JP&count=3") == (
            200,
            {"market": "jp", "key": "cart.items", "locale": "ja-JP", "text": "3点"},
        )
        name = quote("Léa")
        assert (
            _get(base, f"/markets/ca/message?key=product.watchers&locale=fr&count=3&name={name}")[
                1
            ]["text"]
            == "Léa et 2 autres personnes ont ajouté cet appareil à leurs favoris"
        )
        assert _get(base, "/markets/se/message?key=checkout.total&amount=1299.5")[1]["text"] == (
            f"Totalt: 1{NBSP}299,50{NBSP}kr"
        )

        status, feature = _get(
            base, "/markets/jp/feature?name=buyback&unit=user-42&at=2027-01-20T00:00:00Z"
        )
        assert (status, feature["enabled"], feature["percent"]) == (
            200,
            _decision("buyback", "user-42", 50),
            "50",
        )
        for unit in ("user-1", "user-2", "user-7", "device-ab12"):
            at = quote("2027-01-01T09:00:00+09:00")
            answer = _get(base, f"/markets/jp/feature?name=buyback&unit={unit}&at={at}")[1]
            assert answer["enabled"] is _decision("buyback", unit, 10), unit
        before = _get(base, "/markets/jp/feature?name=buyback&unit=user-1&at=2026-11-30T23:59:59Z")
        assert before[1]["enabled"] is False

        # Errors are JSON with the runtime's message.
        assert _get(base, "/markets/xx/price?amount=1") == (
            404,
            {
                "error": {
                    "type": "UnknownMarketError",
                    "message": "no market 'xx' in the loaded bundles (markets: ca, jp, se)",
                }
            },
        )
        status, error = _get(base, "/markets/jp/message?key=cart.item&count=1")
        assert (status, error["error"]["type"]) == (404, "UnknownMessageError")
        status, error = _get(base, "/markets/jp/feature?name=buyback&unit=u&at=2027-01-20T00:00")
        assert (status, error["error"]["message"]) == (
            400,
            "parameter 'at' has no UTC offset (2027-01-20T00:00): add Z or +09:00",
        )
        status, error = _get(base, "/markets/ca/tax")
        assert (status, error["error"]["type"]) == (400, "RegionRequiredError")
        status, error = _get(base, "/markets/jp/price?amount=12,99")
        assert (status, error["error"]["message"]) == (
            400,
            "parameter 'amount' must be a decimal amount such as 1299.00",
        )
        assert _get(base, "/nowhere")[0] == 404

        # SIGHUP reloads: a good new build is served, a corrupted one is refused.
        if hasattr(signal, "SIGHUP"):
            _reload_checks(repo, dist, base, process, log)

    # A corrupted set: the service refuses to start, naming the file.
    expected = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    _flip_a_byte(dist / "se.json")
    actual = hashlib.sha256((dist / "se.json").read_bytes()).hexdigest()
    result = subprocess.run(
        [sys.executable, str(APP), "--bundles", str(dist), "--insecure", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"marketctl-example-service: cannot start: {dist}/se.json: SHA-256 {actual} does not "
        f"match manifest.json ({expected['bundles']['se']['sha256']}): the file changed after "
        "the build; rebuild the directory with marketctl build\n"
    )


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    index = data.index(b'"name": "Sweden"') + len(b'"name": "S')
    data[index] = ord("Z")  # "Sweden" -> "SZeden", same size
    path.write_bytes(bytes(data))


def _wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def _names(base: str) -> dict[str, str]:
    return {m["code"]: m["name"] for m in _get(base, "/markets")[1]["markets"]}


def _reload_checks(
    repo: Path, dist: Path, base: str, process: subprocess.Popen[str], log: Path
) -> None:
    market_file = repo / "markets" / "se" / "market.yaml"
    text = market_file.read_text(encoding="utf-8")
    assert text.count("name: Sweden") == 1
    market_file.write_text(text.replace("name: Sweden", "name: Sverige"), encoding="utf-8")
    _build(repo, dist)
    os.kill(process.pid, signal.SIGHUP)
    _wait_for(lambda: _names(base)["se"] == "Sverige", "the reloaded set")
    # The reload is logged after the new set is served: wait for the whole line, too.
    _wait_for(lambda: log.read_text(encoding="utf-8").endswith("\n"), "the reload's log line")
    assert log.read_text(encoding="utf-8") == (
        f"marketctl-example-service: reloaded ca, jp, se from {dist}\n"
    )
    assert _names(base)["se"] == "Sverige"

    expected = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    _flip_a_byte_in(dist / "jp.json")
    actual = hashlib.sha256((dist / "jp.json").read_bytes()).hexdigest()
    os.kill(process.pid, signal.SIGHUP)
    _wait_for(lambda: log.read_text(encoding="utf-8").count("\n") == 2, "the refusal")
    assert log.read_text(encoding="utf-8").splitlines()[1] == (
        "marketctl-example-service: reload refused, still serving the previous set: "
        f"{dist}/jp.json: SHA-256 {actual} does not match manifest.json "
        f"({expected['bundles']['jp']['sha256']}): the file changed after the build; "
        "rebuild the directory with marketctl build"
    )
    assert process.poll() is None
    assert _names(base) == {"ca": "Canada", "jp": "Japan", "se": "Sverige"}
    assert _get(base, "/markets/jp/price?amount=1299")[1]["formatted"] == "￥1,299"

    market_file.write_text(text, encoding="utf-8")
    _build(repo, dist)


def _flip_a_byte_in(path: Path) -> None:
    data = bytearray(path.read_bytes())
    index = data.index(b'"name": "Japan"') + len(b'"name": "J')
    data[index] = ord("Z")
    path.write_bytes(bytes(data))


def test_the_service_names_env_and_trust_or_says_insecure(tmp_path: Path) -> None:
    """Safe by default (issue 23.5): without --env, --trust or --insecure the service refuses to
    start before reading anything, and says what to pass."""
    result = subprocess.run(
        [sys.executable, str(APP), "--bundles", str(tmp_path / "dist"), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "marketctl-example-service: cannot start: env: without env= or trust= a load checks "
        "neither the environment a set was built for nor who signed it: pass "
        "env='<environment>' (marketctl build --env) and trust=[public key] (marketctl build "
        "--sign), or insecure=True to load it unchecked on purpose\n"
    )
