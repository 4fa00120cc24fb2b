"""The hostile-input corpus (issue 13): one case per reproduced problem, each bounded in time
and memory.

``bounded(seconds, megabytes)`` runs the body under an alarm (a hang becomes a failure, not a
stuck suite) and measures the Python heap's peak with tracemalloc (a read of /dev/zero or an
alias bomb shows up as hundreds of megabytes long before the machine runs out).
"""

from __future__ import annotations

import shutil
import signal
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from marketctl.testing import build_bundles

REPOSITORY = Path(__file__).resolve().parents[2]

Bounded = Callable[..., AbstractContextManager[None]]


class Overran(Exception):
    pass


@contextmanager
def _bounded(seconds: float = 2.0, megabytes: float = 200.0) -> Iterator[None]:
    def alarm(signum: int, frame: object) -> None:
        raise Overran(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    tracemalloc.start()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak <= megabytes * 1024 * 1024, f"peak Python heap {peak / 2**20:.0f} MiB"


@pytest.fixture
def bounded() -> Bounded:
    return _bounded


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("config")
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    return build_bundles(tmp_path_factory.mktemp("built") / "dist", root=root)


@pytest.fixture
def dist(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "dist"
    shutil.copytree(built, copy)
    return copy


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "config"
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    return root
