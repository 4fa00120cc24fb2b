"""Speed and memory of ``marketctl lsp``, driven by a real LSP client (pytest-lsp's, on pygls).

    python benchmarks/lsp.py [--edits 50] [--long 1000] [--markets 17] [--keys 1000]

On a copy of this repository, then on a generated repository of --markets x --keys (the
generator of benchmarks/scale.py), prints:

- diagnostics after a one-character edit in a market file: the time from the client sending
  ``textDocument/didChange`` to the server's ``marketctl/validated`` notification, which it
  sends once every file's diagnostics of that round are published (median, p95; targets 50 ms
  and 150 ms);
- the same after an edit in a shared catalogue (``_defaults/messages/sv.yaml``; target: median
  150 ms);
- hover on a value (median; target 20 ms);
- the server's resident memory after the first round and after --long edits (target: growth
  at most 10 %).

Times include the server's debounce (marketctl.lsp.DEBOUNCE_SECONDS) and the JSON-RPC round
trip; the machine's other load shows in them, so run it on an idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import scale  # noqa: E402  (the generator of repositories of N markets x K keys)

TARGETS = {"market": (50.0, 150.0), "shared": (150.0, None), "hover": (20.0, None)}


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Session:
    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.rounds = 0
        self.checked: dict[str, int] = {}  # the newest version of each document a round checked
        self.event = asyncio.Event()

        @client.feature("marketctl/validated")
        def _validated(params: Any) -> None:
            self.rounds += 1
            for uri, version in params.versions:
                self.checked[str(uri)] = max(self.checked.get(str(uri), 0), int(version))
            self.event.set()

    async def wait_for(self, done: Any) -> None:
        while not done():
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), 120)

    async def wait_round(self, after: int) -> None:
        await self.wait_for(lambda: self.rounds > after)

    async def edit(self, uri: str, version: int, text: str) -> float:
        """Milliseconds from sending the edit to the end of the round that checked it."""
        start = time.perf_counter()
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        await self.wait_for(lambda: self.checked.get(uri, 0) >= version)
        return (time.perf_counter() - start) * 1000


def _open(client: LanguageClient, path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "yaml", 1, text))
    )
    return uri, text


def _one_character_edits(text: str, count: int) -> list[str]:
    """Texts that differ from ``text`` by one character in a comment (alternating), so every
    edit changes the file's hash and the findings stay the same."""
    return [text + ("#\n" if n % 2 == 0 else "# \n") for n in range(count)]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(root: Path, label: str, edits: int, long: int) -> None:
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "marketctl", "lsp"],
        server_env={"MARKETCTL_NO_CACHE": "1"},
    )
    client = await config.start()
    session = Session(client)
    started = time.perf_counter()
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri()
        )
    )
    await session.wait_round(0)
    first = (time.perf_counter() - started) * 1000
    pid = client._server.pid  # type: ignore[union-attr]
    market = (
        root
        / "markets"
        / sorted(p.name for p in (root / "markets").iterdir() if not p.name.startswith("_"))[0]
        / "tax.yaml"
    )
    uri, text = _open(client, market)
    times = [
        await session.edit(uri, n + 2, t) for n, t in enumerate(_one_character_edits(text, edits))
    ]
    shared = root / "markets/_defaults/messages/sv.yaml"
    shared_times: list[float] = []
    if shared.is_file():
        shared_uri, shared_text = _open(client, shared)
        shared_times = [
            await session.edit(shared_uri, n + 2, t)
            for n, t in enumerate(_one_character_edits(shared_text, max(10, edits // 5)))
        ]
    lines = text.splitlines()
    row = next((n for n, line in enumerate(lines) if "percent:" in line), 0)
    column = lines[row].find("percent:") + len("percent: ") if lines else 0
    hovers = []
    for _ in range(max(20, edits)):
        start = time.perf_counter()
        await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(row, column))
        )
        hovers.append((time.perf_counter() - start) * 1000)
    rss_before = _rss(pid)
    version = 10_000
    for n, t in enumerate(_one_character_edits(text, long)):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version + n),
                [types.TextDocumentContentChangeWholeDocument(text=t)],
            )
        )
        if n % 50 == 49:
            await session.wait_for(lambda v=version + n: session.checked.get(uri, 0) >= v)
    await session.edit(uri, version + long + 1, text)
    rss_after = _rss(pid)
    await client.shutdown_session()
    await client.stop()

    def line(name: str, values: list[float], target: tuple[float, float | None]) -> None:
        if not values:
            print(f"  {name}: not measured")
            return
        median, p95 = statistics.median(values), _percentile(values, 0.95)
        verdict = (
            "meets" if median <= target[0] and (target[1] is None or p95 <= target[1]) else "misses"
        )
        p95_target = f", p95 {target[1]:.0f} ms" if target[1] else ""
        print(
            f"  {name}: median {median:.1f} ms, p95 {p95:.1f} ms over {len(values)} "
            f"(target median {target[0]:.0f} ms{p95_target}: {verdict})"
        )

    print(f"{label}: first round of diagnostics {first:.0f} ms after initialize")
    line("diagnostics after a one-character edit in a market file", times, TARGETS["market"])
    line("diagnostics after an edit in a shared catalogue", shared_times, TARGETS["shared"])
    line("hover", hovers, TARGETS["hover"])
    growth = 100.0 * (rss_after - rss_before) / rss_before if rss_before else 0.0
    print(
        f"  memory: {rss_before / 2**20:.0f} MiB before, {rss_after / 2**20:.0f} MiB after "
        f"{long} edits ({growth:+.1f} %; target at most +10 %: "
        f"{'meets' if growth <= 10 else 'misses'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--long", type=int, default=1000)
    parser.add_argument("--markets", type=int, default=17)
    parser.add_argument("--keys", type=int, default=1000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="marketctl-lsp-") as scratch:
        shipped = Path(scratch) / "shipped"
        shutil.copytree(ROOT / "markets", shipped / "markets")
        shutil.copy2(ROOT / "pyproject.toml", shipped / "pyproject.toml")
        asyncio.run(measure(shipped, "shipped repository", arguments.edits, arguments.long))
        generated = Path(scratch) / "generated"
        scale.generate(generated, arguments.markets, arguments.keys, 0)
        asyncio.run(
            measure(
                generated,
                f"{arguments.markets} markets x {arguments.keys} keys",
                arguments.edits,
                arguments.long,
            )
        )


if __name__ == "__main__":
    main()
