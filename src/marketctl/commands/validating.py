"""``marketctl validate`` as a library call: the report as printed and the exit code, from the
report cache where the same run on the same tree was done before (:mod:`~marketctl.repository.
cache`). The checks are imported only when the cache misses, so a rerun on an unchanged tree
costs the start of Python, a walk of markets/ and a hash of its bytes. ``--no-cache`` or the
environment variable ``MARKETCTL_NO_CACHE=1`` (the test suite sets it: it patches code in
process, which no key can see) turn the cache off."""

from __future__ import annotations

import os
from pathlib import Path

from marketctl.core.clock import today
from marketctl.repository.cache import Cached, ReportCache

__all__ = ["validate_output"]

EXIT_OK, EXIT_FINDINGS = 0, 1


def validate_output(
    root: Path,
    markets: tuple[str, ...],
    output_format: str,
    *,
    strict: bool = False,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    environment: str | None = None,
    quiet: bool = False,
    group: bool = True,
    use_cache: bool = True,
    jobs: int | None = None,
) -> Cached:
    """What ``validate`` prints and its exit code. Errors that stop the run (an unknown market,
    bad settings) are raised as :class:`~marketctl.core.errors.MarketctlError` and never
    cached."""
    cache = ReportCache(root, enabled=use_cache and not os.environ.get("MARKETCTL_NO_CACHE"))
    options: dict[str, object] = {
        "markets": list(markets),
        "format": output_format,
        "strict": strict,
        "select": list(select),
        "ignore": list(ignore),
        "environment": environment,
        "quiet": quiet,
        "group": group,
    }
    key = cache.key("validate", options, today().isoformat())
    found = cache.get(key)
    if found is not None:
        return found

    from marketctl.checks.reporters import REPORTERS
    from marketctl.checks.validation import validate_source
    from marketctl.repository.settings import read_settings
    from marketctl.repository.sources import WorktreeSource

    configured = read_settings(root)
    settings = configured.merged(select, ignore)
    source = WorktreeSource(root)
    _, report = validate_source(source, markets, settings, environment, configured, jobs=jobs)
    result = Cached(
        REPORTERS[output_format].render(report, quiet=quiet, group=group),
        EXIT_FINDINGS if report.failed(strict) else EXIT_OK,
    )
    cache.put(key, result.output, result.code)
    return result
