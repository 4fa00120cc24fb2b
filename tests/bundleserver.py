"""A real static file server on 127.0.0.1 for the tests of bundles over HTTP.

Serves one directory with strong ETags (SHA-256 of the bytes) and ``If-None-Match``, like a CDN
or an object store. Its ``mode`` makes it misbehave: ``truncate`` cuts every bundle short
(the connection closes before Content-Length bytes), ``slow`` answers after ``delay`` seconds.
``requests`` records every path asked for, with the status answered.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
import time
from pathlib import Path
from typing import Any


class BundleServer:
    def __init__(self, directory: Path, port: int = 0) -> None:
        self.directory = directory
        self.mode = "normal"
        self.delay = 0.0
        self.overrides: dict[str, bytes] = {}
        self.requests: list[tuple[str, int]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                name = self.path.lstrip("/").split("?")[0]
                if server.mode == "slow":
                    time.sleep(server.delay)
                data = server.overrides.get(name)
                path = server.directory / name
                if data is None and ("/" in name or not path.is_file()):
                    self._answer(404, b"not found")
                    return
                if data is None:
                    data = path.read_bytes()
                etag = '"' + hashlib.sha256(data).hexdigest() + '"'
                if self.headers.get("If-None-Match") == etag:
                    server.requests.append((name, 304))
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                server.requests.append((name, 200))
                self.send_response(200)
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

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def main() -> None:
    """Serve a directory as a separate process: ``python tests/bundleserver.py DIR [PORT]``.
    Prints the base URL on the first line of stdout."""
    import sys

    server = BundleServer(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print(server.url, flush=True)
    try:
        server.thread.join()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
