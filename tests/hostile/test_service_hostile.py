"""The example service under hostile requests and reloads (issue 13, "The example service"):
400 never 500, 405 in JSON, unknown parameters refused, reloads outside the signal handler,
every request answered by 50 concurrent clients during repeated reloads."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.test_service_e2e import _get, _service

# The longest a step may take before the test calls the service hung.
WAIT_LIMIT = 120.0


def _request(base: str, method: str, path: str) -> tuple[int, str, dict[str, Any] | None]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=20)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read()
        return (
            response.status,
            response.headers.get("Content-Type", ""),
            json.loads(body) if body else None,
        )
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/markets/se/price?amount=" + "9" * 70, "parameter 'amount' has more than 30 digits"),
        ("/markets/se/price?amount=" + "9" * 61, "parameter 'amount' has more than 30 digits"),
        ("/markets/se/tax?net=" + "1" * 70, "parameter 'net' has more than 30 digits"),
        (
            "/markets/se/message?key=checkout.total&amount=" + "9" * 70,
            "parameter 'amount' has more than 30 digits",
        ),
        (
            "/markets/se/price?amount=12&ammount=3",
            "unknown parameter 'ammount'; this endpoint takes amount, locale",
        ),
        (
            "/markets/se/feature?name=buyback&unit=u1&user=x",
            "unknown parameter 'user'; this endpoint takes name, unit, at",
        ),
        ("/healthz?verbose=1", "unknown parameter 'verbose'; this endpoint takes no parameters"),
        (
            "/markets/se/message?key=cart.title&count=3",
            "unknown parameter 'count': message 'cart.title' takes no arguments",
        ),
    ],
)
def test_bad_requests_are_400(dist_service: str, path: str, message: str) -> None:
    status, body = _get(dist_service, path)
    assert (status, body["error"]["message"]) == (400, message)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"])
def test_every_method_but_get_is_405_in_json(dist_service: str, method: str) -> None:
    status, kind, body = _request(dist_service, method, "/markets/se/price?amount=1")
    assert (status, kind) == (405, "application/json; charset=utf-8")
    assert body == {
        "error": {
            "type": "RequestError",
            "message": f"method {method} is not allowed: only GET is supported",
        }
    }


@pytest.fixture(scope="module")
def dist_service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import shutil

    from tests.hostile.conftest import REPOSITORY

    from marketctl.testing import build_bundles

    root = tmp_path_factory.mktemp("config")
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    dist = build_bundles(tmp_path_factory.mktemp("built") / "dist", root=root)
    log = tmp_path_factory.mktemp("log") / "service.log"
    with _service(dist, log) as (_, base):
        yield base


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds; the bound is only for a service that hangs (the
    machine may be busy: a wait is for a condition, never a fixed time)."""
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _outcomes(log: Path) -> int:
    """Reloads the service has logged: done, refused or failed."""
    return log.read_text(encoding="utf-8").count("\n")


def test_reloads_under_load(dist: Path, tmp_path: Path) -> None:
    """Two SIGHUPs a few ms apart, a corrupt manifest on one reload, and 50 clients asking all
    along: the service stays up, keeps the last good set and answers every request. Each step
    waits for the service to log the reload it caused, not for a time."""
    log = tmp_path / "service.log"
    good = (dist / "manifest.json").read_bytes()
    with _service(dist, log) as (process, base):
        failures: list[str] = []
        answered = [0]
        stop = threading.Event()

        def client() -> None:
            while not stop.is_set():
                try:
                    # A slow answer on a busy machine is not a failure; none at all is.
                    status, body = _get(base, "/markets/jp/price?amount=1299", timeout=WAIT_LIMIT)
                except Exception as error:
                    failures.append(repr(error))
                    continue
                if status != 200 or body.get("formatted") != "￥1,299":
                    failures.append(f"{status} {body}")
                answered[0] += 1

        clients = [threading.Thread(target=client) for _ in range(50)]
        for thread in clients:
            thread.start()
        try:
            for round_ in range(10):
                before = _outcomes(log)
                os.kill(process.pid, signal.SIGHUP)
                os.kill(process.pid, signal.SIGHUP)  # a second one while the first reloads
                if round_ == 5:
                    (dist / "manifest.json").write_bytes(b"{not json")
                    os.kill(process.pid, signal.SIGHUP)  # a reload after this reads it
                    _wait_for(
                        lambda: "reload refused" in log.read_text(encoding="utf-8"),
                        "the refusal of the corrupt manifest",
                    )
                    (dist / "manifest.json").write_bytes(good)
                _wait_for(lambda n=before: _outcomes(log) > n, f"the reload of round {round_}")
            # Requests answered after the last reload, too.
            mark = answered[0]
            _wait_for(lambda: answered[0] >= mark + 50 or bool(failures), "answers")
        finally:
            stop.set()
            for thread in clients:
                thread.join()
        assert process.poll() is None, log.read_text(encoding="utf-8")
        assert failures == []
        status, body = _get(base, "/healthz")
        assert status == 200 and {"ca", "jp", "se"} <= set(body["markets"])
    text = log.read_text(encoding="utf-8")
    assert "reload refused, still serving the previous set:" in text
    assert "Traceback" not in text
