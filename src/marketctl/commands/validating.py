"""``marketctl validate`` as a library call: the report as printed and the exit code, from the
report cache where the same run on the same tree was done before (:mod:`~marketctl.repository.
cache`). The checks are imported only when the cache misses, so a rerun on an unchanged tree
costs the start of Python, a walk of markets/ and a hash of its bytes. Otherwise the findings
of the last full run (the unit store) are brought up to date for the files that changed
(:mod:`~marketctl.checks.incremental`), or, for a ``--select`` of rules that read no message
catalogue, the catalogues the store vouches for are left unread (:mod:`~marketctl.checks.
narrowing`). ``--no-cache`` or the environment variable ``MARKETCTL_NO_CACHE=1`` (the test
suite sets it: it patches code in process, which no key can see) turn the cache off."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from marketctl.core.clock import today
from marketctl.repository.cache import Cached, ReportCache, UnitStore

if TYPE_CHECKING:
    from marketctl.checks.validation import Report
    from marketctl.repository.settings import Settings

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
    from marketctl.repository.settings import read_settings

    configured = read_settings(root)
    settings = configured.merged(select, ignore)
    report = _report(root, cache, markets, environment, settings, configured, jobs)
    result = Cached(
        REPORTERS[output_format].render(report, quiet=quiet, group=group),
        EXIT_FINDINGS if report.failed(strict) else EXIT_OK,
    )
    cache.put(key, result.output, result.code)
    return result


def _report(
    root: Path,
    cache: ReportCache,
    markets: tuple[str, ...],
    environment: str | None,
    settings: Settings,
    configured: Settings,
    jobs: int | None,
) -> Report:
    """From the unit store and the files changed since it was written, where the run covers
    every market without an environment (:mod:`~marketctl.checks.incremental`); else a full
    run, whose units are stored when it covers every market."""
    from marketctl.checks import incremental, narrowing, validation
    from marketctl.repository.sources import WorktreeSource

    source = WorktreeSource(root)
    tree = cache.tree if cache.enabled else None
    store = UnitStore(root, {"today": today().isoformat()}) if tree is not None else None
    if (
        store is not None
        and any(place == "--select" for place, _, _ in settings.origins)
        and narrowing.needs_no_catalogue(settings)
    ):
        # --select of rules that read no message catalogue: none is read where the unit store
        # vouches for every one the markets read (issue 11); else a full run (issue 20).
        validation.check_filters(settings)
        narrowed = narrowing.report_without_catalogues(
            source, tree, store.get(), markets, environment, settings, configured, jobs
        )
        if narrowed is not None:
            return narrowed
    whole = not markets and environment is None  # what the stored units are of
    if tree is not None and store is not None and whole:
        validation.check_filters(settings)
        units = store.get()
        updated = incremental.update(source, tree, units) if units is not None else None
        if units is not None and updated is not None:
            collected, broken = updated
            if units.get("files") != tree.files:
                store.put(incremental.encode(collected, tree, broken))
            codes = sorted(collected.markets)
            return validation.assemble(collected, codes, settings, configured, _everything)
    repository, report = validation.validate_source(
        source, markets, settings, environment, configured, jobs=jobs
    )
    if tree is not None and store is not None and whole and report.collected is not None:
        broken = incremental.broken_files(repository)
        store.put(incremental.encode(report.collected, tree, broken))
    return report


def _everything(path: str) -> bool:
    return True
