"""Run independent pieces of work in forked processes, results in the order given.

Forked workers inherit what the parent has loaded (the repository, caches), so nothing but the
results crosses between processes. Where ``fork`` is not available (Windows, and macOS where it
is unsafe with some system libraries), or for one job, the work runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final

__all__ = ["default_jobs", "run_all"]

_TASKS: Sequence[Callable[[], Any]] = ()


def _forking() -> bool:
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


# Measured (issue 26): checks in two processes took 35 % more CPU than in one at 2.2 MB and at 10 MB
# of YAML, 14 % more at 32 MB (each worker parses again the message texts its markets read, and
# every document loaded in a worker crosses back pickled), and were slower on the clock wherever
# the second core was busy. The share falls as the work grows; extended in a line from those
# figures (not measured) it is below 10 % from about 64 MB.
PAYS_FROM: Final = 64_000_000


def default_jobs(
    work_bytes: int,
    threshold: int = PAYS_FROM,
    *,
    cores: int | None = None,
    load: float | None = None,
) -> int:
    """How many processes pay for ``work_bytes`` of input: one below ``threshold``, else one per
    core that is idle. ``cores`` (those this process may run on) and ``load`` (the 1-minute
    load average) are read from the system unless given. A core counts as idle where the load
    leaves more than half of it free."""
    if work_bytes < threshold:
        return 1
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):  # no load average (Windows): assume the cores are busy
            load = float(cores)
    idle = int(cores - load + 0.5)
    return max(1, min(cores, idle))


def _run(index: int) -> Any:
    return _TASKS[index]()


def run_all(
    tasks: Sequence[Callable[[], Any]],
    jobs: int,
    each: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """Each task's result, in the order of ``tasks``; ``jobs`` processes at most. ``each`` is
    called in the parent with every index and result, in order, as they arrive."""
    global _TASKS
    results: list[Any] = []
    if jobs <= 1 or len(tasks) < 2 or not _forking():
        for index, task in enumerate(tasks):
            results.append(task())
            if each is not None:
                each(index, results[-1])
        return results
    _TASKS = tasks
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(jobs, len(tasks))) as pool:
            for index, result in enumerate(pool.imap(_run, range(len(tasks)), chunksize=1)):
                results.append(result)
                if each is not None:
                    each(index, result)
        return results
    finally:
        _TASKS = ()
