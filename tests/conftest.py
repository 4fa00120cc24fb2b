from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]

# The markets the tests are written against: their findings, positions and bundles are asserted
# exactly, so a copy holds these and the shared folders (_defaults, _regions, ...) only. The
# repository's markets as a whole are checked by tests/test_repository.py.
REFERENCE_MARKETS = ("ca", "jp", "se")


def copy_markets(root: Path) -> Path:
    """Copy markets/ into ``root``: the shared folders and the reference markets only."""
    source = REPOSITORY / "markets"

    def other_markets(folder: str, names: list[str]) -> list[str]:
        if Path(folder) != source:
            return []
        return [
            name for name in names if not name.startswith("_") and name not in REFERENCE_MARKETS
        ]

    shutil.copytree(source, root / "markets", ignore=other_markets)
    return root


def copy_specs(root: Path) -> Path:
    """Copy the reference markets' specs/<market>.yaml into ``root``/specs (those of the other
    markets would ask about markets that copy_markets leaves out)."""
    (root / "specs").mkdir()
    for code in REFERENCE_MARKETS:
        shutil.copy2(REPOSITORY / "specs" / f"{code}.yaml", root / "specs")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of this repository's reference markets in a temporary folder, free to break."""
    return copy_markets(tmp_path / "config")


@pytest.fixture(autouse=True)
def _no_report_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests patch code in process, which no cache key can see: the report cache is off except
    where a test turns it back on (tests/test_cache.py)."""
    monkeypatch.setenv("MARKETCTL_NO_CACHE", "1")


@pytest.fixture(autouse=True)
def _no_thread_outlives_its_test() -> Iterator[None]:
    """A thread a test starts (a server, a handler, a reader) is joined by that test: one left
    running once wrote socketserver's traceback into a later test's captured output."""
    before = set(threading.enumerate())
    yield
    for thread in threading.enumerate():
        # asyncio reaps a child process (the language server under test) on a thread of its
        # own that ends as soon as the child is reaped: wait for that, boundedly.
        if thread not in before and thread.name.startswith("asyncio-waitpid"):
            thread.join(timeout=30)
    left = [thread for thread in threading.enumerate() if thread not in before]
    assert left == [], f"threads still running after the test: {left}"
