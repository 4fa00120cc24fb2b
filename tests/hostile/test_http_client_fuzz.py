"""The runtime's HTTP client against a hostile server (issue 22, item 5): a server on 127.0.0.1
that answers one file of the set (the manifest, its signature or a bundle) with an odd status,
broken or contradictory headers, a cut-off or hostile body, on the first load or on a reload.
Whatever it answers, ``runtime.load`` and ``Markets.reload`` end in a set or a ``BundleError``,
in bounded time and memory."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.clitools import needs_module
from tests.hostile.conftest import Bounded

from marketctl import runtime

needs_module("hypothesis")

from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@dataclass
class Answer:
    """What the server sends for one file, byte for byte."""

    status: bytes = b"HTTP/1.1 200 OK"
    headers: list[bytes] = field(default_factory=list)
    body: bytes | None = None  # None: the file's own bytes
    length: bytes | None = b"honest"  # the Content-Length sent; None: none
    cut: bool = False  # close the connection after the status line


class HostileServer:
    """One thread answering one connection at a time, each with what ``answers`` says for the
    file asked for (the real file otherwise); stopped and joined by :meth:`stop`."""

    def __init__(self, dist: Path) -> None:
        self.files = {path.name: path.read_bytes() for path in dist.iterdir() if path.is_file()}
        self.answers: dict[str, Answer] = {}
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.setblocking(False)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/"

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.listener.close()
        assert not self._thread.is_alive()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self.listener, selectors.EVENT_READ)
            while not self._stop.is_set():
                if not selector.select(timeout=0.05):
                    continue
                try:
                    connection, _ = self.listener.accept()
                except BlockingIOError:
                    continue
                with connection:
                    self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        connection.setblocking(True)
        connection.settimeout(5)
        head = b""
        try:
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                head += chunk
            name = head.split(b" ", 2)[1].decode("ascii", "replace").lstrip("/")
            connection.sendall(self._bytes(name))
        except OSError:
            pass  # the client gave up: its side is what the test looks at

    def _bytes(self, name: str) -> bytes:
        answer = self.answers.get(name)
        real = self.files.get(name)
        if answer is None:
            if real is None:
                return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            answer = Answer()
        body = (real or b"") if answer.body is None else answer.body
        if answer.cut:
            return answer.status + b"\r\n"
        lines = [answer.status, b"Connection: close", *answer.headers]
        if answer.length == b"honest":
            lines.append(b"Content-Length: %d" % len(body))
        elif answer.length is not None:
            lines.append(b"Content-Length: " + answer.length)
        return b"\r\n".join(lines) + b"\r\n\r\n" + body


STATUSES = [
    b"HTTP/1.1 200 OK",
    b"HTTP/1.1 304 Not Modified",
    b"HTTP/1.1 204 No Content",
    b"HTTP/1.1 206 Partial Content",
    b"HTTP/1.1 301 Moved Permanently",
    b"HTTP/1.1 500 Internal Server Error",
    b"HTTP/1.1 999 Whatever",
    b"HTTP/1.0 200 OK",
    b"HTTP/9.9 200 OK",
    b"HTTP/1.1 abc",
    b"garbage",
    b"",
]
BODIES: list[bytes | None] = [
    None,
    b"",
    b"[" * 2000 + b"]" * 2000,
    b"{" * 5000,
    b'{"format": 1e999999}',
    b'{"format": NaN, "bundles": {}}',
    b'{"format": 1, "bundles": []}',
    b'{"format": 1, "bundles": {"se": {"file": "../../etc/passwd", "sha256": 1, "bytes": -1}}}',
    b"9" * 5000,
    b"\xff\xfe\x00\xd8",
    b"\x00" * 1000,
]
LENGTHS: list[bytes | None] = [b"honest", None, b"-1", b"abc", b"99999999999999999999", b"0", b"1"]
HEADERS = [
    b"Transfer-Encoding: chunked",
    b"Content-Encoding: gzip",
    b"Content-Length: 12",
    b"ETag: \xff\xfe",
    b'ETag: "' + b"e" * 10_000 + b'"',
    b"Location: https://127.0.0.1:1/",
    b"Location: ftp://127.0.0.1/x",
    b"Location: /manifest.json",
    b"no colon here",
    b"X-Long: " + b"x" * 70_000,
    b"X-Many: 1\r\n" * 200 + b"X-Last: 1",
]


@st.composite
def answers(draw: st.DrawFn, names: list[str]) -> tuple[str, Answer]:
    name = draw(st.sampled_from(names))
    answer = Answer(
        status=draw(st.sampled_from(STATUSES)),
        headers=draw(st.lists(st.sampled_from(HEADERS), max_size=2)),
        body=draw(st.sampled_from(BODIES)),
        length=draw(st.sampled_from(LENGTHS)),
        cut=draw(st.integers(0, 9)) == 0,
    )
    return name, answer


@pytest.fixture(scope="module")
def server(built: Path) -> Iterator[HostileServer]:
    hostile = HostileServer(built)
    yield hostile
    hostile.stop()


NAMES = ["manifest.json", "manifest.sig", "se.json", "jp.json"]


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,  # the same cases on every run: a failure here is never a fluke
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=answers(NAMES), on_reload=st.booleans())
# The cases (a signature nested 2,000 deep: here unsigned), always tried first.
@example(case=("manifest.json", Answer(status=b"HTTP/1.1 304 Not Modified")), on_reload=False)
@example(case=("manifest.sig", Answer(body=b"[" * 2000 + b"]" * 2000)), on_reload=False)
def test_only_bundle_errors_leave_the_http_client(
    server: HostileServer, bounded: Bounded, case: tuple[str, Answer], on_reload: bool
) -> None:
    name, answer = case
    server.answers = {}
    with bounded(5, 100):
        if on_reload:
            markets = runtime.load(server.url, timeout=2, insecure=True)
            server.answers = {name: answer}
            with contextlib.suppress(runtime.BundleError):  # anything else fails the case
                markets.reload()
        else:
            server.answers = {name: answer}
            with contextlib.suppress(runtime.BundleError):  # anything else fails the case
                runtime.load(server.url, timeout=2, insecure=True)


def test_the_hostile_server_serves_the_set_when_it_is_honest(server: HostileServer) -> None:
    """The harness can tell: honest answers load, one cut-off bundle is a BundleError."""
    server.answers = {}
    assert {"ca", "jp", "se"} <= set(runtime.load(server.url, timeout=2, insecure=True))
    server.answers = {"se.json": Answer(body=server.files["se.json"][:100])}
    with pytest.raises(runtime.BundleError) as raised:
        runtime.load(server.url, timeout=2, insecure=True)
    assert str(raised.value).startswith(f"{server.url}se.json: ")
    server.answers = {}


@pytest.fixture(scope="module")
def envelope_server(
    built: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HostileServer]:
    """The same set as ``marketctl release publish`` lays it out: release.json and bundles
    named by SHA-256."""
    from marketctl.commands.publish import publish

    folder = tmp_path_factory.mktemp("published")
    publish(built, folder)
    hostile = HostileServer(folder)
    yield hostile
    hostile.stop()


ENVELOPES: list[bytes | None] = [
    *BODIES,
    b'{"envelope": true, "manifest": "{}", "signature": null}',
    b'{"envelope": 1e999999, "manifest": "{}", "signature": null}',
    b'{"envelope": 1, "manifest": "' + b"[" * 2000 + b'", "signature": null}',
    b'{"envelope": 1, "manifest": "{}", "signature": "' + b"s" * 100_000 + b'"}',
    b'{"envelope": 1, "manifest": "\\ud800", "signature": null}',
    b'{"envelope": 1, "manifest": {}, "signature": []}',
    b'{"envelope": 1, "manifest": "{}", "signature": null, "more": 1}',
]


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), on_reload=st.booleans())
def test_only_bundle_errors_leave_the_envelope_client(
    envelope_server: HostileServer, bounded: Bounded, data: st.DataObject, on_reload: bool
) -> None:
    """The published layout (issue 23.2) under the same hostile answers, and hostile envelopes."""
    names = sorted(envelope_server.files)
    name = data.draw(st.sampled_from(names))
    answer = data.draw(answers([name]))[1]
    if name == "release.json":
        answer = Answer(
            answer.status,
            answer.headers,
            data.draw(st.sampled_from(ENVELOPES)),
            answer.length,
            answer.cut,
        )
    url = envelope_server.url + "release.json"
    envelope_server.answers = {}
    with bounded(5, 100):
        if on_reload:
            markets = runtime.load(url, timeout=2, insecure=True)
            envelope_server.answers = {name: answer}
            with contextlib.suppress(runtime.BundleError):
                markets.reload()
        else:
            envelope_server.answers = {name: answer}
            with contextlib.suppress(runtime.BundleError):
                runtime.load(url, timeout=2, insecure=True)
    envelope_server.answers = {}


def test_the_envelope_server_serves_the_set_when_it_is_honest(
    envelope_server: HostileServer,
) -> None:
    url = envelope_server.url + "release.json"
    assert {"ca", "jp", "se"} <= set(runtime.load(url, timeout=2, insecure=True))
