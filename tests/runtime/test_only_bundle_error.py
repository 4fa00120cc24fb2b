"""Only BundleError leaves load() and reload() (issue 22, item 3): every untrusted input (the
manifest, its signature, a bundle, an HTTP answer) is fuzzed with truncations, deep nesting,
wrong types, huge numbers, odd statuses and headers, and each case either loads or raises
BundleError naming the file, within its deadline."""

from __future__ import annotations

import json
import random
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.bundleserver import BundleServer

from conftest import copy_markets
from marketctl import runtime
from marketctl.runtime import BundleError
from marketctl.testing import refresh_manifest

FILES = ("manifest.json", "manifest.sig", "jp.json")
ODD_VALUES: tuple[Any, ...] = (None, True, -1, 0, 10**400, 1e308, "x" * 5000, [], {}, [[[]]])


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A signed build of two markets, and the public key that verifies it."""
    from marketctl.commands.signing import generate_key_pair

    root = tmp_path_factory.mktemp("config")
    copy_markets(root)
    key = tmp_path_factory.mktemp("keys") / "release.key"
    public, _ = generate_key_pair(key)
    dist = tmp_path_factory.mktemp("built") / "dist"
    from marketctl.commands.build import build

    build(root, ["jp", "se"], dist, signing_key=key)
    return dist, public


def _variants(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Hostile versions of one file's bytes."""
    rng = random.Random(22)
    for cut in sorted({0, 1, 2, len(data) // 3, len(data) // 2, len(data) - 1}):
        yield f"truncated at {cut}", data[:cut]
    yield "2,000 [ then ]", b"[" * 2000 + b"]" * 2000
    yield "2,000 { then }", b'{"a":' * 2000 + b"1" + b"}" * 2000
    yield "200,000 [", b"[" * 200_000
    yield "a 5,000-digit number", b"1" + b"0" * 5000
    yield "1e999999", b"1e999999"
    yield "not UTF-8", b'{"format": "\xff\xfe"}'
    yield "a NUL", data[:10] + b"\x00" + data[10:]
    for _ in range(6):
        flipped = bytearray(data)
        flipped[rng.randrange(len(data))] = rng.randrange(256)
        yield "a flipped byte", bytes(flipped)
    try:
        document = json.loads(data)
    except ValueError:
        return
    if isinstance(document, dict):
        for key in sorted(document):
            for value in ODD_VALUES:
                changed = dict(document)
                changed[key] = value
                yield f"{key} = {value!r:.20}", json.dumps(changed).encode()
    for value in ODD_VALUES:
        yield f"the whole file {value!r:.20}", json.dumps(value).encode()


def _cases(dist: Path) -> Iterator[tuple[str, str, bytes]]:
    for name in FILES:
        for label, data in _variants((dist / name).read_bytes()):
            yield name, label, data


def _outcome(load: Callable[[], object]) -> str:
    """'loaded' or 'refused'; anything other than BundleError fails the test."""
    try:
        load()
    except BundleError as error:
        assert error.file and error.problem, str(error)
        return "refused"
    return "loaded"


def test_hostile_files_give_bundle_error(signed: tuple[Path, Path], tmp_path: Path) -> None:
    built, public = signed
    outcomes: dict[str, int] = {}
    for index, (name, _label, data) in enumerate(_cases(built)):
        dist = tmp_path / str(index)
        shutil.copytree(built, dist)
        (dist / name).write_bytes(data)
        for trust in (None, [public]):
            result = _outcome(lambda d=dist, t=trust: runtime.load(d, trust=t))
            outcomes[result] = outcomes.get(result, 0) + 1
        if name == "jp.json":  # the same bytes under a manifest that lists them
            refresh_manifest(dist)
            result = _outcome(lambda d=dist: runtime.load(d, insecure=True))
            outcomes[result] = outcomes.get(result, 0) + 1
        shutil.rmtree(dist)
    # The fuzz reached refusals, and the untouched manifest.sig cases still load unsigned.
    assert outcomes["refused"] > 150
    assert outcomes["loaded"] > 0


def test_hostile_files_over_http_give_bundle_error(signed: tuple[Path, Path]) -> None:
    built, public = signed
    server = BundleServer(built)
    try:
        refused = 0
        for name, _label, data in _cases(built):
            server.overrides = {name: data}
            for trust in (None, [public]):
                refused += _outcome(lambda t=trust: runtime.load(server.url, trust=t)) == "refused"
    finally:
        server.stop()
    assert refused > 150


def test_a_deep_signature_is_refused_before_parsing(
    signed: tuple[Path, Path], tmp_path: Path
) -> None:
    built, public = signed
    dist = tmp_path / "dist"
    shutil.copytree(built, dist)
    (dist / "manifest.sig").write_bytes(b"[" * 2000 + b"]" * 2000)
    with pytest.raises(BundleError) as caught:
        runtime.load(dist, trust=[public])
    assert str(caught.value) == (
        f"{dist}/manifest.sig: nests deeper than 2 levels; sign the set again with "
        "marketctl build --sign"
    )


class RawOrigin:
    """A TCP server on 127.0.0.1 that answers every request with ``answer`` (raw bytes, or a
    callable given the socket), then closes: statuses and headers no proper server sends."""

    def __init__(self) -> None:
        self.answer: bytes | Callable[[socket.socket], None] = b""
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.stopping = threading.Event()
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.thread = threading.Thread(target=self._serve)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    connection.recv(65536)
                    if callable(self.answer):
                        self.answer(connection)
                    else:
                        connection.sendall(self.answer)
                except OSError:
                    pass

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.listener.close()


def _response(status: str, headers: dict[str, str], body: bytes = b"{}") -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


ODD_ANSWERS: dict[str, bytes] = {
    "304 to a first load": _response("304 Not Modified", {"Content-Length": "0"}, b""),
    "204": _response("204 No Content", {}, b""),
    "206": _response("206 Partial Content", {"Content-Length": "2"}),
    "418": _response("418 I'm a teapot", {"Content-Length": "2"}),
    "999": _response("999 Whatever", {"Content-Length": "2"}),
    "a status that is not a number": _response("abc OK", {"Content-Length": "2"}),
    "no status line": b"garbage\r\n\r\n",
    "nothing at all": b"",
    "HTTP/0.9-like body": b"{}",
    "redirect to ftp": _response(
        "302 Found", {"Location": "ftp://127.0.0.1/x", "Content-Length": "0"}, b""
    ),
    "redirect to file": _response(
        "302 Found", {"Location": "file:///etc/passwd", "Content-Length": "0"}, b""
    ),
    "redirect without Location": _response("302 Found", {"Content-Length": "0"}, b""),
    "Content-Length -1": _response("200 OK", {"Content-Length": "-1"}),
    "Content-Length abc": _response("200 OK", {"Content-Length": "abc"}),
    "Content-Length huge": _response("200 OK", {"Content-Length": "9" * 40}),
    "Content-Length superscript two": _response("200 OK", {"Content-Length": "²"}),
    "two Content-Lengths": _response("200 OK", {"Content-Length": "2", "content-length": "3"}),
    "Content-Length longer than the body": _response("200 OK", {"Content-Length": "100"}),
    "a header line of 100,000 bytes": _response("200 OK", {"X-Long": "a" * 100_000}),
    "200 headers": _response("200 OK", {f"X-{i}": "1" for i in range(200)}),
    "broken chunks": _response("200 OK", {"Transfer-Encoding": "chunked"}, b"zz\r\n{}\r\n"),
    "an ETag with a newline": _response("200 OK", {"ETag": '"a\r\n b"', "Content-Length": "2"}),
    "deep JSON": _response("200 OK", {"Content-Length": "4000"}, b"[" * 2000 + b"]" * 2000),
    "huge number": _response("200 OK", {"Content-Length": "5001"}, b"1" + b"0" * 5000),
}


@pytest.mark.parametrize("case", sorted(ODD_ANSWERS))
def test_odd_http_answers_give_bundle_error(case: str) -> None:
    origin = RawOrigin()
    origin.answer = ODD_ANSWERS[case]
    try:
        with pytest.raises(BundleError) as caught:
            runtime.load(origin.url, timeout=2, insecure=True)
    finally:
        origin.stop()
    assert caught.value.file.startswith(origin.url)


def test_a_304_to_a_first_load_says_so() -> None:
    origin = RawOrigin()
    origin.answer = ODD_ANSWERS["304 to a first load"]
    try:
        with pytest.raises(BundleError) as caught:
            runtime.load(origin.url, timeout=2, insecure=True)
    finally:
        origin.stop()
    assert str(caught.value) == (
        f"{origin.url}manifest.json: HTTP 304 Not Modified to a request that was not conditional"
    )


def test_a_trickling_origin_is_cut_at_the_whole_deadline() -> None:
    """One byte every 0.1 s keeps every socket read alive; the fetch still ends at 1 s."""
    stop = threading.Event()

    def trickle(connection: socket.socket) -> None:
        connection.sendall(_response("200 OK", {"Content-Length": "100000"}, b""))
        while not stop.wait(0.1):
            connection.sendall(b" ")

    origin = RawOrigin()
    origin.answer = trickle
    started = time.monotonic()
    try:
        with pytest.raises(BundleError) as caught:
            runtime.load(origin.url, timeout=1, insecure=True)
        took = time.monotonic() - started
    finally:
        stop.set()
        origin.stop()
    assert str(caught.value) == (
        f"{origin.url}manifest.json: no complete answer within 1 s (the fetch's deadline)"
    )
    assert took < 3


def test_hostile_state_files_give_bundle_error(signed: tuple[Path, Path], tmp_path: Path) -> None:
    """The release state and the disk copy of a set are read like any untrusted file."""
    built, public = signed
    server = BundleServer(built)
    state = tmp_path / "state"
    try:
        runtime.load(server.url, state_dir=state, trust=[public])
    finally:
        server.stop()
    files = sorted(p for p in state.iterdir() if p.is_file())
    assert [p.name.split("-")[0] for p in files] == ["release", "set"]
    refused = 0
    for path in files:
        original = path.read_bytes()
        for _label, data in _variants(original):
            path.write_bytes(data)
            # The origin is down: the copy is what a start would load.
            refused += (
                _outcome(
                    lambda: runtime.load(server.url, state_dir=state, trust=[public], timeout=1)
                )
                == "refused"
            )
        path.write_bytes(original)
    assert refused > 50
    assert runtime.load(server.url, state_dir=state, trust=[public], timeout=1).from_disk
