"""A fleet of services polling one origin through a scripted timeline (issue 23.8).

    python benchmarks/fleet.py [--services 4] [--interval 0.5] [--layout envelope|directory]

Builds this repository's jp and se markets into signed sets, serves them from an HTTP origin
on 127.0.0.1 (strong ETags, If-None-Match; it counts the bytes of every answer), and starts
--services processes, each running ``runtime.watch(url, trust=[key], state_dir=...)`` and
printing every set it swaps in. ``--layout envelope`` (the default) publishes each set with
``marketctl release publish`` (bundles named by SHA-256, one signed ``release.json``; services
watch its URL); ``--layout directory`` serves the build directories as they are. The timeline,
each step held for a few poll intervals:

1. good release 1;  2. good release 2;  3. a corrupt release 3 (jp's bundle does not match);
4. release 4 signed by a key nobody trusts;  5. an outage (every request answered 503);
6. release 1 republished (old, validly signed);  7. half the services restarted (still
   release 1 on the origin);  8. good release 5.

Printed: for each good release, the time until every service serves it (target: two poll
intervals); bad or mixed sets served (a manifest that is not a good release's; target 0);
services on an older release after the restarts (target 0); bytes per idle poll (the answer to a
conditional request for an unchanged manifest; target at most 300) and per poll during the bad
releases (with the envelope: at most the envelope's size, as a bad release is refused for good);
CPU time per poll and the largest RSS of a service.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

SERVICE = r"""
import json, resource, sys, threading, time
from pathlib import Path
from marketctl import runtime
url, key, state, interval = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
def say(markets):
    print(json.dumps({"t": time.time(), "release": markets.release,
                      "manifest": markets._current.manifest_sha256}), flush=True)
watched = runtime.watch(url, interval=interval, jitter=0.2, max_backoff=4 * interval,
                        on_change=say, trust=[Path(key)], state_dir=state, timeout=2)
say(watched.markets)
sys.stdin.read()  # until the harness closes stdin
watched.stop()
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"polls": watched.state.polls, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss_kib": usage.ru_maxrss}), flush=True)
"""


class Origin:
    """Serves the directory ``current`` points to; ``down`` answers 503 to everything."""

    def __init__(self) -> None:
        self.current: Path | None = None
        self.down = False
        self.log: list[tuple[str, int, int]] = []  # (name, status, bytes answered)
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                name = self.path.lstrip("/")
                directory = origin.current
                if origin.down or directory is None:
                    return self._answer(name, 503, b"", {})
                path = directory / name
                if "/" in name or not path.is_file():
                    return self._answer(name, 404, b"", {})
                data = path.read_bytes()
                etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
                if self.headers.get("If-None-Match") == etag:
                    return self._answer(name, 304, b"", {"ETag": etag})
                self._answer(name, 200, data, {"ETag": etag})

            def _answer(self, name: str, status: int, body: bytes, headers: dict[str, str]) -> None:
                head = [f"HTTP/1.1 {status} x"] + [f"{k}: {v}" for k, v in headers.items()]
                head.append(f"Content-Length: {len(body)}")
                raw = ("\r\n".join(head) + "\r\n\r\n").encode() + body
                self.wfile.write(raw)
                origin.log.append((name, status, len(raw)))

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def _build(work: Path, key: Path, envelope: bool) -> dict[str, Path]:
    """The sets of the timeline, by step name (published folders with ``envelope``)."""
    from marketctl.commands.build import build
    from marketctl.commands.signing import generate_key_pair

    other = work / "other.key"
    generate_key_pair(other)
    sets: dict[str, Path] = {}
    out = work / "out"
    for number in (1, 2, 3, 4, 5):
        signing = other if number == 4 else key
        build(ROOT, ["jp", "se"], out, signing_key=signing, release=number)
        sets[f"r{number}"] = work / f"r{number}"
        shutil.copytree(out, sets[f"r{number}"])
        shutil.rmtree(out)
    # Corrupt: a validly signed manifest whose jp.json is not the bundle it lists (what a
    # damaged upload looks like; the bundle has a SHA-256 no service holds, so it is fetched).
    from marketctl.commands.signing import load_signing_key, sign_manifest

    manifest = json.loads((sets["r3"] / "manifest.json").read_text())
    data = bytearray((sets["r3"] / "jp.json").read_bytes())
    manifest["bundles"]["jp"]["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    data[len(data) // 2] ^= 1
    (sets["r3"] / "jp.json").write_bytes(bytes(data))
    manifest["bundles"]["jp"]["sha256"] = hashlib.sha256(b"another build").hexdigest()
    text = (json.dumps(manifest, sort_keys=True, indent=1) + "\n").encode()
    (sets["r3"] / "manifest.json").write_bytes(text)
    signature, _ = sign_manifest(load_signing_key(key), text)
    (sets["r3"] / "manifest.sig").write_bytes(signature)
    if not envelope:
        return sets
    from marketctl.commands.publish import envelope_bytes, publish

    published: dict[str, Path] = {}
    for name, folder in sets.items():
        published[name] = work / f"published-{name}"
        if name != "r3":
            publish(folder, published[name])
            continue
        # The corrupt release as a bucket would hold it: a signed envelope naming jp by a
        # SHA-256 whose file holds other bytes (a damaged upload of an immutable object).
        published[name].mkdir()
        for code, entry in manifest["bundles"].items():
            target = published[name] / f"{entry['sha256']}.json"
            target.write_bytes((folder / f"{code}.json").read_bytes())
        (published[name] / "release.json").write_bytes(envelope_bytes(text, signature))
    return published


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=4)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--layout", choices=("envelope", "directory"), default="envelope")
    options = parser.parse_args()
    interval = options.interval
    envelope = options.layout == "envelope"
    polled = "release.json" if envelope else "manifest.json"
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        from marketctl.commands.signing import generate_key_pair

        key = work / "release.key"
        public, _ = generate_key_pair(key)
        sets = _build(work, key, envelope)
        good = {
            hashlib.sha256((work / name / "manifest.json").read_bytes()).hexdigest(): int(name[1])
            for name in ("r1", "r2", "r5")
        }
        origin = Origin()
        origin.current = sets["r1"]
        seen: list[list[dict[str, Any]]] = []
        finals: list[dict[str, Any]] = []
        processes: list[subprocess.Popen[str]] = []
        readers: list[threading.Thread] = []

        def start(index: int) -> None:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    SERVICE,
                    origin.url + ("release.json" if envelope else ""),
                    str(public),
                    str(work / f"state-{index}"),
                    str(interval),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            lines: list[dict[str, Any]] = []
            seen.append(lines)
            processes.append(process)

            def read() -> None:
                assert process.stdout is not None
                for line in process.stdout:
                    record = json.loads(line)
                    (finals if "polls" in record else lines).append(record)

            reader = threading.Thread(target=read)
            reader.start()
            readers.append(reader)

        def stop(process: subprocess.Popen[str]) -> None:
            assert process.stdin is not None
            process.stdin.close()
            process.wait(30)

        def converge(release: int, since: float, live: list[list[dict[str, Any]]]) -> float | None:
            deadline = since + 20 * interval
            while time.time() < deadline:
                if all(lines and lines[-1]["release"] == release for lines in live):
                    return (
                        max(
                            next(r["t"] for r in lines if r["release"] == release) for lines in live
                        )
                        - since
                    )
                time.sleep(interval / 10)  # a harness waiting on other processes' output
            return None

        results: dict[str, Any] = {}
        try:
            for index in range(options.services):
                start(index)
            results["release 1 at start"] = converge(1, time.time(), seen)
            for step, name in (("release 2", "r2"),):
                published = time.time()
                origin.current = sets[name]
                results[step] = converge(2, published, seen)
            mark = len(origin.log)
            time.sleep(4 * interval)  # idle: steady polls of an unchanged manifest
            idle = [b for n, s, b in origin.log[mark:] if n == polled and s == 304]
            for name in ("r3", "r4"):
                mark = len(origin.log)
                origin.current = sets[name]
                time.sleep(8 * interval)
                window = origin.log[mark:]
                polls = [s for n, s, _ in window if n == polled]
                bundles = [b for n, s, b in window if n != polled and s == 200]
                results[f"bytes per poll, {name}"] = (
                    sum(b for _, _, b in window) / max(len(polls), 1),
                    polls.count(200),
                    polls.count(304),
                    len(bundles),
                    sum(bundles),
                    max((b for n, _, b in window if n == polled), default=0),
                )
            origin.down = True
            time.sleep(4 * interval)
            origin.down = False
            origin.current = sets["r1"]  # an old release republished
            time.sleep(4 * interval)
            restarted = list(range(options.services // 2))
            for index in restarted:
                stop(processes[index])
            first_new = len(seen)
            for index in restarted:
                start(index)  # the same state folder: a restart
            time.sleep(4 * interval)
            after = [lines[-1]["release"] if lines else None for lines in seen[first_new:]]
            published = time.time()
            origin.current = sets["r5"]
            live = [seen[i] for i in range(len(seen)) if i >= first_new or i not in restarted]
            results["release 5"] = converge(5, published, live)
        finally:
            for process in processes:
                if process.poll() is None:
                    stop(process)
            for reader in readers:
                reader.join()
            origin.stop()
        served = [record for lines in seen for record in lines]
        wrong = [r for r in served if r["manifest"] not in good]
        polls = sum(f["polls"] for f in finals)
        print(
            f"services: {options.services}, poll interval {interval:g} s, layout "
            f"{options.layout}"
            + (
                f" (release.json of r3: {(sets['r3'] / polled).stat().st_size} bytes)"
                if envelope
                else ""
            )
        )
        for step in ("release 1 at start", "release 2", "release 5"):
            took = results[step]
            print(
                f"  {step}: every service within "
                + (
                    f"{took:.2f} s ({took / interval:.1f} intervals)"
                    if took is not None
                    else "NEVER (not converged within 20 intervals)"
                )
            )
        print(f"  bad or mixed sets served: {len(wrong)} of {len(served)} swaps")
        print(f"  restarted while release 1 was republished, serving: {after} (want 2)")
        print(
            f"  bytes per idle poll (304 answer): "
            f"{sum(idle) / max(len(idle), 1):.0f} over {len(idle)} polls"
        )
        for name in ("r3", "r4"):
            label = "corrupt" if name == "r3" else "unknown key"
            average, full, unchanged, fetched, fetched_bytes, largest = results[
                f"bytes per poll, {name}"
            ]
            print(
                f"  {label} release: {average:.0f} bytes answered per poll ({full} full "
                f"fetches of {polled}, {unchanged} answered 304, the largest answer "
                f"{largest} bytes; {fetched} other file(s) downloaded, {fetched_bytes} bytes)"
            )
        cpu = sum(f["cpu"] for f in finals)
        print(
            f"  CPU per poll: {1000 * cpu / max(polls, 1):.2f} ms "
            f"(whole process time incl. start-up, {polls} polls)"
        )
        print(f"  largest RSS: {max(f['rss_kib'] for f in finals) / 1024:.1f} MiB")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
