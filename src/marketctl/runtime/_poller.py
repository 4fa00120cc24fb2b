"""``runtime.watch()``: a loaded set kept current by a background poller.

Every service otherwise writes its own reload loop (issue 23). The poller reloads every
``interval`` seconds, spread by ``jitter`` so that a fleet does not ask the origin in step;
over HTTP each poll is a conditional request (``If-None-Match`` / ``If-Modified-Since``), so an
unchanged set costs one small answer and no reload; a fetch has one deadline (``timeout``).
After a failure the next poll waits twice as long, up to ``max_backoff``; the current set keeps
serving. :attr:`Watch.state` says what a health check or a metric needs: the release in service,
the age of the set, the last error and the last success.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from marketctl.runtime._markets import Markets, PathLike, load
from marketctl.runtime.errors import BundleError

__all__ = ["Watch", "WatchState", "watch"]


@dataclass(frozen=True)
class WatchState:
    """What the poller knows, as one value (read it whole: it is replaced, never changed)."""

    release: int
    loaded_at: float  # time.time() when the set in service was swapped in
    from_disk: bool = False  # the set in service is the local copy (origin down at start)
    polls: int = 0
    reloads: int = 0  # polls that swapped a new set in
    failures: int = 0  # consecutive failed polls (0 after a success)
    last_success: float | None = None  # time.time() of the last poll that did not fail
    last_error: str | None = None  # the last failure's message (kept after a success)
    last_error_at: float | None = None

    def age(self, now: float | None = None) -> float:
        """Seconds since the set in service was swapped in."""
        return (time.time() if now is None else now) - self.loaded_at


class Watch:
    """A :class:`Markets` and the thread that reloads it; ``stop()`` (or ``with``) ends it."""

    def __init__(
        self,
        markets: Markets,
        interval: float,
        jitter: float,
        max_backoff: float,
        on_change: Callable[[Markets], object] | None,
        on_error: Callable[[BundleError], object] | None,
    ) -> None:
        if interval <= 0 or not 0 <= jitter < 1 or max_backoff < interval:
            raise ValueError("watch needs interval > 0, 0 <= jitter < 1, max_backoff >= interval")
        self.markets = markets
        self.interval = interval
        self.jitter = jitter
        self.max_backoff = max_backoff
        self._on_change = on_change
        self._on_error = on_error
        self._state = WatchState(markets.release, time.time(), markets.from_disk)
        self._stop = threading.Event()
        self._random = random.Random()
        self._thread = threading.Thread(target=self._run, name="marketctl-watch", daemon=True)
        self._thread.start()

    @property
    def state(self) -> WatchState:
        return self._state

    def next_delay(self) -> float:
        """Seconds until the next poll: the interval, doubled per consecutive failure up to
        ``max_backoff``, spread by ``jitter``."""
        failures = self._state.failures
        base: float = min(self.interval * 2.0 ** min(failures, 32), self.max_backoff)
        return base * self._random.uniform(1 - self.jitter, 1 + self.jitter)

    def _run(self) -> None:
        while not self._stop.wait(self.next_delay()):
            self.poll()

    def poll(self) -> bool:
        """One reload now (the thread calls it; a test or an admin endpoint may too); True
        when a new set was swapped in."""
        state = self._state
        try:
            changed = self.markets.reload()
        except BundleError as error:
            self._state = replace(
                state,
                polls=state.polls + 1,
                failures=state.failures + 1,
                last_error=str(error),
                last_error_at=time.time(),
            )
            if self._on_error is not None:
                self._call(self._on_error, error)
            return False
        now = time.time()
        self._state = replace(
            state,
            polls=state.polls + 1,
            failures=0,
            last_success=now,
            reloads=state.reloads + changed,
            release=self.markets.release,
            loaded_at=now if changed else state.loaded_at,
            from_disk=self.markets.from_disk,
        )
        if changed and self._on_change is not None:
            self._call(self._on_change, self.markets)
        return changed

    def _call(self, callback: Callable[[Any], object], argument: Any) -> None:
        # A failing callback is the service's bug; it must not end the polling.
        try:
            callback(argument)
        except Exception as error:
            self._state = replace(
                self._state,
                last_error=f"{getattr(callback, '__name__', 'callback')} raised "
                f"{type(error).__name__}: {error}",
                last_error_at=time.time(),
            )

    def stop(self) -> None:
        """End the poller and wait for it (a poll under way ends within its deadline)."""
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def watch(
    source: PathLike,
    *,
    interval: float = 30.0,
    jitter: float = 0.2,
    max_backoff: float = 600.0,
    on_change: Callable[[Markets], object] | None = None,
    on_error: Callable[[BundleError], object] | None = None,
    **options: Any,
) -> Watch:
    """:func:`load` ``source`` (with ``options``: ``env``, ``trust``, ``state_dir``,
    ``timeout``...), then reload it in a background thread every ``interval`` seconds (±
    ``jitter`` as a fraction). ``on_change(markets)`` runs on the poller's thread after a new
    set is swapped in, ``on_error(error)`` after a failed poll; the first load's failure is
    raised here. Read ``watch.markets`` for answers and ``watch.state`` for health."""
    markets = load(source, **options)
    return Watch(markets, interval, jitter, max_backoff, on_change, on_error)
