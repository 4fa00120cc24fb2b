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


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Linux: reset the process's peak RSS (VmHWM) to its current RSS."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


@contextmanager
def _bounded(seconds: float = 2.0, megabytes: float = 200.0) -> Iterator[None]:
    """At most ``seconds`` of CPU time (the machine may be shared: wall time says little) and
    ten times that, at least 30 s, of wall time (a blocked open uses no CPU); memory: the peak
    resident set may grow by at most ``megabytes`` (Linux VmHWM, reset at the start; else the
    Python heap's peak through tracemalloc, which is slower)."""

    def overran(signum: int, frame: object) -> None:
        kind = "CPU" if signum == signal.SIGPROF else "wall-clock"
        raise Overran(f"took more than {seconds} s of {kind} time")

    by_rss = _reset_peak()
    before = _status_kib("VmRSS") or 0
    if not by_rss:
        tracemalloc.start()
    previous = signal.signal(signal.SIGPROF, overran), signal.signal(signal.SIGALRM, overran)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, max(30.0, 10 * seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, previous[0])
        signal.signal(signal.SIGALRM, previous[1])
        if by_rss:
            grown = ((_status_kib("VmHWM") or 0) - before) * 1024
        else:
            grown = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    assert grown <= megabytes * 1024 * 1024, f"memory grew by {grown / 2**20:.0f} MiB"


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
