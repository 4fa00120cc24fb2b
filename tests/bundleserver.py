"""A real static file server on 127.0.0.1 for the tests of bundles over HTTP.

Serves one directory with strong ETags (SHA-256 of the bytes) and ``If-None-Match``, like a CDN
or an object store. Its ``mode`` makes it misbehave: ``truncate`` cuts every bundle short
(the connection closes before Content-Length bytes), ``slow`` answers after ``delay`` seconds,
``plain`` sends no ETag and ignores ``If-None-Match`` (an origin without validators).
``requests`` records every path asked for, with the status answered.

``stop()`` ends the server and joins every thread it started, handlers included, so nothing it
does outlives the test: a handler still writing to a client that gave up (the ``slow`` and
``truncate`` modes make clients give up) once printed socketserver's traceback into the next
test's captured output. Such errors are kept in ``errors`` instead of printed.
"""

from __future__ import annotations

import hashlib
import http.server
import sys
import threading
from pathlib import Path
from typing import Any


class BundleServer:
    def __init__(self, directory: Path, port: int = 0) -> None:
        self.directory = directory
        self.mode = "normal"
        self.delay = 0.0
        self.overrides: dict[str, bytes] = {}
        self.requests: list[tuple[str, int]] = []
        self.errors: list[BaseException] = []
        # Set by stop(): a `slow` handler waits on it rather than sleeping, so stopping is prompt.
        self.stopping = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # A client that keeps a connection open cannot hold stop() (which joins) for long.
            timeout = 10

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                name = self.path.lstrip("/").split("?")[0]
                if server.mode == "slow":
                    server.stopping.wait(server.delay)
                data = server.overrides.get(name)
                path = server.directory / name
                if data is None and ("/" in name or not path.is_file()):
                    self._answer(404, b"not found")
                    return
                if data is None:
                    data = path.read_bytes()
                etag = '"' + hashlib.sha256(data).hexdigest() + '"'
                if server.mode != "plain" and self.headers.get("If-None-Match") == etag:
                    server.requests.append((name, 304))
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                server.requests.append((name, 200))
                self.send_response(200)
                if server.mode != "plain":
                    self.send_header("ETag", etag)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if server.mode == "truncate" and name != "manifest.json":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

            def _answer(self, status: int, body: bytes) -> None:
                server.requests.append((self.path.lstrip("/"), status))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(http.server.ThreadingHTTPServer):
            # Handler threads are joined by server_close() (socketserver's block_on_close).
            daemon_threads = False
            block_on_close = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                error = sys.exc_info()[1]
                if error is not None:
                    server.errors.append(error)

        self.httpd = Server(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def stop(self) -> None:
        """Stop serving and join the serving thread and every handler thread; idempotent."""
        self.stopping.set()
        if self.thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def main() -> None:
    """Serve a directory as a separate process: ``python tests/bundleserver.py DIR [PORT]``.
    Prints the base URL on the first line of stdout."""
    server = BundleServer(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print(server.url, flush=True)
    try:
        server.thread.join()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
